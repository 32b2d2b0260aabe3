"""Actions that only records have: creating one with its evidence, publishing, merging."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cooperation.choices import Visibility
from cooperation.history import CHANGED
from cooperation.models import Excerpt, Recommendation, Record
from cooperation.permissions import require, visibility_action
from cooperation.services import notifications
from cooperation.services.annotations import annotations_follow_merge
from cooperation.services.claim_rows import facts_now
from cooperation.services.claims import claims_follow_merge
from cooperation.services.common import save_with_history
from cooperation.services.evidence import evidence_attach
from cooperation.services.recommendations import recommendation_create
from cooperation.services.tracked import (
    check_version,
    lock,
    move_to_trash,
    tracked_create,
    tracked_update,
)


@transaction.atomic
def record_create(
    *,
    model: type[Record],
    user,
    data: dict,
    evidence_excerpt: Excerpt | None = None,
    evidence_note: str = "",
    identifiers=(),
    basis=None,
) -> Record:
    """A new record of any kind and, when given, its first evidence link and its external
    identifiers ((scheme, value) pairs), in one transaction.

    Each factual value needs a basis (`basis`: one for all, or field → Basis; see
    services/claims.py). A refused basis, link or identifier leaves no record behind: an
    identifier that already names another record is refused naming it
    (services/identifiers.py), so the curator opens that record instead of making a
    second one. A recommendation also starts its status
    timeline, citing the excerpt.
    """
    from cooperation.services.identifiers import identifier_add

    if model is Recommendation:
        record = recommendation_create(
            user=user, data=data, evidence_excerpt=evidence_excerpt, basis=basis
        )
    else:
        record = tracked_create(model=model, user=user, data=data, basis=basis)
    if evidence_excerpt is not None:
        evidence_attach(record=record, excerpt=evidence_excerpt, user=user, note=evidence_note)
    for scheme, value in identifiers:
        identifier_add(user=user, record=record, scheme=scheme, value=value)
    return record


@transaction.atomic
def record_set_visibility(
    *, record: Record, user, visibility: str, expected_version: int | None = None
) -> Record:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": f"Unknown visibility {visibility!r}."})
    current = lock(record)
    # Moving into or out of "published" is what partners see change: curators only.
    require(user, visibility_action(current.visibility, visibility), current)
    check_version(current, expected_version)
    if current.is_deleted:
        raise ValidationError("A record in the trash cannot be published.")
    if current.visibility == visibility:
        return current
    before = current.get_visibility_display()
    current.visibility = visibility
    current.version += 1
    save_with_history(
        current,
        user=user,
        kind=CHANGED,
        reason=f"Visibility {before} → {current.get_visibility_display()}",
    )
    notifications.record_changed(
        current, user=user, fields=[], detail=f"{before} → {current.get_visibility_display()}"
    )
    return current


def record_publish(*, record: Record, user) -> Record:
    return record_set_visibility(record=record, user=user, visibility=Visibility.PUBLISHED)


def record_unpublish(*, record: Record, user) -> Record:
    return record_set_visibility(record=record, user=user, visibility=Visibility.INTERNAL)


def _repoint_inbound_links(keep: Record, duplicate: Record, user) -> None:
    """Records that link to the duplicate (a deal governed by it, say) link to `keep` instead."""
    for relation in type(duplicate)._meta.related_objects:
        if not relation.many_to_many:
            continue
        name = relation.field.name
        for other in relation.related_model.objects.filter(**{name: duplicate}).distinct():
            linked = set(getattr(other, name).values_list("pk", flat=True)) - {duplicate.pk}
            # An agreement that amended its duplicate amends nothing (the same kind and id:
            # ids of other kinds may be equal to keep's without being keep).
            if not (type(other) is type(keep) and other.pk == keep.pk):
                linked.add(keep.pk)
            tracked_update(
                instance=other,
                user=user,
                data={name: sorted(linked)},
                expected_version=None,
                reason=f"Link moved from merged duplicate #{duplicate.pk}",
            )


@transaction.atomic
def record_merge(*, keep: Record, duplicate: Record, user) -> Record:
    """Fold `duplicate` into `keep`: its links, evidence and annotations move; it goes to the trash.

    Links both ways move: the duplicate's own (actors, parties…) and other records'
    links to it (a deal governed by it, a recommendation addressing it). Nothing is
    lost: the duplicate stays in the trash with `merged_into` set, and its summary
    is appended to the kept record's when they differ; its claims are copied to the kept
    record, where a value the two disagree on becomes a disagreement to rank
    (services/claims.py). A duplicate recommendation's
    status timeline stays with it, in the trash, as the record of what happened to it.
    """
    require(user, "merge", keep)
    if type(keep) is not type(duplicate):
        raise ValidationError("Only records of the same kind can be merged.")
    if keep.pk == duplicate.pk:
        raise ValidationError("A record cannot be merged into itself.")
    keep, duplicate = lock(keep), lock(duplicate)
    if keep.is_deleted or duplicate.is_deleted:
        raise ValidationError("Records in the trash cannot be merged.")
    before_keep = facts_now(keep)

    m2m = {}
    for name in type(keep).history_m2m_fields:
        merged = set(getattr(keep, name).values_list("pk", flat=True)) | set(
            getattr(duplicate, name).values_list("pk", flat=True)
        )
        if getattr(type(keep), name).field.related_model is type(keep):
            merged -= {keep.pk, duplicate.pk}  # amends, supersedes: never itself
        m2m[name] = sorted(merged)
    if hasattr(keep, "party_dates"):
        # A party dated only on the duplicate keeps its dates; the kept record's win.
        dated = {entry["party"] for entry in keep.party_dates}
        keep.party_dates = [
            *keep.party_dates,
            *(entry for entry in duplicate.party_dates if entry["party"] not in dated),
        ]
    if duplicate.summary.strip() and duplicate.summary.strip() not in keep.summary:
        keep.summary = f"{keep.summary.rstrip()}\n\n{duplicate.summary.strip()}".strip()
    keep.version += 1
    save_with_history(
        keep, user=user, kind=CHANGED, reason=f"Merged duplicate #{duplicate.pk}", m2m=m2m
    )

    for link in duplicate.evidence_links.all():
        evidence_attach(record=keep, excerpt=link.excerpt, user=user, note=link.note)
    claims_follow_merge(keep=keep, duplicate=duplicate, before_keep=before_keep, user=user)
    annotations_follow_merge(duplicate=duplicate, keep=keep, user=user)
    _repoint_inbound_links(keep, duplicate, user)

    duplicate.merged_into = keep
    move_to_trash(duplicate, user=user, reason=f"Merged into #{keep.pk}")
    return keep
