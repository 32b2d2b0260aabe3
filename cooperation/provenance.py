"""Which values of a record are facts that need a basis, and how a value is written in a claim.

A record's factual values (dates, statuses, parties, quantities, severity, priority…) each
come from somewhere: the brief (excerpts), a public record (a citation) or an analyst's
judgement (who, when, and why). That basis lives on a `Claim` (cooperation/models/claims.py):
one claim says "this field has this value, on this basis", and a field may hold several
claims from several sources, ranked as Wikidata ranks statements. The record's own column
holds the value of the claim people prefer, so every list, filter and index reads it as
before.

This module is the vocabulary both sides share: `FACTS` names the factual fields of each
kind, `encode` writes a field's value as a claim holds it (JSON, dates at their precision,
links as sorted ids), `decode` turns it back into service data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from cooperation import precise_dates
from cooperation.choices import BasisKind

# The factual fields of each kind, by model name. A recommendation's status is not here:
# it moves only through its timeline, whose every step carries its own note and evidence
# (services/recommendations.py). Titles, summaries, categories and kinds are how analysts
# file a record, not claims about the world.
FACTS: dict[str, tuple[str, ...]] = {
    "agreement": (
        "status",
        "parties",
        "signed_on",
        "in_force_on",
        "place_of_signature",
        "depositary",
        "registration_number",
        "party_dates",
    ),
    "deal": (
        "status",
        "supplier",
        "recipient",
        "system",
        "period_start",
        "period_end",
        "weapon_category",
        "licensed_production",
        "number_ordered",
        "number_delivered",
        "delivery_first_year",
        "delivery_last_year",
        "estimated_value",
        "value_currency",
        "value_year",
    ),
    "challenge": ("severity",),
    "recommendation": ("priority", "target_date", "addressed_to"),
}

REASON_MAX = 300


def facts_of(model) -> tuple[str, ...]:
    return FACTS.get(model._meta.model_name, ())


def encode(record, name: str):
    """The value of `record.name` as a claim holds it: JSON, comparable with ==."""
    model_field = type(record)._meta.get_field(name)
    if model_field.many_to_many:
        if record.pk is None:
            return []
        return sorted(getattr(record, name).values_list("pk", flat=True))
    if model_field.is_relation:
        return getattr(record, model_field.attname)
    value = getattr(record, name)
    if isinstance(value, date):
        precision = getattr(record, precise_dates.precision_name(name), precise_dates.DAY)
        return precise_dates.iso(value, precision or precise_dates.DAY)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def facts_now(record) -> dict:
    """The record's factual values as claims hold them, to compare after a write."""
    return {name: encode(record, name) for name in facts_of(type(record))}


def encode_row(model, name: str, row: dict, links: dict):
    """`encode` from a `values()` row (the field's attname; a date's precision beside it)
    and, for a many-to-many field, `links` (record id → ids): for bulk reads and migrations."""
    model_field = model._meta.get_field(name)
    if model_field.many_to_many:
        return sorted(links.get(row["id"], ()))
    value = row[model_field.attname]
    if model_field.get_internal_type() == "DateField" and value is not None:
        precision = row.get(precise_dates.precision_name(name)) or precise_dates.DAY
        return precise_dates.iso(value, precision)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def row_columns(model, names) -> list[str]:
    """The `values()` columns `encode_row` reads for `names`."""
    columns = ["id", "spine_id"]
    for name in names:
        model_field = model._meta.get_field(name)
        if model_field.many_to_many:
            continue
        columns.append(model_field.attname)
        if precise_dates.precision_name(name) in {f.name for f in model._meta.concrete_fields}:
            columns.append(precise_dates.precision_name(name))
    return columns


def links_of(model, name: str) -> dict[int, list[int]]:
    """record id → linked ids of the many-to-many field `name`, for every record."""
    model_field = model._meta.get_field(name)
    through = model_field.remote_field.through
    source = f"{model_field.m2m_field_name()}_id"
    target = f"{model_field.m2m_reverse_field_name()}_id"
    found: dict[int, list[int]] = {}
    for owner, other in through.objects.values_list(source, target):
        found.setdefault(owner, []).append(other)
    return found


def is_empty(value) -> bool:
    """No value to claim: blank, no links, or a "no" that is only the default."""
    return value is None or value is False or value == "" or value == []


def decode(model, name: str, value) -> dict:
    """Service data (field → value) that gives `model.name` the claimed `value`."""
    model_field = model._meta.get_field(name)
    if model_field.get_internal_type() == "DateField" and value is not None:
        day, precision = precise_dates.parse(value)
        data = {name: day}
        precision_field = precise_dates.precision_name(name)
        if precision_field in {f.name for f in model._meta.concrete_fields}:
            data[precision_field] = precision
        return data
    if model_field.get_internal_type() == "DecimalField" and value is not None:
        return {name: Decimal(str(value))}
    return {name: value}


