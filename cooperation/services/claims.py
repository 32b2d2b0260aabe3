"""Claims: every factual value of a record with its basis, several per field, ranked.

What a record write leaves (each changed fact's claim, or a refusal): services/claim_rows.py.

`claim_add` records what another source says about a field. A claim that agrees stands
beside the preferred one; one that disagrees stands beside it too, and the field becomes
an unresolved disagreement until someone ranks the claims (`claim_set_rank`): preferring a
claim writes its value to the record, deprecating one says it is wrong. Nothing is ever
deleted: a claim that loses stays, ranked, with its basis and history.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef

from cooperation.choices import ClaimRank
from cooperation.models import Claim, Record
from cooperation.party_dates import normalise as normalise_party_dates
from cooperation.permissions import require
from cooperation.provenance import Basis, decode, encode, facts_of, is_empty
from cooperation.services.claim_rows import (
    _check_basis,
    _demote_preferred,
    _new_claim,
    _prefer,
    _save_claim,
    facts_now,
    live_claims,
)
from cooperation.services.common import ensure_live
from cooperation.services.tracked import lock, tracked_update


def _clean_value(record: Record, name: str, value):
    """`value` as `encode` would write it for `name`, or a field error: claim_add's check
    and the import's, one rule (a claim has a value, as the field keeps it)."""
    value = _as_the_field_keeps(record, name, value)
    if is_empty(value):
        raise ValidationError({"value": "A claim has a value; to clear the field, edit it."})
    return value


def _an_id(value) -> int | None:
    """`value` as a row id, or None: 5, "5" and 5.0 are 5; true, 5.5, "five" and ids out of
    a bigint's range are no id (the record keeps its link as the integer, so its claims do)."""
    if isinstance(value, str):
        value = value.strip()
        # 19 digits hold any bigint; int() of thousands of digits raises (and costs).
        value = int(value) if value.isascii() and value.isdigit() and len(value) < 20 else None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return None
    return value


