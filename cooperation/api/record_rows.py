"""The record lists' read path: a page of records as the serializers show them, built from rows.

A list page through the ModelSerializers costs ~50 model instances per link kind,
a reverse() per link and a field object per value; at 100,000 records the
partner list spent most of its time there. This builds the same documents, key
for key and in the serializers' field order, from one `values_list` query per
link kind over the page's ids. Scalars are formatted by the serializers' own
field objects, so a date or a choice reads exactly as it does on a detail.

On PostgreSQL the page query itself carries the links, evidence and status
timeline, each a `json_agg` subquery, gathered in one JSON object per row
(`with_related`, `_related_sql`), so a page is one statement instead of seven;
every round trip and every ORM query compiled cost the partner list more than the
rows did. The status timeline, the responses and
the claims come out of SQL finished, timestamps written as DRF writes them, so a
page's some 400 timestamps are neither parsed nor formatted in Python (`json`
rather than `jsonb`: PostgreSQL writes it as text without converting it twice).
SQLite (before 3.44) cannot order inside an aggregate, so there the same
documents come from one query per kind.
`tests/api/test_record_rows.py` holds every list to its serializer's output.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import cache, lru_cache

from django.db import connection
from django.db.models import OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from rest_framework import ISO_8601
from rest_framework.fields import CharField, DateTimeField, IntegerField
from rest_framework.settings import api_settings

from accounts.models import Organisation, User
from cooperation import precise_dates
from cooperation.api import serializers as s
from cooperation.api.provenance import (
    claims_json_sql,
    finish_claims,
    provenance_from_claims,
    read_claims,
    utc_iso_sql,
)
from cooperation.choices import Visibility, allowed_transitions, gao_status
from cooperation.identifiers import link_for
from cooperation.json_rows import ReadJSON
from cooperation.models import (
    Excerpt,
    Identifier,
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    Record,
    RecordEvidence,
    Source,
)
from cooperation.models.sources import cached_reading
from cooperation.permissions import no_record_actions, record_actions, sees_internal

# Serializer fields built here rather than read off the row as a scalar.
_SPECIAL = {
    "id",
    "url",
    "web_url",
    "evidence",
    "identifiers",
    "owner",
    "owner_name",
    "gao_status",
    "allowed_transitions",
    "actions",
    "warnings",
    "responses",
    "provenance",
    "claims",
}
_SLUG_PLACEHOLDER = "slug-placeholder"


@cache
def _fields(serializer_class) -> dict:
    """The serializer's fields, bound once: scalars are formatted by their own field objects."""
    return {
        name: field
        for name, field in serializer_class().fields.items()
        if not field.write_only  # the write's `basis`: never shown
    }


class _Urls:
    """Absolute URLs by prefix: no reverse() per link, nor per request.

    A prefix is this request's scheme and host before the path reverse() gives, and that
    path depends only on the URL name, the script prefix and the urlconf, so the paths are
    kept for the process (_path); a request only asks for its own scheme and host, once.
    """

    def __init__(self, request):
        self.request = request
        self._base = None
        self._api: dict[str, str] = {}
        self._web: dict[type, tuple[str, str]] = {}

    @property
    def base(self) -> str:
        if self._base is None:
            # As build_absolute_uri writes a path's scheme and host (the host checked).
            self._base = self.request.build_absolute_uri("/")[:-1]
        return self._base

    def api(self, basename: str, pk) -> str:
        prefix = self._api.get(basename)
        if prefix is None:
            prefix = self._api[basename] = self.base + _path(f"api:{basename}-list")
        return f"{prefix}{pk}/"

    def web(self, record) -> str:
        parts = self._web.get(type(record))
        if parts is None:
            name = f"cooperation:{record._meta.model_name}_detail"
            path = _path(name, _SLUG_PLACEHOLDER)
            parts = tuple(f"{self.base}{path}".split(_SLUG_PLACEHOLDER, 1))
            self._web[type(record)] = parts
        return f"{parts[0]}{record.slug}{parts[1]}"


@lru_cache(maxsize=256)
def _reversed(name: str, slug: str | None, script_prefix: str, urlconf) -> str:
    return reverse(name, kwargs=None if slug is None else {"slug": slug}, urlconf=urlconf)


