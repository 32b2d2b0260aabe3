"""Notifications, watches and each person's notification settings.

Written only by cooperation/services/notifications.py. A notification names what it is
about (a record, a note, or both) and is shown only while its recipient may read that
(`selectors.notifications_visible_to`); it carries no copy of the text it points at.
"""

from django.conf import settings
from django.db import models

from cooperation.choices import EmailPreference, NotificationKind


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=NotificationKind)
    # The record it is about (also for a note on a record, so a record in the trash hides it).
    spine = models.ForeignKey(
        "cooperation.RecordSpine",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    note = models.ForeignKey(
        "cooperation.Annotation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # A short fact for a status move ("Proposed → Accepted"); never a copy of a note.
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(note__isnull=False) | models.Q(spine__isnull=False),
                name="notification_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor or 'Someone'} {self.get_kind_display()} ({self.recipient})"

    @property
    def record(self):
        """The record it is about, of whatever kind, or None (load it with the
        notification: `select_related(*spine.with_records())`)."""
        return self.spine.kind_record if self.spine_id else None


class Watch(models.Model):
    """`user` is told about a record's changes, status moves, new notes and replies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    spine = models.ForeignKey(
        "cooperation.RecordSpine", on_delete=models.CASCADE, related_name="watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "spine"], name="watch_once_per_record")
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.spine.record_kind} {self.spine.kind_id}"

    @property
    def record(self):
        return self.spine.kind_record


class NotificationSettings(models.Model):
    """A person's handle for @mentions (besides their e-mail's local part) and e-mail choice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    handle = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        unique=True,
        help_text="Colleagues may write @handle to mention you (letters, digits, . _ -).",
    )
    email = models.CharField(max_length=16, choices=EmailPreference, default=EmailPreference.NONE)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"