def _as_the_field_keeps(record: Record, name: str, value):
    model = type(record)
    if name not in facts_of(model):
        raise ValidationError({"field": f"{name!r} is not a factual field of this kind."})
    model_field = model._meta.get_field(name)
    if model_field.many_to_many:
        ids = [_an_id(pk) for pk in value] if isinstance(value, list) else [None]
        if None in ids:
            raise ValidationError({"value": "Give a list of ids."})
        ids = sorted(set(ids))
        found = model_field.related_model._base_manager.filter(pk__in=ids).count()
        if found != len(ids):
            raise ValidationError({"value": "There is no such id."})
        return ids
    if model_field.is_relation:
        if value is None:
            return None
        pk = _an_id(value)
        if pk is None:
            raise ValidationError({"value": "Give an id."})
        if not model_field.related_model._base_manager.filter(pk=pk).exists():
            raise ValidationError({"value": "There is no such id."})
        return pk
    if name == "party_dates":
        # Kept by Agreement.clean in one form (its dates at their precision, entries in
        # order): a claim agreeing with the record must hold that form too.
        try:
            return normalise_party_dates(value)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from None
    try:
        data = decode(model, name, value)
    except (ValidationError, ValueError, ArithmeticError, TypeError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise ValidationError({"value": messages}) from None
    probe = model(**data)
    if isinstance(model_field, IntegerField) and (
        isinstance(value, bool) or (isinstance(value, float) and not value.is_integer())
    ):
        # int() would keep another number than the one sent (12.5 → 12, 1e-05 → 0, true → 1).
        raise ValidationError({"value": "Give a whole number."})
    try:
        cleaned = model_field.clean(getattr(probe, name), probe)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    # The value as the field keeps it ("12" and 12.0 are 12; a number for a text, its text):
    # a claim compared with the record's value must compare like with like.
    setattr(probe, name, cleaned)
    return encode(probe, name)


@transaction.atomic
def claim_add(*, user, record: Record, field: str, value, basis: Basis) -> Claim:
    """What a source says about `record.field`: kept beside the record's value.

    On an empty field the claim becomes the value (preferred). Agreeing with the record, it
    stands beside the preferred claim. Disagreeing, it stands beside it and the field is
    an unresolved disagreement: no claim is preferred until someone ranks them.
    """
    require(user, "edit", record)
    current = lock(record)
    ensure_live(current, "This record")
    value = _clean_value(current, field, value)
    if is_empty(encode(current, field)):
        tracked_update(
            instance=current,
            user=user,
            data=decode(type(current), field, value),
            expected_version=None,
            reason=f"{field} from a new claim",
            basis={field: basis},
        )
        return live_claims(current, field).get(rank=ClaimRank.PREFERRED)
    excerpts = _check_basis(basis, user, "basis")
    if encode(current, field) != value:
        _demote_preferred(current, field, user=user)
    return _new_claim(
        current, field, value, basis, excerpts, user=user, rank=ClaimRank.NORMAL, reason="Claimed"
    )


@transaction.atomic
def claim_set_rank(*, user, claim: Claim, rank: str) -> Claim:
    """Rank a claim. Preferring one writes its value to the record (as a new version);
    the claim the record shows can't be deprecated while no other claim holds its value."""
    if rank not in ClaimRank.values:
        raise ValidationError({"rank": f"A rank is one of {', '.join(ClaimRank.values)}."})
    record = claim.spine.kind_record
    require(user, "edit", record)
    record = lock(record)
    ensure_live(record, "This record")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.rank == rank:
        return claim
    if rank == ClaimRank.PREFERRED:
        if encode(record, claim.field) == claim.value:
            _prefer(record, claim.field, claim, user=user)
        else:
            tracked_update(
                instance=record,
                user=user,
                data=decode(type(record), claim.field, claim.value),
                expected_version=None,
                reason=f"{claim.field}: preferred claim #{claim.pk}",
                prefer={claim.field: claim},
            )
        claim.refresh_from_db()
        return claim
    if rank == ClaimRank.DEPRECATED and encode(record, claim.field) == claim.value:
        others = live_claims(record, claim.field).exclude(pk=claim.pk)
        if not others.exclude(rank=ClaimRank.DEPRECATED).filter(value=claim.value).exists():
            raise ValidationError(
                {"rank": "The record shows this claim's value: prefer another claim first."}
            )
    claim.rank = rank
    return _save_claim(claim, user=user, reason=f"Ranked {claim.get_rank_display().lower()}")


def claims_follow_merge(*, keep: Record, duplicate: Record, before_keep: dict, user) -> None:
    """The duplicate's claims move to `keep` as copies (the originals stay with it, in the
    trash). A value the two disagree on becomes an unresolved disagreement on `keep`; a
    value only the duplicate had becomes keep's; links united by the merge (parties…) are
    claimed as the merging analyst's judgement."""
    after = facts_now(keep)
    united = {n for n, v in after.items() if v != before_keep.get(n) and not is_empty(v)}
    for name, value in after.items():
        if name in united:
            reason = f"Merged #{duplicate.pk} into #{keep.pk}: both records' values together"
            _demote_preferred(keep, name, user=user)
            _new_claim(
                keep,
                name,
                value,
                Basis.judgement(reason),
                [],
                user=user,
                rank=ClaimRank.PREFERRED,
                reason="Merged",
            )
    for claim in Claim.objects.filter(spine_id=duplicate.spine_id).prefetch_related("excerpts"):
        copy = Claim(
            spine_id=keep.spine_id,
            field=claim.field,
            value=claim.value,
            rank=ClaimRank.DEPRECATED if claim.rank == ClaimRank.DEPRECATED else ClaimRank.NORMAL,
            basis=claim.basis,
            citation_title=claim.citation_title,
            citation_publisher=claim.citation_publisher,
            citation_url=claim.citation_url,
            citation_accessed=claim.citation_accessed,
            reason=claim.reason,
        )
        _save_claim(
            copy,
            user=user,
            reason=f"From merged duplicate #{duplicate.pk}",
            excerpts=list(claim.excerpts.all()),
        )
    for name, value in after.items():
        theirs = encode(duplicate, name)
        if name in united or is_empty(theirs) or theirs == value:
            continue
        if is_empty(value):
            copied = live_claims(keep, name).filter(value=theirs).order_by("-created_at").first()
            if copied is not None:
                tracked_update(
                    instance=keep,
                    user=user,
                    data=decode(type(keep), name, theirs),
                    expected_version=None,
                    reason=f"{name} from merged duplicate #{duplicate.pk}",
                    prefer={name: copied},
                )
        else:
            _demote_preferred(keep, name, user=user)  # two values, none preferred yet


def unresolved(spines=None):
    """(spine_id, field) pairs whose live, undeprecated claims disagree and none is
    preferred: the disagreements people still have to rank.

    With no preferred claim, every undeprecated claim of the pair is a normal one: so only
    normal claims are read (the `claim_unranked` index), pairs that have a preferred claim
    are left out by the one-preferred index, and the rest are grouped.
    """
    preferred = Claim.objects.filter(
        spine_id=OuterRef("spine_id"), field=OuterRef("field"), rank=ClaimRank.PREFERRED
    )
    rows = Claim.objects.filter(rank=ClaimRank.NORMAL).exclude(Exists(preferred))
    if spines is not None:
        rows = rows.filter(spine__in=spines)
    return (
        rows.values("spine_id", "field")
        .annotate(values=Count("value", distinct=True))
        .filter(values__gte=2)
    )
