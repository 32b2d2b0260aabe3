"""A record's claims as its page shows them, read with the record in its own statement.

`claim_rows()` is a subquery column for the record's query (json_rows.py's way): every
claim of the record with its author and the excerpts (and their sources' titles) it rests
on, as one JSON array, so the record page's query budget holds however many claims a
record has. `page_claims(record)` reads that column (or, without it, the same rows in one
statement) into a `PageClaims`: field → the claim behind the shown value (its basis
marker on the page), every claim per field (the claims panel), and the fields whose
sources disagree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connections
from django.db.models import OuterRef, Subquery, TextField

from cooperation.choices import BasisKind, ClaimRank
from cooperation.json_rows import JSONRows, _python, json_object
from cooperation.models import Claim
from cooperation.provenance import display_value, encode, facts_of

_RANK_ORDER = {ClaimRank.PREFERRED: 0, ClaimRank.NORMAL: 1, ClaimRank.DEPRECATED: 2}
MARKERS = {
    BasisKind.BRIEF: "brief",
    BasisKind.PUBLIC_RECORD: "public record",
    BasisKind.JUDGEMENT: "judgement",
}


@dataclass
class PageExcerpt:
    pk: int
    text: str
    source_title: str


@dataclass
class PageClaim:
    pk: int
    field: str
    value: object
    rank: str
    basis: str
    citation_title: str
    citation_publisher: str
    citation_url: str
    citation_accessed: date | None
    reason: str
    created_at: datetime
    author: str
    excerpts: list[PageExcerpt] = field(default_factory=list)
    shown: str = ""

    @property
    def marker(self) -> str:
        return MARKERS.get(self.basis, self.basis)

    @property
    def rank_label(self) -> str:
        return str(ClaimRank(self.rank).label) if self.rank in ClaimRank.values else self.rank


@dataclass
class PageField:
    name: str
    label: str
    claims: list[PageClaim]
    best: PageClaim | None
    disagree: bool

    @property
    def unresolved(self) -> bool:
        """Sources disagree and no claim is preferred (services.claims.unresolved())."""
        return self.disagree and not any(c.rank == ClaimRank.PREFERRED for c in self.claims)


@dataclass
class PageClaims:
    fields: dict[str, PageField]

    def best(self, name: str) -> PageClaim | None:
        entry = self.fields.get(name)
        return entry.best if entry else None

    @property
    def disagreements(self) -> list[PageField]:
        return [f for f in self.fields.values() if f.disagree]

    @property
    def unresolved(self) -> list[PageField]:
        return [f for f in self.fields.values() if f.unresolved]

    @property
    def any(self) -> bool:
        return any(f.claims for f in self.fields.values())


COLUMNS = (
    "id",
    "field",
    "value",
    "rank",
    "basis",
    "citation_title",
    "citation_publisher",
    "citation_url",
    "citation_accessed",
    "reason",
    "created_at",
    "created_by__full_name",
    "created_by__email",
    "excerpts__id",
    "excerpts__exact",
    "excerpts__source__title",
)


def _key(value) -> str:
    return repr(value)


CLAIM_ROWS = "_rows_page_claims"


def claim_rows() -> Subquery:
    """The subquery column `page_claims` reads: annotate a record query with
    `**{CLAIM_ROWS: claim_rows()}`."""
    rows = (
        Claim.objects.filter(spine_id=OuterRef("spine_id"))
        .order_by()
        .values("spine_id")
        .annotate(rows=JSONRows(json_object({c: c for c in COLUMNS})))
        .values("rows")
    )
    return Subquery(rows, output_field=TextField())


def _from_json(record, raw) -> list[dict]:
    rows = json.loads(raw) if raw else []
    sqlite = connections[record._state.db].vendor != "postgresql"
    created, accessed = (
        Claim._meta.get_field("created_at"),
        Claim._meta.get_field("citation_accessed"),
    )
    for row in rows:
        if sqlite and isinstance(row["value"], str):
            row["value"] = json.loads(row["value"])  # SQLite embeds a JSON column as text
        row["created_at"] = _python(created, row["created_at"])
        row["citation_accessed"] = _python(accessed, row["citation_accessed"])
    rows.sort(key=lambda r: r["id"])
    return rows


def page_claims(record) -> PageClaims:
    """The record's claims for its page (its `claim_rows()` column, or one statement)."""
    if hasattr(record, CLAIM_ROWS):
        rows = _from_json(record, getattr(record, CLAIM_ROWS))
    else:
        rows = Claim.objects.filter(spine_id=record.spine_id).values(*COLUMNS).order_by("id")
    claims: dict[int, PageClaim] = {}
    for row in rows:
        claim = claims.get(row["id"])
        if claim is None:
            claim = claims[row["id"]] = PageClaim(
                pk=row["id"],
                field=row["field"],
                value=row["value"],
                rank=row["rank"],
                basis=row["basis"],
                citation_title=row["citation_title"],
                citation_publisher=row["citation_publisher"],
                citation_url=row["citation_url"],
                citation_accessed=row["citation_accessed"],
                reason=row["reason"],
                created_at=row["created_at"],
                author=row["created_by__full_name"] or row["created_by__email"] or "the system",
            )
        if row["excerpts__id"] is not None:
            claim.excerpts.append(
                PageExcerpt(
                    row["excerpts__id"], row["excerpts__exact"], row["excerpts__source__title"]
                )
            )
    by_field: dict[str, list[PageClaim]] = defaultdict(list)
    for claim in claims.values():
        by_field[claim.field].append(claim)
    model = type(record)
    names = _related_names(record, by_field)
    fields = {}
    for name in facts_of(model):
        rows_ = sorted(by_field.get(name, []), key=lambda c: (_RANK_ORDER.get(c.rank, 3), c.pk))
        for claim in rows_:
            claim.shown = _shown(record, name, claim.value, names)
        live = [c for c in rows_ if c.rank != ClaimRank.DEPRECATED]
        best = next((c for c in live if c.rank == ClaimRank.PREFERRED), None)
        if best is None and live:
            # None preferred (sources disagree): the claim behind the value shown.
            shown = _current(record, name)
            matching = [c for c in live if c.value == shown] or live
            best = max(matching, key=lambda c: c.created_at)
        fields[name] = PageField(
            name=name,
            label=str(model._meta.get_field(name).verbose_name),
            claims=rows_,
            best=best,
            disagree=len({_key(c.value) for c in live}) > 1,
        )
    return PageClaims(fields)