def _path(name: str, slug: str | None = None) -> str:
    """reverse(name), kept per script prefix and urlconf (what reverse() reads besides the
    name: the handler sets both for each request)."""
    return _reversed(name, slug, get_script_prefix(), get_urlconf())


def _link(urls: _Urls, basename: str, pk, slug: str, name: str) -> dict:
    return {"id": pk, "slug": slug, "name": name, "url": urls.api(basename, pk)}


def _m2m_spec(model, name, user):
    """(through model, its record column, its target column, label, filter on live targets)."""
    field = model._meta.get_field(name)
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    target_model = field.related_model
    visible = Q(**{f"{target}__deleted_at__isnull": True})
    if issubclass(target_model, Record):
        label = "title"
        if not sees_internal(user):
            visible &= Q(**{f"{target}__visibility": Visibility.PUBLISHED})
    else:
        label = "name"
    return field.remote_field.through, source, target, label, visible


def _m2m_links(model, name, ids, user, urls, basename) -> dict[int, list[dict]]:
    """Per record id, the live (and for record links, visible) targets of one m2m field."""
    through, source, target, label, visible = _m2m_spec(model, name, user)
    rows = (
        through.objects.filter(visible, **{f"{source}_id__in": ids})
        .order_by(f"{target}__{label}", f"{target}_id")
        .values_list(f"{source}_id", f"{target}_id", f"{target}__slug", f"{target}__{label}")
    )
    links = defaultdict(list)
    for owner, pk, slug, text in rows:
        links[owner].append(_link(urls, basename, pk, slug, text))
    return links


@cache
def _m2m_sql(model, name, internal: bool) -> tuple[str, tuple]:
    """One record's links of one kind as a JSON array of [id, slug, name], in link order."""
    field = model._meta.get_field(name)
    through = field.remote_field.through._meta
    target = field.related_model._meta
    label = "title" if issubclass(field.related_model, Record) else "name"
    column = _columns(target)
    where, params = f"t.{column('deleted_at')} IS NULL", ()
    if label == "title" and not internal:
        where, params = f"{where} AND t.{column('visibility')} = %s", (Visibility.PUBLISHED,)
    owner = _quote(through.get_field(field.m2m_field_name()).column)
    linked = _quote(through.get_field(field.m2m_reverse_field_name()).column)
    sql = (
        f"SELECT json_agg(json_build_array(t.{column('id')}, t.{column('slug')}, "
        f"t.{column(label)}) ORDER BY t.{column(label)}, t.{column('id')}) "
        f"FROM {_quote(through.db_table)} m JOIN {_quote(target.db_table)} t "
        f"ON t.{column('id')} = m.{linked} "
        f"WHERE m.{owner} = {_outer_pk(model)} AND {where}"
    )
    return sql, params


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(meta):
    return lambda name: _quote(meta.get_field(name).column)


def _aliased(alias: str, meta):
    """A model's columns as `alias`."column" (a subquery's table under a short name)."""
    return lambda name: f"{alias}.{_quote(meta.get_field(name).column)}"


def _outer_pk(model) -> str:
    # The page query's own table: Django names a query's base table by itself, never
    # by an alias, so a correlated subquery can refer to it.
    return f"{_quote(model._meta.db_table)}.{_quote(model._meta.pk.column)}"


def _outer(model, field: str) -> str:
    """A column of the page query's own table (see _outer_pk)."""
    return f"{_quote(model._meta.db_table)}.{_quote(model._meta.get_field(field).column)}"


def _m2m_from_json(value, urls, basename) -> list[dict]:
    return [_link(urls, basename, pk, slug, text) for pk, slug, text in value or ()]


_EVIDENCE_COLUMNS = (
    "spine__kind_id",
    "excerpt_id",
    "excerpt__source_id",
    "excerpt__start",
    "excerpt__end",
    "excerpt__exact",
    "note",
    "excerpt__source__sha256",
    "excerpt__source__furniture",
)


