"""External identifiers: adding one to a record or actor, removing it, finding who holds one.

Like an evidence link, an identifier is a row of its own with its own history (who added
it, when, and who removed it); the record's own version does not change. A duplicate is
refused with a `DuplicateIdentifier` that names the record already holding it when the
caller may read that record (curation then offers "open it / merge"), and says nothing
about it otherwise.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cooperation.history import CREATED
from cooperation.identifiers import clean_identifier, scheme_label
from cooperation.models import Actor, Identifier, Record
from cooperation.permissions import require
from cooperation.services.common import ensure_live, save_with_history
from cooperation.services.tracked import lock, move_to_trash


class DuplicateIdentifier(ValidationError):
    """The identifier already names something; `holder` is its record (a RecordSpine) or
    actor when the caller may read it, else None."""

    def __init__(self, message: str, *, holder=None):
        super().__init__({"value": message}, code="duplicate")
        self.holder = holder


def holder_of(scheme: str, value: str) -> Identifier | None:
    """The live identifier row with this scheme and value, if any."""
    return (
        Identifier.objects.select_related("spine", "actor")
        .filter(scheme=scheme, value=value)
        .first()
    )


def _readable_holder(row: Identifier, user):
    """What `user` may be told holds `row`: its record's spine or its actor, or None."""
    from cooperation.models.records import RECORD_MODELS
    from cooperation.selectors import records_visible_to

    if row.actor_id is not None:
        return row.actor
    if user is None:
        return row.spine
    model = next(m for m in RECORD_MODELS if m._meta.model_name == row.spine.record_kind)
    if records_visible_to(user, model).filter(spine_id=row.spine_id).exists():
        return row.spine
    return None


def duplicate_message(row: Identifier, user) -> tuple[str, object]:
    label = scheme_label(row.scheme)
    holder = _readable_holder(row, user)
    if holder is None:
        return f"This {label} identifier ({row.value}) is already in use.", None
    if row.actor_id is not None:
        return f"This {label} identifier ({row.value}) already names the actor “{holder}”.", holder
    return (
        f"This {label} identifier ({row.value}) already names the {holder.kind_label.lower()} "
        f"“{holder.title}”{_briefs_of(holder)} — open it, or merge the two records.",
        holder,
    )


def _briefs_of(spine) -> str:
    from cooperation.models import Source

    titles = list(
        Source.all_objects.filter(
            excerpts__evidence_links__spine=spine, excerpts__evidence_links__deleted_at__isnull=True
        )
        .distinct()
        .order_by("title")
        .values_list("title", flat=True)[:3]
    )
    return f" (from {', '.join(titles)})" if titles else ""


@transaction.atomic
def identifier_add(
    *,
    user,
    record: Record | None = None,
    actor: Actor | None = None,
    scheme: str,
    value: str,
    url: str = "",
) -> Identifier:
    """Add a validated identifier to `record` or `actor`; the same one again changes nothing."""
    if (record is None) == (actor is None):
        raise ValueError("Give a record or an actor.")
    target = record if record is not None else actor
    require(user, "add", target, kind="identifier", message="You may not add identifiers here.")
    target = lock(target)
    ensure_live(target, "This record" if record is not None else "This actor")
    scheme, value, url = clean_identifier(scheme, value, url)
    where = {"spine_id": target.spine_id} if record is not None else {"actor_id": target.pk}
    existing = holder_of(scheme, value)
    if existing is not None:
        same = (
            existing.spine_id == where.get("spine_id")
            if record is not None
            else existing.actor_id == where.get("actor_id")
        )
        if same:
            return existing
        message, holder = duplicate_message(existing, user)
        raise DuplicateIdentifier(message, holder=holder)
    row = Identifier(scheme=scheme, value=value, url=url, **where)
    try:
        with transaction.atomic():
            save_with_history(row, user=user, kind=CREATED, reason="Identifier added")
    except (IntegrityError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and "__all__" not in getattr(exc, "message_dict", {}):
            raise
        raise DuplicateIdentifier(
            f"This {scheme_label(scheme)} identifier ({value}) was just added elsewhere."
        ) from None
    return row


@transaction.atomic
def identifier_remove(*, user, identifier: Identifier) -> Identifier:
    """The identifier goes to the trash (its history stays); removing it twice changes nothing."""
    target = identifier.spine.kind_record if identifier.spine_id else identifier.actor
    require(
        user, "remove", target, kind="identifier", message="You may not remove identifiers here."
    )
    current = lock(identifier)
    if current.is_deleted:
        return current
    return move_to_trash(current, user=user, reason="Identifier removed")