def _current(record, name: str):
    """The record's value of `name` as claims hold it, without a statement (a relation's
    links from the page's loaded rows; None when they were not loaded)."""
    model_field = type(record)._meta.get_field(name)
    if model_field.many_to_many:
        cache = getattr(record, "_prefetched_objects_cache", {}).get(name)
        return sorted(obj.pk for obj in cache) if cache is not None else None
    return encode(record, name)


def _related_names(record, by_field) -> dict[tuple[type, int], str]:
    """(model, id) → name for every linked object a claim names: those the page already
    loaded from the record, the rest (values the record no longer shows) in one statement
    per model, only when there are any."""
    model = type(record)
    known: dict[tuple[type, int], str] = {}
    wanted: dict[type, set[int]] = defaultdict(set)
    for name, claims in by_field.items():
        try:
            model_field = model._meta.get_field(name)
        except Exception:
            continue
        if not model_field.is_relation:
            continue
        target = model_field.related_model
        if model_field.many_to_many:
            cache = getattr(record, "_prefetched_objects_cache", {}).get(name)
            loaded = list(cache) if cache is not None else []
        else:
            loaded = (
                [record._state.fields_cache.get(name)] if name in record._state.fields_cache else []
            )
        for obj in loaded:
            if obj is not None:
                known[(target, obj.pk)] = str(getattr(obj, "name", obj))
        for claim in claims:
            ids = claim.value if isinstance(claim.value, list) else [claim.value]
            wanted[target].update(pk for pk in ids if isinstance(pk, int))
    for target, ids in wanted.items():
        missing = [pk for pk in ids if (target, pk) not in known]
        if missing:
            for pk, label in target._base_manager.filter(pk__in=missing).values_list("pk", "name"):
                known[(target, pk)] = label
    return known


def _shown(record, name: str, value, names) -> str:
    model_field = type(record)._meta.get_field(name)
    if model_field.is_relation and value not in (None, [], ""):
        ids = value if isinstance(value, list) else [value]
        target = model_field.related_model
        return ", ".join(names.get((target, pk), f"#{pk}") for pk in ids)
    try:
        return display_value(record, name, value)
    except (TypeError, ValueError):
        return str(value)
