"""Reading claims: a record's provenance (each value's basis) and its claims, as data.

The API, the exports and the record page all present the same shapes from here:

- `claim_dict(claim)`: one claim: its field, value, rank, basis, the excerpts or citation
  it rests on, who made it and when, and (for a judgement) why;
- `provenance_of(record)`: field → the claim behind the value the record shows, for every
  factual field that has a value; `"disputed": true` when the field's claims disagree and
  none is preferred yet;
- `provenance_for(spine_ids)`: the same for many records at once (lists, exports), in two
  statements;
- `disagreements_of(record)`: field → its claims, for the fields whose claims disagree.
"""

from __future__ import annotations

from collections import defaultdict

from cooperation.choices import ClaimRank
from cooperation.models import Claim

_RANK_ORDER = {ClaimRank.PREFERRED: 0, ClaimRank.NORMAL: 1, ClaimRank.DEPRECATED: 2}


def _author(claim: Claim) -> str | None:
    user = claim.created_by
    if user is None:
        return None
    return getattr(user, "full_name", "") or user.get_username()


def claim_dict(claim: Claim) -> dict:
    """One claim as the API and the exports write it (excerpts prefetched)."""
    return {
        "id": claim.pk,
        "field": claim.field,
        "value": claim.value,
        "rank": claim.rank,
        "basis": claim.basis,
        "excerpts": sorted(e.pk for e in claim.excerpts.all()),
        "citation": claim.citation(),
        "reason": claim.reason,
        "author": _author(claim),
        "created": claim.created_at.isoformat(),
    }


def claims_queryset():
    return Claim.objects.select_related("created_by").prefetch_related("excerpts")


def _best(claims: list[Claim], value) -> tuple[Claim | None, bool]:
    """The claim behind `value` among one field's claims, and whether the field is disputed."""
    live = [c for c in claims if c.rank != ClaimRank.DEPRECATED]
    preferred = next((c for c in live if c.rank == ClaimRank.PREFERRED), None)
    disputed = preferred is None and len({_key(c.value) for c in live}) > 1
    if preferred is not None:
        return preferred, False
    matching = [c for c in live if value is None or c.value == value]
    matching.sort(key=lambda c: c.created_at, reverse=True)
    return (matching[0] if matching else None), disputed


def _key(value):
    return repr(value)


def provenance_from(claims: list[Claim], values: dict | None = None) -> dict:
    """field → claim_dict (+ "disputed") from one record's claims; `values` (field →
    encoded value, optional) picks the claim behind the shown value when none is preferred."""
    by_field: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_field[claim.field].append(claim)
    out = {}
    for name, rows in sorted(by_field.items()):
        best, disputed = _best(rows, (values or {}).get(name))
        if best is None:
            continue
        entry = claim_dict(best)
        entry["disputed"] = disputed
        entry["claims"] = len(rows)
        out[name] = entry
    return out


def provenance_of(record) -> dict:
    from cooperation.provenance import facts_now

    claims = list(claims_queryset().filter(spine_id=record.spine_id))
    values = facts_now(record)
    return {
        name: entry
        for name, entry in provenance_from(claims, values).items()
        if values.get(name) not in (None, "", [], False) or entry["disputed"]
    }


def provenance_for(spine_ids) -> dict[int, dict]:
    """spine id → provenance (preferred claims; disputed fields flagged), for many records."""
    grouped: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims_queryset().filter(spine_id__in=list(spine_ids)):
        grouped[claim.spine_id].append(claim)
    return {spine_id: provenance_from(rows) for spine_id, rows in grouped.items()}


def claims_of(record) -> list[Claim]:
    rows = list(claims_queryset().filter(spine_id=record.spine_id))
    rows.sort(key=lambda c: (c.field, _RANK_ORDER[c.rank], c.created_at))
    return rows


def disagreements_of(record) -> dict[str, list[Claim]]:
    """field → claims, for fields whose undeprecated claims hold more than one value."""
    by_field: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims_of(record):
        by_field[claim.field].append(claim)
    return {
        name: rows
        for name, rows in by_field.items()
        if len({_key(c.value) for c in rows if c.rank != ClaimRank.DEPRECATED}) > 1
    }


def unbacked_facts(models=None) -> list[tuple[str, int, str]]:
    """(kind, id, field) of every live record's non-empty fact that no live, undeprecated
    claim holds: what the services never let happen, for checks and tests (reads every
    record, in a few statements per kind: not for a request)."""
    from cooperation.models import RECORD_MODELS
    from cooperation.provenance import FACTS, encode_row, is_empty, links_of, row_columns

    held: dict[tuple[int, str], list] = defaultdict(list)
    rows = Claim.objects.exclude(rank=ClaimRank.DEPRECATED)
    for spine_id, name, value in rows.values_list("spine_id", "field", "value"):
        held[(spine_id, name)].append(value)
    missing = []
    for model in models or RECORD_MODELS:
        names = FACTS[model._meta.model_name]
        links = {n: links_of(model, n) for n in names if model._meta.get_field(n).many_to_many}
        for row in model.objects.order_by("pk").values(*row_columns(model, names)):
            for name in names:
                value = encode_row(model, name, row, links.get(name, {}))
                if not is_empty(value) and value not in held.get((row["spine_id"], name), []):
                    missing.append((model._meta.model_name, row["id"], name))
    return missing
