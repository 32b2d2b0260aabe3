"""Background jobs: a job's progress page, and retrying a job that failed.

A job is its owner's: anyone else (an administrator excepted) gets a 404, as for any
object they may not see. While the job runs the page updates its card in place
(static/js/job.js asks for the page again every REFRESH_SECONDS); not a meta refresh, which
reloads the page under a reader (WCAG 2.2.1).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import internal_user_required
from cooperation.models import Job
from cooperation.services.jobs import job_retry

REFRESH_SECONDS = 2


def _own_job(request, pk: int) -> Job:
    job = get_object_or_404(Job.objects.select_related("source", "owner"), pk=pk)
    if job.owner_id != request.user.pk and not request.user.is_superuser:
        raise Http404("No such job.")
    return job


@internal_user_required
@require_GET
def job_detail(request, pk: int):
    job = _own_job(request, pk)
    return render(
        request,
        "cooperation/jobs/detail.html",
        {"job": job, "refresh_seconds": None if job.finished else REFRESH_SECONDS},
    )


@internal_user_required
@require_POST
def job_retry_view(request, pk: int):
    job = _own_job(request, pk)
    try:
        job_retry(user=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The job is queued again.")
    return redirect(job)


urlpatterns = [
    path("jobs/<int:pk>/", job_detail, name="job_detail"),
    path("jobs/<int:pk>/retry/", job_retry_view, name="job_retry"),
]