def _evidence(model, ids, urls) -> dict[int, list[dict]]:
    rows = (
        RecordEvidence.objects.filter(
            spine__record_kind=model._meta.model_name, spine__kind_id__in=ids
        )
        .order_by("excerpt__start", "pk")
        .values_list(*_EVIDENCE_COLUMNS)
    )
    evidence = defaultdict(list)
    readings = _Readings()
    for owner, *link in rows:
        evidence[owner].append(_evidence_item(link, urls, readings))
    return evidence


@cache
def _evidence_sql(model) -> str:
    """One record's live evidence as a JSON array of _EVIDENCE_COLUMNS (after the id)."""
    link = _columns(RecordEvidence._meta)
    excerpt = _columns(Excerpt._meta)
    source = _columns(Source._meta)
    return (
        "SELECT json_agg(json_build_array("
        f"x.{excerpt('id')}, x.{excerpt('source')}, x.{excerpt('start')}, x.{excerpt('end')}, "
        f"x.{excerpt('exact')}, e.{link('note')}, s.{source('sha256')}, "
        f"s.{source('furniture')} <> '[]'::jsonb) "
        f"ORDER BY x.{excerpt('start')}, e.{link('id')}) "
        f"FROM {_quote(RecordEvidence._meta.db_table)} e "
        f"JOIN {_quote(Excerpt._meta.db_table)} x ON x.{excerpt('id')} = e.{link('excerpt')} "
        f"JOIN {_quote(Source._meta.db_table)} s ON s.{source('id')} = x.{excerpt('source')} "
        f"WHERE e.{link('spine')} = {_outer(model, 'spine')} "
        f"AND e.{link('deleted_at')} IS NULL"
    )


# -- external identifiers (cooperation/identifiers.py), ordered by scheme and value ------------


def _identifiers(model, ids) -> dict[int, list[dict]]:
    rows = (
        Identifier.objects.filter(spine__record_kind=model._meta.model_name, spine__kind_id__in=ids)
        .order_by("scheme", "value")
        .values_list("spine__kind_id", "scheme", "value", "url")
    )
    found = defaultdict(list)
    for owner, *identifier in rows:
        found[owner].append(_identifier_item(identifier))
    return found


def _identifier_item(identifier) -> dict:
    scheme, value, url = identifier
    return {"scheme": scheme, "value": value, "url": link_for(scheme, value, url)}


@cache
def _identifiers_sql(model) -> str:
    """One record's live identifiers as a JSON array of [scheme, value, url]."""
    column = _columns(Identifier._meta)
    return (
        f"SELECT json_agg(json_build_array(i.{column('scheme')}, i.{column('value')}, "
        f"i.{column('url')}) ORDER BY i.{column('scheme')}, i.{column('value')}) "
        f"FROM {_quote(Identifier._meta.db_table)} i "
        f"WHERE i.{column('spine')} = {_outer(model, 'spine')} "
        f"AND i.{column('deleted_at')} IS NULL"
    )


class _Readings:
    """Reading views of the sources that have page furniture, loaded once per page.

    A quote reads as its exact text unless furniture lies in its source. The view
    is cached per text (Source.reading), so the text itself is only read from the
    database when this process has not built its view yet.
    """

    def __init__(self):
        self._views = {}

    def quote(self, source: int, sha256: str, start: int, end: int) -> str:
        view = self._views.get(source)
        if view is None:
            view = cached_reading(sha256)
            if view is None:
                view = Source.all_objects.only("text", "furniture", "sha256").get(pk=source).reading
            self._views[source] = view
        return view.quote(start, end)


def _evidence_item(link, urls, readings: _Readings) -> dict:
    excerpt, source, start, end, exact, note, sha256, furniture = link
    return {
        "excerpt": excerpt,
        "url": urls.api("excerpt", excerpt),
        "source": source,
        "start": start,
        "end": end,
        "exact": exact,
        "quote": readings.quote(source, sha256, start, end) if furniture else exact,
        "note": note,
    }


_STATUS_COLUMNS = (
    "id",
    "from_status",
    "to_status",
    "changed_at",
    "changed_by_id",
    "changed_by__full_name",
    "changed_by__organisation__name",
    "note",
    "evidence_excerpt_id",
    "evidence_url",
    "happened_on",
    "happened_on_precision",
)