def display_value(record, name: str, value) -> str:
    """A claimed value as people read it (a date at its precision, names for ids)."""
    model_field = type(record)._meta.get_field(name)
    if value is None or value == "" or value == []:
        return "—"
    if model_field.is_relation:
        ids = value if isinstance(value, list) else [value]
        names = dict(
            model_field.related_model._base_manager.filter(pk__in=ids).values_list("pk", "name")
        )
        return ", ".join(str(names.get(pk, f"#{pk}")) for pk in ids)
    if model_field.get_internal_type() == "DateField":
        day, precision = precise_dates.parse(value)
        return precise_dates.display(day, precision)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class Basis:
    """Where a value comes from: excerpts of a brief, a public record, or a judgement.

    `parse` reads the API's and the import's object form; forms build one from their
    fields. `check` names what is missing, as field errors.
    """

    kind: str
    excerpt_ids: tuple[int, ...] = ()
    citation_title: str = ""
    citation_publisher: str = ""
    citation_url: str = ""
    citation_accessed: date | None = None
    reason: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def brief(cls, *excerpts) -> Basis:
        return cls(BasisKind.BRIEF, excerpt_ids=tuple(getattr(e, "pk", e) for e in excerpts))

    @classmethod
    def judgement(cls, reason: str) -> Basis:
        return cls(BasisKind.JUDGEMENT, reason=reason)

    @classmethod
    def public_record(
        cls, title: str, *, publisher: str = "", url: str = "", accessed: date | None = None
    ) -> Basis:
        return cls(
            BasisKind.PUBLIC_RECORD,
            citation_title=title,
            citation_publisher=publisher,
            citation_url=url,
            citation_accessed=accessed,
        )

    @classmethod
    def parse(cls, data, *, where: str = "basis") -> Basis:
        """The API's object: {"basis": "brief", "excerpts": [ids]} /
        {"basis": "public_record", "citation": {title, publisher, url, accessed}} /
        {"basis": "judgement", "reason": "…"}."""
        if not isinstance(data, dict):
            raise ValidationError({where: "Give a basis as an object with a `basis` key."})
        kind = data.get("basis")
        if kind not in BasisKind.values:
            raise ValidationError({where: f"`basis` is one of {', '.join(BasisKind.values)}."})
        unknown = set(data) - {"basis", "excerpts", "citation", "reason"}
        if unknown:
            raise ValidationError({where: f"Unknown keys: {', '.join(sorted(map(str, unknown)))}."})
        excerpts = data.get("excerpts") or []
        if not isinstance(excerpts, list) or not all(
            isinstance(pk, int) and not isinstance(pk, bool) for pk in excerpts
        ):
            raise ValidationError({where: "`excerpts` is a list of excerpt ids."})
        citation = data.get("citation") or {}
        if not isinstance(citation, dict) or set(citation) - {
            "title",
            "publisher",
            "url",
            "accessed",
        }:
            raise ValidationError(
                {where: "`citation` is an object with title, publisher, url and accessed."}
            )
        if not all(isinstance(v, str) for v in citation.values()):
            raise ValidationError({where: "The citation's values are strings."})
        accessed = None
        if citation.get("accessed"):
            try:
                accessed = date.fromisoformat(citation["accessed"])
            except ValueError:
                raise ValidationError(
                    {where: "The citation's `accessed` is a date (2026-12-04)."}
                ) from None
        reason = data.get("reason") or ""
        if not isinstance(reason, str):
            raise ValidationError({where: "`reason` is one line of text."})
        return cls(
            kind,
            excerpt_ids=tuple(excerpts),
            citation_title=citation.get("title", "").strip(),
            citation_publisher=citation.get("publisher", "").strip(),
            citation_url=citation.get("url", "").strip(),
            citation_accessed=accessed,
            reason=reason.strip(),
        )

    def problems(self) -> list[str]:
        """What this basis lacks to stand, in words for people."""
        if self.kind == BasisKind.BRIEF and not self.excerpt_ids:
            return ["A basis in the brief names at least one excerpt."]
        if self.kind == BasisKind.PUBLIC_RECORD and not self.citation_title:
            return ["A public record is cited by its title (with publisher, URL, date read)."]
        if self.kind == BasisKind.JUDGEMENT and not self.reason:
            return ["An analyst's judgement gives its reason in one line."]
        if len(self.reason) > REASON_MAX or "\n" in self.reason:
            return [f"The reason is one line of at most {REASON_MAX} characters."]
        return []


def bases_by_field(basis, names) -> dict[str, Basis | None]:
    """`basis` (one Basis for every value, or field → Basis) spread over `names`."""
    if basis is None or isinstance(basis, Basis):
        return {name: basis for name in names}
    return {name: basis.get(name) or basis.get("*") for name in names}
