"""The claim rows a record write leaves: every factual value that changed gets its basis.

The record services (services/tracked.py) call `claims_after_write` in their transaction,
after the record and its links are saved: each factual value that changed needs a basis,
or the whole write is refused with a field error naming it (nothing is saved). A value
some live claim already holds (a version restored, a claim preferred) needs no second
basis: that claim becomes the preferred one. Adding and ranking claims by hand:
services/claims.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cooperation.changes import logged_with
from cooperation.choices import BasisKind, ClaimRank
from cooperation.history import CHANGED, CREATED
from cooperation.models import Claim, Excerpt, Record
from cooperation.permissions import require
from cooperation.provenance import Basis, bases_by_field, facts_now, is_empty
from cooperation.services.common import link_evidence, save_with_history

NEEDS_BASIS = (
    "Say where this value comes from: excerpts of a brief, a public record (its title), "
    "or your judgement with a one-line reason."
)


def live_claims(record: Record, name: str | None = None):
    rows = Claim.objects.filter(spine_id=record.spine_id)
    return rows.filter(field=name) if name else rows


def _excerpts_for(basis: Basis, user, name: str) -> list[Excerpt]:
    if basis.kind != BasisKind.BRIEF:
        return []
    excerpts = list(Excerpt.objects.select_related("source").filter(pk__in=basis.excerpt_ids))
    if len(excerpts) != len(set(basis.excerpt_ids)):
        raise ValidationError({name: "There is no excerpt with that id."})
    for excerpt in excerpts:
        require(user, "cite", excerpt.source, message="You may not cite this source.")
    return excerpts


def _check_basis(basis: Basis | None, user, name: str) -> list[Excerpt]:
    if basis is None:
        raise ValidationError({name: NEEDS_BASIS}, code="basis")
    problems = basis.problems()
    if problems:
        raise ValidationError({name: problems}, code="basis")
    return _excerpts_for(basis, user, name)


def _save_claim(claim: Claim, *, user, reason: str, excerpts=None) -> Claim:
    kind = CREATED if claim._state.adding else CHANGED
    if not claim._state.adding:
        claim.version += 1
    m2m = {"excerpts": [e.pk for e in excerpts]} if excerpts is not None else None
    save_with_history(claim, user=user, kind=kind, reason=reason, m2m=m2m)
    return claim


def _demote_preferred(record: Record, name: str, *, user, keep: Claim | None = None) -> None:
    for claim in live_claims(record, name).filter(rank=ClaimRank.PREFERRED):
        if keep is None or claim.pk != keep.pk:
            claim.rank = ClaimRank.NORMAL
            _save_claim(claim, user=user, reason="Another claim is preferred")


def _new_claim(record, name, value, basis: Basis, excerpts, *, user, rank, reason) -> Claim:
    claim = Claim(
        spine_id=record.spine_id,
        field=name,
        value=value,
        rank=rank,
        basis=basis.kind,
        citation_title=basis.citation_title,
        citation_publisher=basis.citation_publisher,
        citation_url=basis.citation_url,
        citation_accessed=basis.citation_accessed,
        reason=basis.reason,
    )
    _save_claim(claim, user=user, reason=reason, excerpts=excerpts)
    if excerpts:
        # The passages a value rests on are evidence for the record, and make each brief
        # they come from one of the record's sources.
        for excerpt in excerpts:
            link_evidence(record, excerpt, user=user)
    return claim


def _prefer(record, name, claim: Claim, *, user) -> None:
    _demote_preferred(record, name, user=user, keep=claim)
    if claim.rank != ClaimRank.PREFERRED:
        claim.rank = ClaimRank.PREFERRED
        _save_claim(claim, user=user, reason="Preferred")


def claims_after_write(record: Record, **kwargs) -> None:
    """`_claims_after_write`, whose claim rows show on `record`: the record's own history
    row, written by the same write just before, logged it in the change feed once."""
    with logged_with(record.spine_id):
        _claims_after_write(record, **kwargs)


def _claims_after_write(
    record: Record,
    *,
    before: dict,
    user,
    basis=None,
    prefer: dict | None = None,
    fallback: Basis | None = None,
) -> None:
    """Give every factual value that changed in this write its claim (see the module doc).

    `before`: `facts_now(record)` from before the write ({} for a new record). `basis`:
    one Basis for every changed value, or field → Basis. `prefer`: field → the claim the
    caller is preferring (claim_set_rank), so no new claim is made for it. `fallback`: the
    basis of a value no claim holds and no `basis` names (a restore's "the earlier version").
    """
    changed = {
        name: value
        for name, value in facts_now(record).items()
        if value != before.get(name, None if not isinstance(value, list) else [])
    }
    bases = bases_by_field(basis, changed)
    errors: dict[str, list[str]] = {}
    plans = []
    for name, value in changed.items():
        if is_empty(value):
            plans.append((name, value, None, None))  # cleared: its claims stay, unpreferred
            continue
        chosen = (prefer or {}).get(name)
        if chosen is None and bases[name] is None:
            chosen = (
                live_claims(record, name)
                .exclude(rank=ClaimRank.DEPRECATED)
                .filter(value=value)
                .order_by("-rank", "-created_at")
                .first()
            )
        if chosen is not None:
            plans.append((name, value, chosen, None))
            continue
        bases[name] = bases[name] or fallback
        try:
            excerpts = _check_basis(bases[name], user, name)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            continue
        plans.append((name, value, None, (bases[name], excerpts)))
    if errors:
        raise ValidationError(errors)
    # A new record has no claims yet: nothing to demote (a query per fact saved).
    demote = _demote_preferred if before else lambda record, name, *, user: None
    for name, value, chosen, new in plans:
        if chosen is not None:
            _prefer(record, name, chosen, user=user)
        elif new is None:
            demote(record, name, user=user)
        else:
            demote(record, name, user=user)
            _new_claim(
                record, name, value, *new, user=user, rank=ClaimRank.PREFERRED, reason="Value set"
            )