def _status_history(ids, represent) -> dict[int, list[dict]]:
    rows = (
        RecommendationStatusChange.objects.filter(recommendation_id__in=ids)
        .order_by("changed_at", "id")
        .values_list("recommendation_id", *_STATUS_COLUMNS)
    )
    history = defaultdict(list)
    for owner, *change in rows:
        history[owner].append(_status_item(change, represent))
    return history


_RESPONSE_COLUMNS = (
    "id",
    "classification",
    "responded_on",
    "responded_on_precision",
    "recorded_at",
    "recorded_by_id",
    "recorded_by__full_name",
    "recorded_by__organisation__name",
    "note",
    "evidence_excerpt_id",
    "evidence_url",
)


def _responses(ids, represent) -> dict[int, list[dict]]:
    """The addressee's responses to a page's recommendations, in one query."""
    rows = (
        RecommendationResponse.objects.filter(recommendation_id__in=ids)
        .order_by("responded_on", "id")
        .values_list("recommendation_id", *_RESPONSE_COLUMNS)
    )
    responses = defaultdict(list)
    for owner, *response in rows:
        responses[owner].append(_response_item(response, represent))
    return responses


@cache
def _responses_sql() -> str:
    """One recommendation's responses as a JSON array of finished items (_response_item's);
    its one parameter is the staff label."""
    r = _aliased("r", RecommendationResponse._meta)
    u = _aliased("u", User._meta)
    o = _aliased("o", Organisation._meta)
    return (
        "SELECT json_agg(json_build_object("
        f"'id', {r('id')}, 'classification', {r('classification')}, "
        f"'responded_on', {_precise_sql(r('responded_on'), r('responded_on_precision'))}, "
        f"'recorded_at', {utc_iso_sql(r('recorded_at'))}, "
        f"'recorded_by', {_person_sql(r('recorded_by'), u, o)}, "
        f"'note', {r('note')}, 'evidence_excerpt', {r('evidence_excerpt')}, "
        f"'evidence_url', {r('evidence_url')}) ORDER BY {r('responded_on')}, {r('id')}) "
        f"FROM {_quote(RecommendationResponse._meta.db_table)} r "
        f"LEFT JOIN {_quote(User._meta.db_table)} u ON {u('id')} = {r('recorded_by')} "
        f"LEFT JOIN {_quote(Organisation._meta.db_table)} o ON {o('id')} = {u('organisation')} "
        f"WHERE {r('recommendation')} = {_outer_pk(Recommendation)}"
    )


def _response_item(response, represent) -> dict:
    pk, classification, day, precision, when, user_id, full_name, organisation = response[:8]
    note, excerpt, url = response[8:]
    return {
        "id": pk,
        "classification": classification,
        "responded_on": precise_dates.iso(day, precision),
        "recorded_at": represent(_fields(s.RecommendationResponseSerializer)["recorded_at"], when),
        # Responses are recorded by staff: by name, never an id (serializers.display_name).
        "recorded_by": _person(user_id, full_name, organisation),
        "note": note,
        "evidence_excerpt": excerpt,
        "evidence_url": url,
    }


@cache
def _status_sql() -> str:
    """One recommendation's status timeline as a JSON array of finished items
    (_status_item's); its one parameter is the staff label."""
    c = _aliased("c", RecommendationStatusChange._meta)
    u = _aliased("u", User._meta)
    o = _aliased("o", Organisation._meta)
    return (
        "SELECT json_agg(json_build_object("
        f"'id', {c('id')}, 'from_status', {c('from_status')}, 'to_status', {c('to_status')}, "
        f"'changed_at', {utc_iso_sql(c('changed_at'))}, "
        f"'happened_on', {_precise_sql(c('happened_on'), c('happened_on_precision'))}, "
        f"'changed_by', {_person_sql(c('changed_by'), u, o)}, "
        f"'note', {c('note')}, 'evidence_excerpt', {c('evidence_excerpt')}, "
        f"'evidence_url', {c('evidence_url')}) ORDER BY {c('changed_at')}, {c('id')}) "
        f"FROM {_quote(RecommendationStatusChange._meta.db_table)} c "
        f"LEFT JOIN {_quote(User._meta.db_table)} u ON {u('id')} = {c('changed_by')} "
        f"LEFT JOIN {_quote(Organisation._meta.db_table)} o ON {o('id')} = {u('organisation')} "
        f"WHERE {c('recommendation')} = {_outer_pk(Recommendation)}"
    )


