"""Long jobs that run in the task worker, not in a web request: what each is, how far it got.

A job is the portal's own account of a background task (Django's tasks framework, run by
django-tasks-db's `db_worker`, cooperation/tasks.py): who asked, for what, its state and
progress, and what came of it. The task engine's own row (its TaskResult) is kept apart:
`task_id` names the latest attempt, and a retry enqueues a new one.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT_SOURCE = "import_source", "Import a brief"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0–100.")
    message = models.TextField(blank=True, help_text="The current step, or why it failed.")
    attempts = models.PositiveSmallIntegerField(default=1)
    task_id = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # The uploaded file until the job has used it (cooperation/media.py stages it).
    upload = models.FileField(upload_to="jobs/", max_length=300, blank=True)
    source = models.ForeignKey(
        "cooperation.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:job_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    @property
    def stalled(self) -> bool:
        """Running, but silent for longer than any job takes: its worker died with it."""
        limit = timedelta(minutes=settings.CONTOURS_JOB_STALL_MINUTES)
        return self.state == self.State.RUNNING and timezone.now() - self.updated_at > limit

    @property
    def retryable(self) -> bool:
        return bool(self.upload) and (self.state == self.State.FAILED or self.stalled)
