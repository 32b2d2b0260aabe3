"""Writes to background jobs (cooperation.models.Job): create, start, progress, finish, retry.

The job row and its task are written together: the task is enqueued in the transaction
that creates the job (django-tasks-db keeps its queue in the same database), so a job
never exists without its task, nor a task without its job. The uploaded file is staged
and put in place only on commit (cooperation/media.py), and deleted once the job has
turned it into a source.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from cooperation import media
from cooperation.models import Job, Source
from cooperation.permissions import require
from cooperation.tasks import import_source_job


def _upload_name(filename: str) -> str:
    try:
        name = default_storage.get_valid_name(Path(filename).name) or "upload"
    except SuspiciousFileOperation:
        name = "upload"
    return f"jobs/{uuid.uuid4().hex}-{name[:200]}"


def _enqueue(job: Job) -> None:
    result = import_source_job.enqueue(job.pk)
    job.task_id = str(result.id)
    job.save(update_fields=["task_id", "updated_at"])


def import_job_create(*, user, data: bytes, filename: str, metadata: dict) -> Job:
    """Queue the import of an uploaded brief; the worker runs `source_import` on it.

    `metadata` holds the import form's fields (title, publisher, authors, reference_code,
    published_on as an ISO date or None).
    """
    require(user, "import", Source)
    staged = media.stage(_upload_name(filename), data)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=Job.Kind.IMPORT_SOURCE,
                owner=user,
                message="Waiting for the worker.",
                params={"filename": Path(filename).name[:255], **metadata},
                upload=staged.name,
            )
            staged.publish_on_commit()
            _enqueue(job)
    except BaseException:
        staged.discard()
        raise
    return job


def job_retry(*, user, job: Job) -> Job:
    """Run a failed job again, with the same file and fields, as a new task."""
    if (
        user is None
        or not user.is_authenticated
        or (job.owner_id != user.pk and not user.is_superuser)
    ):
        raise PermissionDenied("Only whoever started this job can retry it.")
    require(user, "import", Source)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not (job.state == Job.State.FAILED or job.stalled):
            raise ValidationError(
                f"This job is {job.get_state_display().lower()}; only a failed job, or one "
                "whose worker stopped answering, can be retried."
            )
        if not job.upload or not default_storage.exists(job.upload.name):
            raise ValidationError("The uploaded file of this job is gone; upload it again.")
        job.state = Job.State.QUEUED
        job.progress = 0
        job.message = "Waiting for the worker."
        job.attempts += 1
        job.save(update_fields=["state", "progress", "message", "attempts", "updated_at"])
        _enqueue(job)
    return job
