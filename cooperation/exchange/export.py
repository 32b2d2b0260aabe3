"""The records' JSON export: one document, written as it is read.

    {"format": "contours-export", "version": 1, "exported_at": "…",
     "records": [...], "excerpts": [...], "sources": [...], "actors": [...], "topics": [...]}

A record's fields come from its kind's field specification (cooperation/fieldspec.py), so
a field added there is exported, and imported, with no change here. Its evidence, a
recommendation's status timeline and its addressee's responses come with it; the excerpts,
sources (metadata and full text), actors and topics the records name follow them, so the
file can be imported into an empty portal (cooperation/services/exchange.py).

Who reads decides what is written, exactly as the API decides it: partners get published
records only, evidence quoting published sources only, linked records that are published,
and people by name, never an e-mail address or a user id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from cooperation import precise_dates
from cooperation.api.serializers import display_name
from cooperation.exchange import FORMAT, VERSION
from cooperation.fieldspec import SPECS
from cooperation.models import (
    Actor,
    Claim,
    Excerpt,
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    Record,
    RecordEvidence,
    Source,
    Topic,
)
from cooperation.permissions import sees_internal
from cooperation.provenance import facts_of
from cooperation.selectors import excerpts_visible_to, records_visible_to, sources_visible_to

CHUNK_SIZE = 200
MEDIA_TYPE = "application/json"
SOURCE_FIELDS = (
    "title",
    "publisher",
    "authors",
    "reference_code",
    "url",
    "published_on",
    "published_on_precision",
    "format",
    "original_filename",
    "visibility",
    "sha256",
)


def _iso(value):
    if isinstance(value, Decimal):
        return str(value)  # exactly, as the API writes a decimal
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


_UNKNOWN = object()


class Exporter:
    """Turns records into the export's documents for one reader, remembering what they cite."""

    def __init__(self, user, *, internal: bool | None = None):
        self.user = user
        # `internal=True` is the system (export_records): it reads as staff do.
        self.internal = sees_internal(user) if internal is None else internal
        self.excerpt_ids: set[int] = set()
        self.actor_ids: set[int] = set()
        self.topic_ids: set[int] = set()
        self._visible_excerpts: set[int] | None = None
        self.actor_slugs: dict[int, str] = {}

    # -- what the reader may see -------------------------------------------------------------

    def excerpt_visible(self, excerpt: Excerpt | None) -> bool:
        if excerpt is None:
            return False
        if self.internal:
            return True
        # Partners: excerpts of published, live sources only (selectors.excerpts_visible_to).
        if self._visible_excerpts is None:
            self._visible_excerpts = set(
                excerpts_visible_to(self.user).values_list("pk", flat=True)
            )
        return excerpt.pk in self._visible_excerpts

    def records_visible(self, model: type[Record]) -> QuerySet:
        return model.objects.all() if self.internal else records_visible_to(self.user, model)

    def _record_visible(self, record) -> bool:
        # Only a foreign key to a record comes here (links are prefetched already narrowed).
        return self.records_visible(type(record)).filter(pk=record.pk).exists()

    def prefetched(self, queryset: QuerySet) -> QuerySet:
        """`queryset` with everything a record's document reads, a chunk at a time; links to
        other records narrowed to those the reader may see."""
        model = queryset.model
        related = []
        for entry in SPECS[model].fields:
            field = model._meta.get_field(entry.name)
            if field.many_to_many and issubclass(field.related_model, Record):
                related.append(
                    Prefetch(entry.name, queryset=self.records_visible(field.related_model))
                )
            elif field.many_to_many:
                related.append(entry.name)
            elif field.is_relation:
                queryset = queryset.select_related(entry.name)
        queryset = queryset.select_related("spine")
        no_text = ("excerpt__source__text", "excerpt__source__furniture")
        evidence = RecordEvidence.objects.select_related("excerpt__source").defer(*no_text)
        claimed = Excerpt.objects.select_related("source").defer(
            "source__text", "source__furniture"
        )
        lookups = [
            "actors",
            "topics",
            "tags",
            "spine__identifiers",
            Prefetch("spine__evidence_links", queryset=evidence),
            Prefetch(
                "spine__claims",
                queryset=Claim.objects.select_related("created_by")
                .prefetch_related(Prefetch("excerpts", queryset=claimed))
                .order_by("field", "id"),
            ),
            *related,
        ]
        if model is Recommendation:
            cited = "evidence_excerpt__source"
            no_text = (f"{cited}__text", f"{cited}__furniture")
            lookups += [
                Prefetch(
                    "status_changes",
                    queryset=RecommendationStatusChange.objects.select_related("changed_by", cited)
                    .defer(*no_text)
                    .order_by("changed_at", "id"),
                ),
                Prefetch(
                    "responses",
                    queryset=RecommendationResponse.objects.select_related("recorded_by", cited)
                    .defer(*no_text)
                    .order_by("responded_on", "id"),
                ),
            ]
        # The caller's own prefetches (a list page's) give way to these.
        return queryset.prefetch_related(None).prefetch_related(*lookups)

    # -- values ------------------------------------------------------------------------------

    def _related(self, target) -> object:
        """A linked object as the file names it: a slug, or a person's e-mail (staff only)."""
        if isinstance(target, Actor):
            self.actor_ids.add(target.pk)
            return target.slug
        if isinstance(target, Topic):
            self.topic_ids.add(target.pk)
            return target.slug
        if target._meta.label == settings.AUTH_USER_MODEL:
            return target.email if self.internal else None
        return target.slug

    def _fields(self, record) -> dict:
        model = type(record)
        precise = precise_dates.precise_fields(model)
        values = {}
        for entry in SPECS[model].fields:
            field = model._meta.get_field(entry.name)
            if field.many_to_many:
                values[entry.name] = [
                    self._related(target) for target in getattr(record, entry.name).all()
                ]
            elif field.is_relation:
                target = getattr(record, entry.name)
                if isinstance(target, Record) and not self._record_visible(target):
                    target = None
                values[entry.name] = None if target is None else self._related(target)
                if field.related_model._meta.label == settings.AUTH_USER_MODEL:
                    values[f"{entry.name}_name"] = display_name(target)
            elif entry.name == "party_dates":
                values[entry.name] = self._party_dates(record)
            elif entry.name in precise:
                values[entry.name] = precise_dates.iso(
                    getattr(record, entry.name),
                    getattr(record, precise_dates.precision_name(entry.name)),
                )
            else:
                values[entry.name] = _iso(getattr(record, entry.name))
        return values

    def _claims(self, record) -> list[dict]:
        """Every claim of the record's facts (cooperation/claims_read.claim_dict's shape): links
        by slug as the file names them, excerpts by id (each in the file's `excerpts`; one
        the reader may not see is left out), the author by name."""
        out = []
        for name in facts_of(type(record)):  # the record's own links: read already
            field = type(record)._meta.get_field(name)
            if field.is_relation and field.related_model is Actor:
                linked = getattr(record, name)
                for actor in linked.all() if field.many_to_many else [linked]:
                    if actor is not None:
                        self.actor_slugs[actor.pk] = actor.slug
        for claim in record.spine.claims.all():
            if claim.deleted_at is not None:
                continue
            value = self._claim_value(record, claim.field, claim.value)
            if value is _UNKNOWN:
                continue
            cited = [self.cite(e) for e in claim.excerpts.all()]
            out.append(
                {
                    "field": claim.field,
                    "value": value,
                    "rank": claim.rank,
                    "basis": claim.basis,
                    "excerpts": sorted(c["excerpt"] for c in cited if c is not None),
                    "citation": claim.citation(),
                    "reason": claim.reason,
                    "author": display_name(claim.created_by),
                    "created": _iso(claim.created_at),
                }
            )
        return out

    def _claim_value(self, record, name: str, value):
        """A claimed value as the file writes it: actor ids as slugs (party_dates' parties
        too); _UNKNOWN when it links to something no longer here."""
        model = type(record)
        field = model._meta.get_field(name)
        if name == "party_dates":
            slugs = self._actor_slugs(entry.get("party") for entry in value or ())
            if any(entry.get("party") not in slugs for entry in value or ()):
                return _UNKNOWN
            # The file then holds each party, so the claim comes back on import.
            self.actor_ids.update(entry["party"] for entry in value or ())
            return [{**entry, "party": slugs[entry["party"]]} for entry in value or ()]
        if not field.is_relation or field.related_model is not Actor or value is None:
            return value
        ids = value if isinstance(value, list) else [value]
        slugs = self._actor_slugs(ids)
        if any(pk not in slugs for pk in ids):
            return _UNKNOWN
        for pk in ids:
            self.actor_ids.add(pk)
        # A set of links: sorted by slug, as ids mean nothing in another portal.
        return sorted(slugs[pk] for pk in ids) if isinstance(value, list) else slugs[value]

    def _actor_slugs(self, ids) -> dict:
        wanted = {pk for pk in ids if pk is not None} - set(self.actor_slugs)
        if wanted:
            self.actor_slugs.update(
                Actor._base_manager.filter(pk__in=wanted).values_list("pk", "slug")
            )
        return self.actor_slugs

    def _party_dates(self, agreement) -> list[dict]:
        """Each party's dates, the party named by its slug as the file names actors."""
        parties = {actor.pk: actor for actor in agreement.parties.all()}
        return [
            {**entry, "party": self._related(parties[entry["party"]])}
            for entry in agreement.party_dates or ()
            if entry["party"] in parties
        ]

    def cite(self, excerpt: Excerpt | None) -> dict | None:
        """An excerpt as evidence names it: id, source, where and what it says."""
        if not self.excerpt_visible(excerpt):
            return None
        self.excerpt_ids.add(excerpt.pk)
        return {
            "excerpt": excerpt.pk,
            "source": excerpt.source_id,
            "source_title": excerpt.source.title,
            "start": excerpt.start,
            "end": excerpt.end,
            "exact": excerpt.exact,
            "quote": excerpt.display_quote,
        }

    def _timeline(self, recommendation) -> list[dict]:
        return [
            {
                "from_status": change.from_status,
                "to_status": change.to_status,
                "recorded_at": _iso(change.changed_at),
                "happened_on": precise_dates.iso(change.happened_on, change.happened_on_precision),
                "happened_on_precision": change.happened_on_precision,
                "changed_by": display_name(change.changed_by),
                "note": change.note,
                "evidence": self.cite(change.evidence_excerpt),
                "evidence_url": change.evidence_url,
            }
            for change in recommendation.status_changes.all()
        ]

    def _responses(self, recommendation) -> list[dict]:
        return [
            {
                "classification": response.classification,
                "classification_label": response.get_classification_display(),
                "responded_on": precise_dates.iso(
                    response.responded_on, response.responded_on_precision
                ),
                "responded_on_precision": response.responded_on_precision,
                "recorded_at": _iso(response.recorded_at),
                "recorded_by": display_name(response.recorded_by),
                "note": response.note,
                "evidence": self.cite(response.evidence_excerpt),
                "evidence_url": response.evidence_url,
            }
            for response in recommendation.responses.all()
        ]

    def record(self, record) -> dict:
        actors, topics = list(record.actors.all()), list(record.topics.all())
        self.actor_ids.update(a.pk for a in actors)
        self.topic_ids.update(t.pk for t in topics)
        document = {
            "record_type": type(record)._meta.model_name,
            "id": record.pk,
            "slug": record.slug,
            "title": record.title,
            "summary": record.summary,
            "visibility": record.visibility,
            "actors": [a.slug for a in actors],
            "topics": [t.slug for t in topics],
            # By name: another portal finds (or makes) its own tag of that name, any case.
            "tags": [t.name for t in record.tags.all()],
            # {scheme, value, url}: the import attaches them, or reports who holds one already.
            "identifiers": [i.as_dict() for i in record.spine.identifiers.all()],
            **self._fields(record),
            "version": record.version,
            "created_at": _iso(record.created_at),
            "updated_at": _iso(record.updated_at),
            "evidence": [
                {**cited, "note": link.note}
                for link in record.evidence_links.all()
                if (cited := self.cite(link.excerpt)) is not None
            ],
        }
        document["claims"] = self._claims(record)
        if isinstance(record, Recommendation):
            document["status_history"] = self._timeline(record)
            document["responses"] = self._responses(record)
        return document

    # -- what the records cite ---------------------------------------------------------------

    def excerpts(self) -> Iterator[dict]:
        rows = Excerpt.all_objects.filter(pk__in=self.excerpt_ids).order_by("pk")
        for excerpt in rows.iterator(chunk_size=CHUNK_SIZE):
            yield {
                "id": excerpt.pk,
                "source": excerpt.source_id,
                "start": excerpt.start,
                "end": excerpt.end,
                "exact": excerpt.exact,
                "prefix": excerpt.prefix,
                "suffix": excerpt.suffix,
                "note": excerpt.note,
            }

    def sources(self) -> Iterator[dict]:
        cited = Excerpt.all_objects.filter(pk__in=self.excerpt_ids).values("source_id")
        base = Source.all_objects if self.internal else sources_visible_to(self.user)
        rows = base.filter(pk__in=cited).order_by("pk")
        # One at a time: a brief's text can run to megabytes.
        for source in rows.iterator(chunk_size=1):
            document = {"id": source.pk}
            for name in SOURCE_FIELDS:
                document[name] = _iso(getattr(source, name))
            document["text"] = source.text
            yield document

    def taxonomy(self, model) -> Iterator[dict]:
        ids = self.actor_ids if model is Actor else self.topic_ids
        rows = model.all_objects.filter(pk__in=ids).order_by("slug")
        if model is Actor:
            rows = rows.prefetch_related("identifiers")
        for item in rows:
            document = {"slug": item.slug, "name": item.name, "description": item.description}
            if model is Actor:
                document["kind"] = item.kind
                document["identifiers"] = [i.as_dict() for i in item.identifiers.all()]
            yield document


