"""The change log the partners' feed (`/api/v1/changes/`) is read from: cooperation/changes.py."""

from django.db import models
from django.utils import timezone


class ChangeEntry(models.Model):
    """One object of an API collection changed, or may read differently, as of `seq`.

    Entries name the object only; the feed shows each caller the object as it is when
    the feed is read, through that caller's visibility rules. `staff` and `partners`
    say who could read the object just after this change, so that an object leaving
    a caller's view is announced (a tombstone) only to callers who could have known it.
    """

    seq = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16)
    object_id = models.PositiveBigIntegerField()
    staff = models.BooleanField(help_text="Internal users other than its author could read it.")
    partners = models.BooleanField(help_text="Partners could read it.")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["kind", "object_id", "seq"], name="change_object_idx")]
        verbose_name = "change log entry"
        verbose_name_plural = "change log entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.object_id}"
