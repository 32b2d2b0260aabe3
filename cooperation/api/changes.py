"""GET /api/v1/changes/?since=<token>: the change feed partners mirror the API from.

The log (cooperation/changes.py) names objects; this view shows each entry to the
caller as the object now is, through the same viewsets (and so the same selectors and
serializers) as the lists: an `upsert` with the document a list would return, or a
`delete` tombstone once the object is out of the caller's view (trashed, merged away,
unpublished, a note made private). Entries about objects the caller could never read
are skipped, so the feed reveals nothing the lists would not.

Following the feed from no token to the end gives exactly the rows a full read of
every list returns; resuming from the last `since` token picks up from there. The token
is signed (django.core.signing): one the server did not issue is a 400.
"""

from __future__ import annotations

from django.apps import apps
from django.core import signing
from django.db.models import Min
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from cooperation.api import views as api_views
from cooperation.api.conventions import ApiConventions
from cooperation.api.record_rows import record_rows, with_related
from cooperation.api.schema import READ_ERRORS
from cooperation.api.serializers import api_url
from cooperation.changes import MODELS
from cooperation.models import Annotation, ChangeEntry
from cooperation.permissions import sees_internal

_SALT = "cooperation.api.changes.since"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# A page reads at most this many log entries, so a caller who may read little of a long
# log still gets a bounded response (with `more` true) instead of a long scan.
SCAN_FACTOR = 10
_PARAMS = {"since", "page_size"}

VIEWSETS = {
    "source": api_views.SourceViewSet,
    "excerpt": api_views.ExcerptViewSet,
    "actor": api_views.ActorViewSet,
    "topic": api_views.TopicViewSet,
    "tag": api_views.TagViewSet,
    "agreement": api_views.AgreementViewSet,
    "deal": api_views.DealViewSet,
    "challenge": api_views.ChallengeViewSet,
    "recommendation": api_views.RecommendationViewSet,
    "annotation": api_views.AnnotationViewSet,
}
assert set(VIEWSETS) == set(MODELS)


def make_token(seq: int) -> str:
    return signing.dumps({"seq": seq}, salt=_SALT, compress=False)


def read_token(raw: str) -> int:
    try:
        payload = signing.loads(raw, salt=_SALT)
    except signing.BadSignature:
        raise ValidationError({"since": ["This token was not issued by this server."]}) from None
    seq = payload.get("seq") if isinstance(payload, dict) else None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValidationError({"since": ["This token was not issued by this server."]})
    return seq


def _page_size(params) -> int:
    raw = params.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError(
            {"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}, not {raw[:20]!r}."]}
        )
    return int(raw)


def documents(request, kind: str, ids) -> dict[int, dict]:
    """The objects among `ids` the caller may read, as the list of `kind` shows them."""
    view = VIEWSETS[kind]()
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    view.action = "list"
    queryset = view.get_queryset().filter(pk__in=ids)
    serializer_class = view.get_serializer_class()
    if isinstance(view, api_views.RecordViewSet):
        queryset = with_related(queryset, serializer_class=serializer_class, user=request.user)
        rows = record_rows(serializer_class=serializer_class, rows=list(queryset), request=request)
    else:
        rows = view.get_serializer(list(queryset), many=True).data
    return {row["id"]: row for row in rows}


def _could_have_read(user, kind: str, entries) -> set[tuple[int, int]]:
    """(seq, id) of the entries (of `kind`, now out of the caller's view) whose object the
    caller could once read: an entry up to that one says its audience included callers
    like this one, or the caller wrote it (a private note)."""
    ids = {entry.object_id for entry in entries}
    audience = {"staff": True} if sees_internal(user) else {"partners": True}
    first_seen = dict(
        ChangeEntry.objects.filter(kind=kind, object_id__in=ids, **audience)
        .values("object_id")
        .annotate(first=Min("seq"))
        .values_list("object_id", "first")
    )
    authored = set()
    if kind == "annotation":
        authored = set(
            Annotation.all_objects.filter(pk__in=ids, author_id=user.pk).values_list(
                "pk", flat=True
            )
        )
        authored |= _organisation_threads(user, ids)
    return {
        (e.seq, e.object_id)
        for e in entries
        if e.object_id in authored or first_seen.get(e.object_id, e.seq + 1) <= e.seq
    }


