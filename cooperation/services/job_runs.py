"""Writes the task worker makes to a running job (cooperation.models.Job): start, progress,
finish. Apart from services/jobs.py (which creates and retries jobs, and so enqueues their
tasks) so that the tasks can use these without an import loop.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction

from cooperation.models import Job, Source


def job_start(job_id: int) -> Job | None:
    """Mark a queued job running; None if it is not queued (already run or being run)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != Job.State.QUEUED:
            return None
        job.state = Job.State.RUNNING
        job.progress = 5
        job.message = "Reading the file."
        job.save(update_fields=["state", "progress", "message", "updated_at"])
    return job


def job_progress(job: Job, progress: int, message: str) -> None:
    job.progress = max(0, min(100, progress))
    job.message = message
    Job.objects.filter(pk=job.pk).update(progress=job.progress, message=message)


def job_succeed(job: Job, source: Source) -> None:
    upload = job.upload.name
    with transaction.atomic():
        job.state = Job.State.SUCCEEDED
        job.progress = 100
        job.message = f"Imported “{source.title}”."
        job.source = source
        job.upload = ""
        job.save(update_fields=["state", "progress", "message", "source", "upload", "updated_at"])
        if upload:
            # The file now lives on as the source's original; the job's copy goes.
            transaction.on_commit(lambda: default_storage.delete(upload))


def job_fail(job: Job, message: str) -> None:
    job.state = Job.State.FAILED
    job.message = message
    job.save(update_fields=["state", "message", "updated_at"])
