"""History: one django-simple-history row per service write.

Services save with history switched off, make all their changes (fields and
many-to-many links), then call `write_history` once, so a write is exactly one
history row holding the complete after-state, including links.
"""

from __future__ import annotations

from contextlib import contextmanager

from simple_history.models import HistoricalRecords

CREATED = "+"
CHANGED = "~"
DELETED = "-"


# Search documents are derived from the other fields on every save: not history.
SEARCH_COLUMNS = ("search_a", "search_b", "search_d")


class History(HistoricalRecords):
    """HistoricalRecords that leaves a handle on the model so services can write rows."""

    def __init__(self, *args, excluded_fields=None, **kwargs):
        excluded = [*(excluded_fields or []), *SEARCH_COLUMNS]
        super().__init__(*args, excluded_fields=excluded, **kwargs)

    def post_save(self, instance, created, using=None, **kwargs):
        # A save that touches only untracked columns (a login's last_login) is not a change.
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def finalize(self, sender, **kwargs):
        if sender is self.cls:
            # Only the search columns this model has (simple-history looks each name up).
            names = {field.name for field in sender._meta.fields}
            self.excluded_fields = [
                name for name in self.excluded_fields if name not in SEARCH_COLUMNS or name in names
            ]
        super().finalize(sender, **kwargs)
        if sender is self.cls or (self.inherit and issubclass(sender, self.cls)):
            sender._history_recorder = self


@contextmanager
def history_paused(instance):
    """Suppress simple-history's per-save and per-m2m-change rows for `instance`."""
    instance.skip_history_when_saving = True
    try:
        yield instance
    finally:
        del instance.skip_history_when_saving


def write_history(instance, *, kind: str, user=None, reason: str = "") -> None:
    """Record `instance` as it now stands (fields and links) as one history row."""
    instance._history_user = user if (user is not None and user.is_authenticated) else None
    instance._change_reason = reason[:100]
    try:
        type(instance)._history_recorder.create_historical_record(instance, kind)
    finally:
        del instance._history_user
        del instance._change_reason
    # The partners' change feed learns of this row from simple-history's
    # post_create_historical_record signal, in the same transaction (cooperation/apps.py).


def history_m2m_values(historical_row, field_name: str) -> list[int]:
    """The primary keys a many-to-many field pointed at in one history row."""
    field = historical_row.instance_type._meta.get_field(field_name)
    target_attname = f"{field.m2m_reverse_field_name()}_id"
    return sorted(getattr(row, target_attname) for row in getattr(historical_row, field_name).all())