def _organisation_threads(user, ids) -> set[int]:
    """Notes a partner's organisation could once read beyond what every partner reads: its
    own organisation's threads and threads shared with it, now or at any earlier version
    (the log's audience flags speak for partners in general, not for one organisation)."""
    organisation = getattr(user, "organisation_id", None)
    if organisation is None or sees_internal(user):
        return set()
    owned = Annotation.history.filter(id__in=ids, organisation_id=organisation)
    shared = apps.get_model("cooperation", "HistoricalAnnotation_shared_with").objects.filter(
        annotation_id__in=ids, organisation_id=organisation
    )
    return set(owned.values_list("id", flat=True)) | set(
        shared.values_list("annotation_id", flat=True)
    )


def feed_page(request, since: int, size: int) -> tuple[list[dict], int, bool]:
    """Up to `size` items after `since`: (items, the last seq read, whether more may follow)."""
    items: list[dict] = []
    last = since
    budget = size * SCAN_FACTOR
    while len(items) < size and budget > 0:
        batch = list(ChangeEntry.objects.filter(seq__gt=last).order_by("seq")[: min(size, budget)])
        if not batch:
            return items, last, False
        budget -= len(batch)
        items.extend(_render(request, batch))
        last = batch[-1].seq
    more = ChangeEntry.objects.filter(seq__gt=last).exists()
    return items, last, more


def _render(request, batch) -> list[dict]:
    by_kind: dict[str, list] = {}
    for entry in batch:
        by_kind.setdefault(entry.kind, []).append(entry)
    shown: dict[int, dict] = {}
    for kind, entries in by_kind.items():
        docs = documents(request, kind, {e.object_id for e in entries})
        gone = [e for e in entries if e.object_id not in docs]
        known = _could_have_read(request.user, kind, gone) if gone else set()
        for entry in entries:
            item = {"seq": entry.seq, "kind": kind, "id": entry.object_id}
            if entry.object_id in docs:
                url = api_url(request, kind, entry.object_id)
                item.update(action="upsert", url=url, data=docs[entry.object_id])
            elif (entry.seq, entry.object_id) in known:
                item["action"] = "delete"
            else:
                continue  # never readable by this caller: not even its id is shown
            shown[entry.seq] = item
    # Each item is the object as it is now, so an earlier item for the same object in this
    # page says nothing the later one does not: only the last is kept.
    latest = {(item["kind"], item["id"]): seq for seq, item in sorted(shown.items())}
    return [shown[seq] for seq in sorted(latest.values())]


class ChangeItemSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="Position in the feed; items come in this order.")
    kind = serializers.ChoiceField(choices=sorted(MODELS), help_text="The collection (singular).")
    id = serializers.IntegerField(help_text="The object's id in its collection.")
    action = serializers.ChoiceField(
        choices=["upsert", "delete"],
        help_text="upsert: store `data` under (kind, id). delete: forget (kind, id).",
    )
    url = serializers.URLField(required=False, help_text="upsert only: the object's API URL.")
    data = serializers.DictField(
        required=False, help_text="upsert only: the object exactly as its list shows it."
    )


class ChangesView(ApiConventions, APIView):
    """The change feed: every create, change, publish, unpublish, trash and merge you may see.

    As every API view (ApiConventions): throttled before permissions, with the RateLimit
    fields and the caching headers."""

    @extend_schema(
        operation_id="changes_list",
        summary="Follow changes (the partners' change feed)",
        description=(
            "Items in commit order after `since`: `upsert` with the object as its list shows "
            "it, or `delete` once it has left your view (trashed, merged, unpublished, a note "
            "made private). Store `since` from each response and send it back to resume; "
            "without `since` the feed starts at the beginning and yields everything you may "
            "read. `more` is true while further items wait."
        ),
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="The `since` token of your last response (opaque, signed).",
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Items per page (default {DEFAULT_PAGE_SIZE}, 1–{MAX_PAGE_SIZE}).",
            ),
        ],
        responses={
            200: inline_serializer(
                "ChangePage",
                {
                    "results": ChangeItemSerializer(many=True),
                    "since": serializers.CharField(help_text="Resume from here."),
                    "next": serializers.URLField(help_text="This feed from `since` on."),
                    "more": serializers.BooleanField(help_text="Further items are waiting."),
                },
            ),
            **READ_ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        params = request.query_params
        unknown = sorted(set(params) - _PARAMS)
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        raw = params.get("since")
        since = read_token(raw) if raw else 0
        items, last, more = feed_page(request, since, _page_size(params))
        token = make_token(last)
        next_url = replace_query_param(request.build_absolute_uri(), "since", token)
        return Response({"results": items, "since": token, "next": next_url, "more": more})
