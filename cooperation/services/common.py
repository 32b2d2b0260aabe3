"""What every service shares: conflicts, and saving with one history row.

Who may do what is asked of cooperation.permissions (`require`), never restated here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from cooperation.changes import serialise_writes
from cooperation.history import history_paused, write_history
from cooperation.models import Tag


class ConflictError(ValidationError):
    """Someone else saved the object since the caller read it (the caller's version is stale)."""

    def __init__(self, *, expected: int, current: int):
        super().__init__(
            f"This was changed by someone else since you opened it (your version {expected}, "
            f"now version {current}). Reload to see their changes; nothing was saved.",
            code="conflict",
        )
        self.expected = expected
        self.current = current


def full_clean(instance) -> None:
    """`instance.full_clean()`, except that a database fault met while checking is raised as
    that fault, not as a refusal.

    Django's `Q.check()`, which validates a conditional constraint (an agreement's UN
    Treaty Series number, unique when given), logs and swallows a failing query and answers
    "violated": a session cut off at that moment would tell the user "another agreement has
    this number". So a refusal asks the database once more: if the connection is gone or
    the transaction aborted, that raises the fault, which portal/faults.py answers with
    503 and Retry-After, nothing written."""
    try:
        instance.full_clean()
    except ValidationError:
        alias = instance._state.db or router.db_for_write(type(instance), instance=instance)
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        raise


def acting_user(user):
    """The user to record as author, or None for the system."""
    return user if user is not None and user.is_authenticated else None


def save_with_history(instance, *, user, kind: str, reason: str, m2m: dict | None = None) -> None:
    """Validate and save `instance`, set its links, and write exactly one history row."""
    # Before the row is written (and locked): see cooperation/changes.py on the order.
    serialise_writes()
    now = timezone.now()
    author = acting_user(user)
    if instance._state.adding:
        instance.created_at = now
        instance.created_by = author
    instance.updated_at = now
    instance.updated_by = author
    full_clean(instance)
    with history_paused(instance):
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
        # Rules only the saved links tell (an agreement amending itself): a refusal here
        # rolls the caller's transaction back.
        check_links = getattr(instance, "check_links", None)
        if check_links is not None:
            check_links()
    write_history(instance, kind=kind, user=author, reason=reason)


def link_evidence(record, excerpt, *, user, note: str = ""):
    """Make `excerpt` evidence for `record` (a live record and excerpt, the caller's rights
    asked); linking it twice changes nothing, but a note given for a link made without one
    (by a claim resting on the excerpt, in the same write) is kept. services/evidence.py's
    `evidence_attach` is the checked way in; a claim's excerpts come here too
    (services/claim_rows.py)."""
    from cooperation.history import CHANGED, CREATED
    from cooperation.models import RecordEvidence

    existing = RecordEvidence.objects.filter(spine_id=record.spine_id, excerpt=excerpt).first()
    if existing:
        if note and not existing.note:
            existing.note = note
            existing.version += 1
            save_with_history(existing, user=user, kind=CHANGED, reason="Evidence note")
        return existing
    link = RecordEvidence(spine_id=record.spine_id, excerpt=excerpt, note=note)
    save_with_history(link, user=user, kind=CREATED, reason="Evidence attached")
    return link


def save_workflow_row(row, *, user, validate: bool = True) -> None:
    """Validate and save a workflow row (a status change, a proposal, a response).

    These rows are added (a proposal also decided) and never edited in a form; those with
    history get simple-history's row for the save, naming `user`. The change feed's write
    lock comes first, as for every write (cooperation/changes.py). `validate=False` is for
    a row whose only changes are the service's own (a proposal's decision): its other
    fields were checked when it was added, and a proposer since removed must not block it.
    """
    serialise_writes()
    if validate:
        full_clean(row)
    row._history_user = acting_user(user)
    try:
        row.save()
    finally:
        del row._history_user


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming each field and what is wrong with it, for commands and logs."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def ensure_live(instance, what: str, field: str | None = None) -> None:
    """Refuse to build on something in the trash (a note on a trashed record, say)."""
    if instance is not None and instance.is_deleted:
        message = f"{what} is in the trash; restore it first."
        raise ValidationError({field: message} if field else message)


# -- tags named by a write (a record's, a note's) -------------------------------------------


def _tag_ids(tags) -> set[int]:
    return {getattr(tag, "pk", tag) for tag in tags}


def live_tag_ids(tags) -> set[int]:
    """The ids of `tags` (tags or ids), all of which must be live tags."""
    return _live_tags(_tag_ids(tags))


def _live_tags(ids: set) -> set[int]:
    if any(not isinstance(pk, int) for pk in ids):
        raise ValidationError({"tags": "There is no tag with that id."})
    found = set(Tag.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise ValidationError({"tags": "There is no tag with that id."})
    return found