def _array(name: str, items: Iterable[dict]) -> Iterator[str]:
    yield f', "{name}": ['
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]"


def stream(user, querysets: Iterable[QuerySet], *, internal: bool | None = None) -> Iterator[str]:
    """The export document in pieces: `querysets` (records of one kind each, filtered as the
    caller's list is) are read `CHUNK_SIZE` rows at a time, then what they cite."""
    exporter = Exporter(user, internal=internal)
    head = {"format": FORMAT, "version": VERSION, "exported_at": _iso(timezone.now())}
    yield json.dumps(head)[:-1]

    def records() -> Iterator[dict]:
        for queryset in querysets:
            rows = exporter.prefetched(queryset)
            for record in rows.iterator(chunk_size=CHUNK_SIZE):
                yield exporter.record(record)

    yield from _array("records", records())
    yield from _array("excerpts", exporter.excerpts())
    yield from _array("sources", exporter.sources())
    yield from _array("actors", exporter.taxonomy(Actor))
    yield from _array("topics", exporter.taxonomy(Topic))
    yield "}\n"


def response(user, querysets: Iterable[QuerySet], filename: str) -> StreamingHttpResponse:
    result = StreamingHttpResponse(
        stream(user, querysets), content_type=f"{MEDIA_TYPE}; charset=utf-8"
    )
    result["Content-Disposition"] = f'attachment; filename="{filename}"'
    return result
