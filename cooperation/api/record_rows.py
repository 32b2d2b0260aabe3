"""The record lists' read path: a page of records as the serializers show them, built from rows.

A list page through the ModelSerializers costs ~50 model instances per link kind,
a reverse() per link and a field object per value; at 100,000 records the
partner list spent most of its time there. This builds the same documents, key
for key and in the serializers' field order, from one `values_list` query per
link kind over the page's ids. Scalars are formatted by the serializers' own
field objects, so a date or a choice reads exactly as it does on a detail.
`tests/api/test_record_rows.py` holds every list to its serializer's output.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cooperation.api import serializers as s
from cooperation.choices import allowed_transitions
from cooperation.models import RecommendationStatusChange, Record, RecordEvidence, Source
from cooperation.selectors import records_visible_to

# Serializer fields built here rather than read off the row as a scalar.
_SPECIAL = {"id", "url", "web_url", "evidence", "owner", "owner_name", "allowed_transitions"}
_SLUG_PLACEHOLDER = "slug-placeholder"


@cache
def _fields(serializer_class) -> dict:
    """The serializer's fields, bound once: scalars are formatted by their own field objects."""
    return dict(serializer_class().fields)


class _Urls:
    """Absolute URLs by prefix: one reverse() per kind and request instead of one per link."""

    def __init__(self, request):
        self.request = request
        self._api: dict[str, str] = {}
        self._web: dict[type, tuple[str, str]] = {}

    def api(self, basename: str, pk) -> str:
        prefix = self._api.get(basename)
        if prefix is None:
            prefix = self.request.build_absolute_uri(reverse(f"api:{basename}-list"))
            self._api[basename] = prefix
        return f"{prefix}{pk}/"

    def web(self, record) -> str:
        parts = self._web.get(type(record))
        if parts is None:
            name = f"cooperation:{record._meta.model_name}_detail"
            url = self.request.build_absolute_uri(reverse(name, kwargs={"slug": _SLUG_PLACEHOLDER}))
            parts = tuple(url.split(_SLUG_PLACEHOLDER, 1))
            self._web[type(record)] = parts
        return f"{parts[0]}{record.slug}{parts[1]}"


def _link(urls: _Urls, basename: str, pk, slug: str, name: str) -> dict:
    return {"id": pk, "slug": slug, "name": name, "url": urls.api(basename, pk)}


def _m2m_links(model, name, ids, user, urls, basename) -> dict[int, list[dict]]:
    """Per record id, the live (and for record links, visible) targets of one m2m field."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    target_model = field.related_model
    if issubclass(target_model, Record):
        visible, label = records_visible_to(user, target_model), "title"
    else:
        visible, label = target_model.objects.all(), "name"
    rows = (
        through.objects.filter(**{f"{source}_id__in": ids, f"{target}__in": visible.values("pk")})
        .order_by(f"{target}__{label}", f"{target}_id")
        .values_list(f"{source}_id", f"{target}_id", f"{target}__slug", f"{target}__{label}")
    )
    links = defaultdict(list)
    for owner, pk, slug, text in rows:
        links[owner].append(_link(urls, basename, pk, slug, text))
    return links


def _evidence(model, ids, urls) -> dict[int, list[dict]]:
    rows = list(
        RecordEvidence.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=ids
        )
        .order_by("excerpt__start", "pk")
        .values_list(
            "object_id",
            "excerpt_id",
            "excerpt__source_id",
            "excerpt__start",
            "excerpt__end",
            "excerpt__exact",
            "note",
            "excerpt__source__furniture",
        )
    )
    # A quote reads as its exact text unless page furniture lies in the source; only those
    # sources' texts are loaded (and their reading views are cached by text).
    furnished = {row[2] for row in rows if row[7]}
    sources = Source.all_objects.filter(pk__in=furnished).only("text", "furniture", "sha256")
    readings = {source.pk: source.reading for source in sources}
    evidence = defaultdict(list)
    for owner, excerpt, source, start, end, exact, note, _ in rows:
        reading = readings.get(source)
        evidence[owner].append(
            {
                "excerpt": excerpt,
                "url": urls.api("excerpt", excerpt),
                "source": source,
                "start": start,
                "end": end,
                "exact": exact,
                "quote": reading.quote(start, end) if reading else exact,
                "note": note,
            }
        )
    return evidence


def _status_history(ids) -> dict[int, list[dict]]:
    changed_at = _fields(s.StatusChangeSerializer)["changed_at"]
    rows = (
        RecommendationStatusChange.objects.filter(recommendation_id__in=ids)
        .order_by("changed_at", "id")
        .values_list(
            "recommendation_id",
            "id",
            "from_status",
            "to_status",
            "changed_at",
            "changed_by_id",
            "changed_by__full_name",
            "note",
            "evidence_excerpt_id",
            "evidence_url",
        )
    )
    history = defaultdict(list)
    for owner, pk, before, after, when, user_id, full_name, note, excerpt, url in rows:
        history[owner].append(
            {
                "id": pk,
                "from_status": before,
                "to_status": after,
                "changed_at": changed_at.to_representation(when),
                "changed_by": None if user_id is None else (full_name or f"User {user_id}"),
                "note": note,
                "evidence_excerpt": excerpt,
                "evidence_url": url,
            }
        )
    return history


def _link_basename(field) -> str | None:
    """The API resource a LinkField (or a list of them) points at, or None for other fields."""
    child = getattr(field, "child_relation", field)
    return child.basename if isinstance(child, s.LinkField) else None


def record_rows(*, serializer_class, rows, request) -> list[dict]:
    """`rows` (records of one kind, their FK links select_related) as the serializer shows them."""
    if not rows:
        return []
    model = serializer_class.Meta.model
    fields = _fields(serializer_class)
    urls = _Urls(request)
    ids = [row.pk for row in rows]
    basenames = {name: _link_basename(field) for name, field in fields.items()}
    many = {
        name: _m2m_links(model, name, ids, request.user, urls, basenames[name])
        for name, field in fields.items()
        if basenames[name] and hasattr(field, "child_relation")
    }
    foreign = {name for name in fields if basenames[name] and name not in many}
    evidence = _evidence(model, ids, urls)
    history = _status_history(ids) if "status_history" in fields else {}
    own_basename = model._meta.model_name
    scalars = [
        (name, field)
        for name, field in fields.items()
        if name not in _SPECIAL
        and name not in many
        and name not in foreign
        and name != "status_history"
    ]
    documents = []
    for row in rows:
        pk = row.pk
        values = {}
        for name, field in scalars:
            value = getattr(row, name)
            values[name] = None if value is None else field.to_representation(value)
        document = {}
        for name in fields:
            if name == "id":
                document[name] = pk
            elif name == "url":
                document[name] = urls.api(own_basename, pk)
            elif name == "web_url":
                document[name] = urls.web(row)
            elif name == "evidence":
                document[name] = evidence.get(pk, [])
            elif name in many:
                document[name] = many[name].get(pk, [])
            elif name in foreign:
                target = getattr(row, name)
                document[name] = (
                    None
                    if target is None
                    else _link(urls, basenames[name], target.pk, target.slug, str(target))
                )
            elif name == "owner":
                document[name] = row.owner_id
            elif name == "owner_name":
                document[name] = s.display_name(row.owner)
            elif name == "allowed_transitions":
                document[name] = allowed_transitions(row.status)
            elif name == "status_history":
                document[name] = history.get(pk, [])
            else:
                document[name] = values[name]
        documents.append(document)
    return documents
