"""Idempotency keys of API POSTs (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

A row is the first successful answer to a POST that carried an Idempotency-Key, written
in the same transaction as the write it answers: either both are in the database or
neither is, so a crash never leaves a key without its write or a write without its key.
The same key sent again (same client, same request) within the retention gets this
answer back instead of a second write; cooperation/services/idempotency.py.
"""

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    # Whose key: "token:<id>" for a bearer token, "user:<id>" for a logged-in session.
    # Two clients may pick the same key without meeting.
    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
