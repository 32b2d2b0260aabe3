"""Background tasks (Django's tasks framework; django-tasks-db's `db_worker` runs them).

Each task works on a Job row (cooperation/models/jobs.py) and writes through services,
as a web request would: the task is only where the work runs.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.tasks import task

from cooperation.services import job_runs as jobs
from cooperation.services.sources import source_import

logger = logging.getLogger("cooperation.tasks")

FAILED_UNEXPECTEDLY = (
    "The import stopped on an unexpected error; nothing was saved. Retry it, and if it fails "
    "again tell an administrator (the worker's log names the error)."
)


@task()
def import_source_job(job_id: int) -> int | None:
    """Import the brief a Job holds; return the new source's id (None if refused or done)."""
    job = jobs.job_start(job_id)
    if job is None:
        return None  # delivered twice, or already finished: nothing to do
    params = dict(job.params)
    filename = params.pop("filename", "upload")
    published_on = params.pop("published_on", None)
    try:
        with default_storage.open(job.upload.name, "rb") as upload:
            data = upload.read()
        jobs.job_progress(job, 30, "Extracting the text and saving the source.")
        source = source_import(
            data=data,
            filename=filename,
            user=job.owner,
            published_on=date.fromisoformat(published_on) if published_on else None,
            **params,
        )
    except ValidationError as exc:
        # A refusal (a duplicate, an unreadable file): the job says why; retrying won't help.
        message = " ".join(exc.messages)
        jobs.job_fail(job, message[:1].upper() + message[1:])
        return None
    except Exception:
        logger.exception("import job #%s failed", job_id)
        jobs.job_fail(job, FAILED_UNEXPECTEDLY)
        raise
    jobs.job_succeed(job, source)
    return source.pk