@cache
def _owner_sql(model) -> str:
    """The owner's name as serializers.display_name gives it (no owner: no row, so null).

    Read here rather than from the owner's row joined to the page (select_related): that
    built a user instance (password hash, dates and all) per row, only for its name, and
    asked for the organisation of each owner without a name, one query per row."""
    u = _aliased("u", User._meta)
    o = _aliased("o", Organisation._meta)
    return (
        f"SELECT {_person_sql(u('id'), u, o)} "
        f"FROM {_quote(User._meta.db_table)} u "
        f"LEFT JOIN {_quote(Organisation._meta.db_table)} o ON {o('id')} = {u('organisation')} "
        f"WHERE {u('id')} = {_outer(model, 'owner')}"
    )


# Timeline items are finished in SQL on PostgreSQL: a page of 50 recommendations has some
# 250 of them, and parsing, converting and formatting each one's timestamp and date in
# Python was a tenth of the list's time. Each piece below writes what the Python path
# (_status_item, _response_item) writes.


def _precise_sql(day: str, precision: str) -> str:
    """A date at the precision kept beside it, as precise_dates.iso writes it."""
    return (
        f"CASE WHEN {day} IS NULL THEN NULL "
        f"WHEN {precision} = '{precise_dates.YEAR.value}' THEN to_char({day}, 'YYYY') "
        f"WHEN {precision} = '{precise_dates.MONTH.value}' THEN to_char({day}, 'YYYY-MM') "
        f"ELSE to_char({day}, 'YYYY-MM-DD') END"
    )


def _person(user_id, full_name, organisation) -> str | None:
    """As serializers.display_name names a person from their columns (user id, name, their
    organisation's name or None without one): never an id nor an email address."""
    if user_id is None:
        return None
    return full_name or (s.STAFF_LABEL if organisation is None else organisation)


def _person_sql(user_id: str, user, organisation) -> str:
    """_person in SQL: `user` and `organisation` are the joined tables' columns (_aliased);
    its one parameter is the team's label."""
    return (
        f"CASE WHEN {user_id} IS NULL THEN NULL "
        f"WHEN {user('full_name')} <> '' THEN {user('full_name')} "
        f"WHEN {organisation('id')} IS NOT NULL THEN {organisation('name')} ELSE %s END"
    )


def _status_item(change, represent) -> dict:
    pk, before, after, when, user_id, full_name, organisation = change[:7]
    note, excerpt, url, happened, precision = change[7:]
    return {
        "id": pk,
        "from_status": before,
        "to_status": after,
        "changed_at": represent(_fields(s.StatusChangeSerializer)["changed_at"], when),
        "happened_on": precise_dates.iso(happened, precision),
        # As serializers.display_name: status moves are staff's, shown by name, never an id.
        "changed_by": _person(user_id, full_name, organisation),
        "note": note,
        "evidence_excerpt": excerpt,
        "evidence_url": url,
    }


def _link_basename(field) -> str | None:
    """The API resource a LinkField (or a list of them) points at, or None for other fields."""
    child = getattr(field, "child_relation", field)
    return child.basename if isinstance(child, s.LinkField) else None


class _Representer:
    """`field.to_representation(value)` for a page, each field's conversion chosen once.

    DRF looks the current time zone up for every datetime it formats; a page of 50
    recommendations has some 200. The zone is looked up once per page here, and the
    text is DRF's ISO 8601 form (`…Z` in UTC). Text and whole numbers pass through as
    DRF would turn them (str, int); any other field, or format, goes through DRF.
    """

    def __init__(self):
        self._zone = timezone.get_current_timezone()
        self._converters = {}

    def converter(self, field):
        convert = self._converters.get(field)
        if convert is None:
            convert = self._converters[field] = self._choose(field)
        return convert

    def __call__(self, field, value):
        return self.converter(field)(value)

    def _choose(self, field):
        kind = type(field)
        if (
            kind is DateTimeField
            and not hasattr(field, "timezone")
            and getattr(field, "format", api_settings.DATETIME_FORMAT).lower() == ISO_8601
        ):
            return self._iso_datetime(field)
        if kind is CharField:
            return lambda value: value if type(value) is str else str(value)
        if kind is IntegerField:
            return int
        return field.to_representation

    def _iso_datetime(self, field):
        zone = self._zone

        def convert(value):
            if not isinstance(value, datetime) or value.tzinfo is None:
                return field.to_representation(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return convert


# The annotation that carries a row's related rows: one JSON object, parsed once per row.
_RELATED = "_contours_related"


def _many_names(fields) -> list[str]:
    return [
        name
        for name, field in fields.items()
        if _link_basename(field) and hasattr(field, "child_relation")
    ]


def joined(select: tuple[str, ...], serializer_class) -> tuple[str, ...]:
    """Of a view's select_related paths, those a page read through with_related still joins:
    on PostgreSQL the owner's name comes in the page's statement (_owner_sql), so the owner's
    row is left out; elsewhere every path is joined, as record_rows reads the instances.
    A caller that leaves the owner out must also read the page through with_related:
    without its column, record_rows would load each row's owner, one query per row."""
    if connection.vendor != "postgresql" or "owner_name" not in _fields(serializer_class):
        return select
    return tuple(path for path in select if path.split("__", 1)[0] != "owner")


def with_related(queryset, *, serializer_class, user):
    """On PostgreSQL, the page query with each row's links, evidence and timeline as JSON.

    They come as one JSON object per row (`_RELATED`: a key per kind), so a page's rows
    are parsed once each rather than once per kind and row. `record_rows` reads it when
    it is there; elsewhere it asks for the same rows in one query per kind. The JSON
    arrays are ordered as the separate queries order them, so both paths give the same
    documents.
    """
    if connection.vendor != "postgresql":
        return queryset
    sql, params = _related_sql(serializer_class, sees_internal(user))
    annotations = {_RELATED: RawSQL(sql, params, output_field=ReadJSON())}
    if not sees_internal(user):
        fields = _fields(serializer_class)
        cites = "status_history" in fields or "responses" in fields
        annotations.update(_partner_readable(serializer_class.Meta.model, user, cites))
    return queryset.annotate(**annotations)


@cache
def _related_sql(serializer_class, internal: bool) -> tuple[str, tuple]:
    """The `_RELATED` column: json_build_object of each kind's subquery, as text."""
    model = serializer_class.Meta.model
    fields = _fields(serializer_class)
    parts = [(name, *_m2m_sql(model, name, internal)) for name in _many_names(fields)]
    parts.append(("evidence", _evidence_sql(model), ()))
    parts.append(("identifiers", _identifiers_sql(model), ()))
    if "status_history" in fields:
        parts.append(("status_history", _status_sql(), (s.STAFF_LABEL,)))
    if "responses" in fields:
        parts.append(("responses", _responses_sql(), (s.STAFF_LABEL,)))
    if "claims" in fields or "provenance" in fields:
        parts.append(("claims", *claims_json_sql(_outer(model, "spine"))))
    if "owner_name" in fields:
        parts.append(("owner_name", _owner_sql(model), (s.STAFF_LABEL,)))
    sql = ", ".join(f"'{name}', ({part})" for name, part, _ in parts)
    params = tuple(value for _, _, values in parts for value in values)
    return f"json_build_object({sql})::text", params


_READABLE_SOURCES = "contours_readable_sources"
_READABLE_CITED = ("contours_readable_moves", "contours_readable_answers")


def _partner_readable(model, user, cites: bool) -> dict:
    """For a reader outside staff, which of the row's evidence sources and of the excerpts
    its status changes cite they may read: the selectors' own querysets, asked inside the
    page's statement (serializers.withhold_unpublished_sources then reads these instead of
    asking the database once more for each page)."""
    from django.contrib.postgres.expressions import ArraySubquery

    from cooperation.selectors import excerpts_visible_to, sources_visible_to

    links = RecordEvidence.objects.filter(spine_id=OuterRef(OuterRef("spine_id"))).values(
        "excerpt__source_id"
    )
    readable = {
        _READABLE_SOURCES: ArraySubquery(
            sources_visible_to(user).filter(pk__in=links).order_by().values("pk")
        )
    }
    if cites:
        # As serializers._excerpt_visible: the excerpts status moves and responses cite, one
        # subquery each (an OR of the two made PostgreSQL scan every excerpt for every row).
        for name, timeline in zip(
            _READABLE_CITED, (RecommendationStatusChange, RecommendationResponse), strict=True
        ):
            cited = timeline.objects.filter(
                recommendation_id=OuterRef(OuterRef("pk")), evidence_excerpt__isnull=False
            ).values("evidence_excerpt_id")
            readable[name] = ArraySubquery(
                excerpts_visible_to(user).filter(pk__in=cited).order_by().values("pk")
            )
    return readable


def _remember_readable(rows, request) -> None:
    """What _partner_readable brought for this page, where the serializers look for it: the
    rest stays unknown, so anything outside the page is withheld (closed), never shown."""
    if hasattr(rows[0], _READABLE_SOURCES) and not hasattr(request, "_contours_sources"):
        request._contours_sources = {pk for row in rows for pk in row.contours_readable_sources}
    if hasattr(rows[0], _READABLE_CITED[0]) and not hasattr(request, "_contours_cited_excerpts"):
        request._contours_cited_excerpts = {
            pk for row in rows for name in _READABLE_CITED for pk in getattr(row, name)
        }


class _Layout:
    """What a serializer's documents are made of, worked out once per serializer and kind of
    reader (a detail is a page of one: this was most of its record_rows)."""

    def __init__(self, serializer_class, internal: bool):
        model = serializer_class.Meta.model
        fields = _fields(serializer_class)
        self.basenames = basenames = {name: _link_basename(f) for name, f in fields.items()}
        self.many_names = many_names = _many_names(fields)
        self.with_history = "status_history" in fields
        self.with_responses = "responses" in fields
        self.with_claims = "provenance" in fields or "claims" in fields
        foreign = {name for name in fields if basenames[name] and name not in many_names}
        # Fields that read the whole row (a date with its precision), not one attribute.
        whole = {name: f for name, f in fields.items() if getattr(f, "reads_instance", 0)}
        self.scalars = [
            (name, field)
            for name, field in fields.items()
            if name not in _SPECIAL
            and name not in many_names
            and name not in foreign
            and name not in whole
            and name != "status_history"
        ]
        own_basename = model._meta.model_name
        self.plan = [
            (
                name,
                (lambda r, f=whole[name]: f.to_representation(r.row))
                if name in whole
                else None
                if name in _PER_REQUEST
                else _builder(name, many_names, foreign, basenames, own_basename, internal),
            )
            for name in fields
        ]


# Built per request: they read the reader, the token or the page's claims.
_PER_REQUEST = {"actions", "provenance", "claims"}


@cache
def _layout(serializer_class, internal: bool) -> _Layout:
    return _Layout(serializer_class, internal)


def record_rows(*, serializer_class, rows, request) -> list[dict]:
    """`rows` (records of one kind, their FK links select_related) as the serializer shows them."""
    if not rows:
        return []
    model = serializer_class.Meta.model
    internal = sees_internal(request.user)
    layout = _layout(serializer_class, internal)
    urls = _Urls(request)
    basenames = layout.basenames
    many_names = layout.many_names
    readings = _Readings()
    represent = _Representer()
    if hasattr(rows[0], _RELATED):
        # One statement brought everything: turn each row's arrays into documents.
        related = {row.pk: getattr(row, _RELATED) for row in rows}
        many = {
            name: {
                pk: _m2m_from_json(found[name], urls, basenames[name])
                for pk, found in related.items()
            }
            for name in many_names
        }
        evidence = {
            pk: [_evidence_item(link, urls, readings) for link in found["evidence"] or ()]
            for pk, found in related.items()
        }
        identifiers = {
            pk: [_identifier_item(i) for i in found["identifiers"] or ()]
            for pk, found in related.items()
        }
        # Timeline items come finished from SQL (_status_sql, _responses_sql).
        history = {
            pk: found["status_history"] or []
            for pk, found in related.items()
            if layout.with_history
        }
        responses = {
            pk: found["responses"] or [] for pk, found in related.items() if layout.with_responses
        }
        owners = {pk: found.get("owner_name") for pk, found in related.items()}
    else:
        ids = [row.pk for row in rows]
        many = {
            name: _m2m_links(model, name, ids, request.user, urls, basenames[name])
            for name in many_names
        }
        evidence = _evidence(model, ids, urls)
        identifiers = _identifiers(model, ids)
        history = _status_history(ids, represent) if layout.with_history else {}
        responses = _responses(ids, represent) if layout.with_responses else {}
        owners = None  # read off each row's owner (joined: see `joined`)
    converters = [(name, represent.converter(field)) for name, field in layout.scalars]
    token = s.request_token(request)
    claims, provenance = {}, {}
    if layout.with_claims:
        # The page's claims in one statement (cooperation/api/provenance.py).
        if not internal:
            _remember_readable(rows, request)
        readable = s.readable_sources(request)
        if hasattr(rows[0], _RELATED):  # in the page's own statement
            readable = readable() if callable(readable) else readable
            claims = {
                row.spine_id: finish_claims(related[row.pk]["claims"], readable) for row in rows
            }
        else:
            claims = read_claims([row.spine_id for row in rows], readable_sources=readable)
        provenance = {spine: provenance_from_claims(found) for spine, found in claims.items()}
    special = {
        "actions": (lambda r: [])
        if no_record_actions(request.user)
        else lambda r: record_actions(request.user, r.row, token=token),
        "provenance": lambda r: provenance.get(r.row.spine_id, {}),
        # The page's claims are its own (parsed, or read, for this request): not copied.
        "claims": lambda r: claims.get(r.row.spine_id, []),
    }
    plan = [(name, build or special[name]) for name, build in layout.plan]
    documents = []
    for row in rows:
        pk = row.pk
        values = {}
        for name, convert in converters:
            value = getattr(row, name)
            values[name] = None if value is None else convert(value)
        page = _Row(row, pk, urls, values, evidence, many, history, responses, identifiers)
        page.owners = owners
        documents.append({name: build(page) for name, build in plan})
    if not internal:
        _remember_readable(rows, request)
        context = {"request": request}
        documents = [s.withhold_unpublished_sources(doc, context) for doc in documents]
    return documents


class _Row:
    """One record and what was read for it, as the document builders see it."""

    __slots__ = (
        "evidence",
        "history",
        "identifiers",
        "many",
        "owners",
        "pk",
        "responses",
        "row",
        "urls",
        "values",
    )

    def __init__(self, row, pk, urls, values, evidence, many, history, responses, identifiers):
        self.row, self.pk, self.urls, self.values = row, pk, urls, values
        self.evidence, self.many, self.history = evidence, many, history
        self.responses, self.identifiers = responses, identifiers


def _builder(name, many_names, foreign, basenames, own_basename, internal):
    """How the document's `name` is made from a _Row; chosen once per serializer and field."""
    if name == "id":
        return lambda r: r.pk
    if name == "url":
        return lambda r: r.urls.api(own_basename, r.pk)
    if name == "web_url":
        return lambda r: r.urls.web(r.row)
    if name == "evidence":
        return lambda r: r.evidence.get(r.pk, [])
    if name == "identifiers":
        return lambda r: r.identifiers.get(r.pk, [])
    if name in many_names:
        return lambda r: r.many[name].get(r.pk, [])
    if name in foreign:
        basename = basenames[name]

        def link(r):
            target = getattr(r.row, name)
            if target is None:
                return None
            return _link(r.urls, basename, target.pk, target.slug, str(target))

        return link
    if name == "owner":
        # Partners see who owns a recommendation (owner_name), never a user id.
        return (lambda r: r.row.owner_id) if internal else (lambda r: None)
    if name == "owner_name":
        return lambda r: s.display_name(r.row.owner) if r.owners is None else r.owners[r.pk]
    if name == "warnings":
        return lambda r: []  # only a publishing write has any (RecordViewSet.update)
    if name == "gao_status":
        return lambda r: gao_status(r.row.status)
    if name == "allowed_transitions":
        return lambda r: allowed_transitions(r.row.status)
    if name == "status_history":
        return lambda r: r.history.get(r.pk, [])
    if name == "responses":
        return lambda r: r.responses.get(r.pk, [])
    return lambda r: r.values[name]
