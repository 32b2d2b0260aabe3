"""Viewsets for /api/v1/. Reads use the visibility selectors; writes call the services.

Every detail response carries a strong ETag; PUT, PATCH and DELETE need If-Match
(428 without it, 412 when stale), and the version it names is checked by the
service under a row lock, inside the service's transaction.
"""

from __future__ import annotations

import contextlib

from django.db import router
from django.db.models import Max, OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cooperation.api import serializers as s
from cooperation.api import web_annotation as wa
from cooperation.api.conditional import (
    etag_for,
    expected_version,
    not_modified,
    validator_headers,
)
from cooperation.api.conventions import ApiConventions
from cooperation.api.csv_export import CSVRenderer, stream_csv
from cooperation.api.errors import PreconditionFailed
from cooperation.api.idempotency import IdempotentPostMixin
from cooperation.api.pagination import KeysetCursorPagination
from cooperation.api.permissions import request_token
from cooperation.api.record_rows import joined, record_rows, with_related
from cooperation.api.renderers import JSONRenderer
from cooperation.api.schema import (
    ANNOTATION_COLLECTION_SCHEMA,
    ANNOTATION_PAGE_SCHEMA,
    CONDITIONAL_ERRORS,
    JSON_EXPORT_SCHEMA,
    READ_ERRORS,
    WEB_ANNOTATION_SCHEMA,
    WRITE_ERRORS,
)
from cooperation.exchange import export as exchange_export
from cooperation.filtersets import FILTERSETS, SearchFilterSet
from cooperation.models import (
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Claim,
    Deal,
    Excerpt,
    Identifier,
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    Tag,
    Topic,
)
from cooperation.models.search import STORED_COLUMNS
from cooperation.permissions import may, portal, sees_internal, visibility_action
from cooperation.selectors import (
    api_annotations_visible_to,
    excerpts_visible_to,
    publish_warning,
    records_visible_to,
    sources_visible_to,
    tags_visible_to,
)
from cooperation.services import (
    annotation_create,
    annotation_delete,
    annotation_edit,
    excerpt_create,
    excerpt_create_from_quote,
    recommendation_create,
    recommendation_transition,
    status_proposal_create,
    tracked_create,
    tracked_delete,
    tracked_update,
)
from portal import statements

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag you last read; the write is refused (412) if it is stale.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag you hold; 304 with no body if it is still current.",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy (ETag) is current.")


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipping the FilterSet when the query names none of its filters.

    A first page (`?page_size=50`, a cursor) is most of what partners ask for; building
    and validating the FilterSet's form for it only to apply the default order was a
    sixth of the list's time. A filtered page builds the fields of the filters it names,
    not all of them.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        unfiltered = getattr(filterset_class, "unfiltered", None)
        if unfiltered is not None and not filterset_class.names_a_filter(request.query_params):
            return unfiltered(queryset)
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if issubclass(filterset_class, SearchFilterSet):
            # Only the filters the query names are made (SearchFilterSet's `only_named`).
            kwargs["only_named"] = True
        return filterset_class(**kwargs)


class ApiViewSet(ApiConventions, IdempotentPostMixin, viewsets.GenericViewSet):
    """Lists (FilterSet, cursor pages), details with ETags, and CSV export of any list.

    Every POST takes an Idempotency-Key (cooperation/api/idempotency.py).
    """

    model = None
    pagination_class = KeysetCursorPagination
    filter_backends = [FilterBackend]
    # Ids the database can hold (a longer one is simply not found, as JSON).
    lookup_value_regex = r"[0-9]{1,18}"
    renderer_classes = [JSONRenderer]

    @property
    def filterset_class(self):
        return FILTERSETS[self.model]

    def visible(self):
        """What the requesting user may read (live rows only)."""
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.model.objects.none()
        return self.visible()

    def get_object(self):
        # Filters and ordering apply to lists only; a detail is found by id among the visible.
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj

    def initial(self, request, *args, **kwargs):
        # A method the resource does not have is a 405 (with Allow) for everyone, before
        # authentication and permissions: DRF checks those first, so a partner's DELETE on
        # a read-only resource was a 403 that told them to find another token.
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # Still counted against the caller's quota, so it carries the RateLimit fields
            # (and a flood of them is a 429): as whoever the credentials say, else anonymous.
            # A bad token is let pass: the 405 says more than a 401 would.
            with contextlib.suppress(exceptions.AuthenticationFailed):
                self.perform_authentication(request)
            self.check_throttles(request)
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        self.check_query_parameters(request)

    def query_parameters(self) -> frozenset[str]:
        """What this action reads from the query string; anything else is a 400."""
        if self.action == "list":
            return self.filterset_class._parameters() | {"cursor", "page_size"}
        if self.action in ("export", "json_export"):
            return self.filterset_class._parameters()
        return frozenset()

    def check_query_parameters(self, request):
        unknown = sorted(set(request.query_params) - self.query_parameters())
        if unknown:
            # A typo'd filter silently ignored returns the whole list as if it had matched.
            raise exceptions.ValidationError(
                {name: ["Unknown query parameter for this resource."] for name in unknown}
            )

    def perform_authentication(self, request):
        super().perform_authentication(request)
        user = request.user
        if user.is_authenticated and "groups" not in getattr(user, "_prefetched_objects_cache", ()):
            # Permissions, visibility and every record link ask for the user's roles: one
            # query for them per request instead of one per question. A token's statement
            # brings them (accounts/services.py `api_token_find`): asking Django to prefetch
            # what is there already cost ~35 µs of every request's CPU for nothing.
            prefetch_related_objects([user], "groups")

    def reload(self, obj):
        """The object as a reader sees it after a write (links prefetched, fresh version)."""
        return get_object_or_404(self.get_queryset(), pk=obj.pk)

    read_serializer_class = None

    def representation(self, obj) -> tuple[dict, str]:
        """The resource as a reader sees it and its ETag, whichever serializer took the input."""
        serializer_class = self.read_serializer_class or self.get_serializer_class()
        data = serializer_class(obj, context=self.get_serializer_context()).data
        return data, etag_for(obj, data)

    def current_version(self, obj, *, required: bool = True) -> int | None:
        """If-Match against the full current ETag (conditional.py); the version to lock on."""
        if self.request.headers.get("If-Match") in (None, "*"):
            return expected_version(self.request, "", required=required)
        return expected_version(self.request, self.representation(obj)[1], required=required)

    def last_modified(self, obj):
        """When what this representation shows last changed (Last-Modified)."""
        return getattr(obj, "updated_at", None)

    def detail_response(
        self, obj, *, status_code=status.HTTP_200_OK, headers=None, representation=None
    ):
        # Writes answer with the full resource, whichever serializer validated the input.
        data, etag = representation or self.representation(obj)
        last_modified = self.last_modified(obj)
        headers = {**validator_headers(etag, last_modified), **(headers or {})}
        reading = status_code == status.HTTP_200_OK and self.request.method in ("GET", "HEAD")
        if reading and not_modified(self.request, etag, last_modified):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, status=status_code, headers=headers)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self.detail_response(self.get_object())

    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer])
    def export(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        return stream_csv(
            queryset, self.get_serializer_class(), self.get_serializer_context(), f"{name}.csv"
        )


class WebAnnotationMixin:
    """W3C Web Annotation JSON-LD by content negotiation on the list and the detail, and
    the whole (filtered) list as a download: cooperation/api/web_annotation.py.

    The rows are the same the plain JSON shows (`visible()`, the filters); only their
    presentation differs, so a note nobody else may read stays unread here too.
    """

    jsonld_actions = ("list", "retrieve", "web_annotations")
    jsonld_label = ""

    def present(self, obj) -> dict:
        raise NotImplementedError

    def jsonld_queryset(self, queryset):
        return queryset

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action in self.jsonld_actions and not any(
            isinstance(renderer, wa.WebAnnotationRenderer) for renderer in renderers
        ):
            renderers.append(wa.WebAnnotationRenderer())
        return renderers

    def query_parameters(self) -> frozenset[str]:
        if self.action == "web_annotations":
            return self.filterset_class._parameters()
        return super().query_parameters()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.action in ("list", "retrieve"):
            patch_vary_headers(response, ["Accept"])
        return response

    def _collection_id(self, request) -> str:
        params = request.GET.copy()
        for name in ("cursor", "page_size"):
            params.pop(name, None)
        query = f"?{params.urlencode()}" if params else ""
        return request.build_absolute_uri(request.path + query)

    def list(self, request, *args, **kwargs):
        if not wa.wants_jsonld(request):
            return super().list(request, *args, **kwargs)
        queryset = self.jsonld_queryset(self.filter_queryset(self.get_queryset()))
        rows = self.paginate_queryset(queryset)
        data = wa.page(
            page_id=request.build_absolute_uri(),
            collection_id=self._collection_id(request),
            items=[self.present(obj) for obj in rows],
            next_url=self.paginator.get_next_link(),
        )
        return Response(data, content_type=wa.PROFILED_MEDIA_TYPE)

    def retrieve(self, request, *args, **kwargs):
        if not wa.wants_jsonld(request):
            return super().retrieve(request, *args, **kwargs)
        obj = get_object_or_404(self.jsonld_queryset(self.get_queryset()), pk=self.kwargs["pk"])
        self.check_object_permissions(request, obj)
        data = wa.document(self.present(obj))
        etag, last_modified = etag_for(obj, data), self.last_modified(obj)
        headers = validator_headers(etag, last_modified)
        if not_modified(request, etag, last_modified):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers, content_type=wa.PROFILED_MEDIA_TYPE)

    @action(
        detail=False,
        methods=["get"],
        url_path="web-annotations",
        renderer_classes=[wa.WebAnnotationRenderer, JSONRenderer],
    )
    def web_annotations(self, request, *args, **kwargs):
        queryset = self.jsonld_queryset(self.filter_queryset(self.get_queryset()))
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        return wa.stream_collection(
            collection_id=self._collection_id(request),
            label=self.jsonld_label,
            total=queryset.count(),
            items=(self.present(obj) for obj in queryset.iterator(chunk_size=wa.CHUNK_SIZE)),
            filename=f"{name}.jsonld",
        )


class IdentifiersMixin:
    """External identifiers (issue 14): `POST …/{id}/identifiers/` adds one ({scheme, value,
    url}), `POST …/{id}/identifiers/remove/` removes one ({scheme, value}); both answer with
    the resource. Through cooperation/services/identifiers.py, which checks who may."""

    def identifier_target(self, obj) -> dict:
        return {"actor": obj} if isinstance(obj, Actor) else {"record": obj}

    @extend_schema(
        summary="Add an external identifier (wikidata, unts, sipri, other)",
        request=s.IdentifierSerializer,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="identifiers")
    def add_identifier(self, request, *args, **kwargs):
        from cooperation.services.identifiers import identifier_add

        # The body first (a 415 or 400 whatever the id), then the object it is for.
        serializer = s.IdentifierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.get_object()
        identifier_add(
            user=request.user, **self.identifier_target(obj), **serializer.validated_data
        )
        return self.detail_response(self.reload(obj))

    @extend_schema(
        summary="Remove an external identifier",
        request=s.IdentifierSerializer,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="identifiers/remove")
    def remove_identifier(self, request, *args, **kwargs):
        from cooperation.identifiers import clean_identifier
        from cooperation.services.identifiers import identifier_remove

        serializer = s.IdentifierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.get_object()
        data = serializer.validated_data
        scheme = data["scheme"]
        value = data["value"] if scheme == "other" else clean_identifier(scheme, data["value"])[1]
        target = self.identifier_target(obj)
        rows = obj.identifiers if "actor" in target else obj.spine.identifiers
        row = rows.filter(scheme=scheme, value=value).first()
        if row is None:
            raise exceptions.NotFound("This resource has no such identifier.")
        identifier_remove(user=request.user, identifier=row)
        return self.detail_response(self.reload(obj))


class TrackedWriteMixin:
    """Create, update and move to the trash through the tracked services."""

    def service_create(self, data: dict, basis=None):
        return tracked_create(model=self.model, user=self.request.user, data=data, basis=basis)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A record's factual values each rest on the write's `basis` (write-only).
        data = dict(serializer.validated_data)
        basis = data.pop("basis", None)
        obj = self.reload(self.service_create(data, basis=basis))
        location = s.api_url(request, self.basename, obj.pk)
        return self.detail_response(
            obj, status_code=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def get_object_to_write(self):
        """The object to change or trash; one trashed since the client read it is a 412.

        Of two writers holding the same ETag, the one that loses a race with a DELETE
        finds no live row: its precondition failed, which 404 would hide. Only staff
        learn this; for anyone else a row outside the live set stays a 404.
        """
        try:
            return self.get_object()
        except Http404:
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
            if (
                self.request.headers.get("If-Match")
                and sees_internal(self.request.user)
                and str(lookup).isdecimal()
                and self.model.all_objects.filter(pk=lookup, deleted_at__isnull=False).exists()
            ):
                raise PreconditionFailed("This was moved to the trash after you read it.") from None
            raise

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object_to_write()
        version = self.current_version(instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        basis = data.pop("basis", None)
        updated = tracked_update(
            instance=instance,
            user=request.user,
            data=data,
            expected_version=version,
            basis=basis,
        )
        return self.detail_response(self.reload(updated))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object_to_write()
        version = self.current_version(instance)
        tracked_delete(instance=instance, user=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


def document(
    noun: str,
    plural: str,
    serializer,
    *,
    writable=True,
    request=None,
    update_request=None,
    list_serializer=None,
    web_annotations=False,
):
    """@extend_schema_view for a resource: summaries, headers and the error responses.

    With `web_annotations`, the list and the detail also answer `Accept: application/ld+json`
    (W3C Web Annotation JSON-LD), and a download of the whole list is documented.
    """
    a_noun = f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
    list_ok = {200: (list_serializer or serializer)(many=True)}
    detail_ok = {200: serializer}
    negotiated = ""
    if web_annotations:
        list_ok = {
            (200, "application/json"): (list_serializer or serializer)(many=True),
            (200, wa.MEDIA_TYPE): OpenApiResponse(ANNOTATION_PAGE_SCHEMA),
        }
        detail_ok = {
            (200, "application/json"): serializer,
            (200, wa.MEDIA_TYPE): OpenApiResponse(WEB_ANNOTATION_SCHEMA),
        }
        negotiated = (
            ' With `Accept: application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"` '
            "it is a W3C Web Annotation (JSON-LD)."
        )
    views = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=f"Cursor-paged {plural} you may read, filtered, searched (`q`) and "
            "ordered (`ordering`)."
            + negotiated.replace("it is a", "each page is an AnnotationPage of"),
            responses={**list_ok, **READ_ERRORS},
        ),
        "retrieve": extend_schema(
            summary=f"Read one {noun}",
            description="A strong ETag comes with it; send it back in If-None-Match for a 304."
            + negotiated,
            parameters=[IF_NONE_MATCH],
            responses={**detail_ok, 304: NOT_MODIFIED, **READ_ERRORS},
        ),
        "export": extend_schema(
            summary=f"Export {plural} as CSV",
            description="The same filters, search and order as the list, all rows, streamed.",
            filters=True,
            responses={(200, "text/csv"): OpenApiTypes.STR, **READ_ERRORS},
        ),
    }
    if web_annotations:
        views["web_annotations"] = extend_schema(
            summary=f"Download {plural} as W3C Web Annotations",
            description=f"Every {noun} you may read, with the list's filters, as one "
            "AnnotationCollection (JSON-LD) whose first page holds them all, streamed.",
            filters=True,
            responses={
                (200, wa.MEDIA_TYPE): OpenApiResponse(ANNOTATION_COLLECTION_SCHEMA),
                **READ_ERRORS,
            },
        )
    if writable:
        views.update(
            create=extend_schema(
                summary=f"Create {a_noun}",
                description="Staff only (partners: notes only, with a write-enabled token).",
                request=request or serializer,
                responses={201: serializer, **WRITE_ERRORS},
            ),
            update=extend_schema(
                summary=f"Replace {a_noun}",
                description="Needs If-Match with the current ETag: 428 without, 412 if stale.",
                parameters=[IF_MATCH],
                request=update_request or serializer,
                responses={200: serializer, **CONDITIONAL_ERRORS},
            ),
            partial_update=extend_schema(
                summary=f"Change {a_noun}",
                description="Only the fields sent change. Needs If-Match: 428 without, 412 if "
                "stale.",
                parameters=[IF_MATCH],
                request=update_request or serializer,
                responses={200: serializer, **CONDITIONAL_ERRORS},
            ),
            destroy=extend_schema(
                summary=f"Move {a_noun} to the trash",
                description="Nothing is hard-deleted; curators can restore it. Needs If-Match.",
                parameters=[IF_MATCH],
                responses={204: None, **CONDITIONAL_ERRORS},
            ),
        )
    return extend_schema_view(**views)


WRITE_METHODS = ["get", "post", "put", "patch", "delete", "head"]
READ_METHODS = ["get", "head"]


# ---- actors and topics ---------------------------------------------------------------------


@document("actor", "actors", s.ActorSerializer)
class ActorViewSet(IdentifiersMixin, TrackedWriteMixin, ApiViewSet):
    model = Actor
    serializer_class = s.ActorSerializer
    http_method_names = WRITE_METHODS

    def visible(self):
        return Actor.objects.prefetch_related("identifiers")


@document("topic", "topics", s.TopicSerializer)
class TopicViewSet(TrackedWriteMixin, ApiViewSet):
    model = Topic
    serializer_class = s.TopicSerializer
    http_method_names = WRITE_METHODS

    def visible(self):
        return Topic.objects.all()


@document("tag", "tags", s.TagSerializer, writable=False)
class TagViewSet(ApiViewSet):
    """Tags are made in the portal's pickers; the API reads them and filters by them
    (`?tag=<slug>` on records and notes)."""

    model = Tag
    serializer_class = s.TagSerializer
    http_method_names = READ_METHODS

    def visible(self):
        return tags_visible_to(self.request.user)


# ---- sources and excerpts ------------------------------------------------------------------


@document(
    "source",
    "sources",
    s.SourceDetailSerializer,
    writable=False,
    list_serializer=s.SourceSerializer,
)
class SourceViewSet(ApiViewSet):
    """Sources are read-only here: briefs are imported with `manage.py import_source`."""

    model = Source
    http_method_names = READ_METHODS

    def get_serializer_class(self):
        return s.SourceDetailSerializer if self.action == "retrieve" else s.SourceSerializer

    def visible(self):
        queryset = sources_visible_to(self.request.user).annotate(text_length=Length("text"))
        return queryset if self.action == "retrieve" else queryset.defer("text", "furniture")


@document(
    "excerpt",
    "excerpts",
    s.ExcerptSerializer,
    request=s.ExcerptCreateSerializer,
    update_request=s.ExcerptUpdateSerializer,
    web_annotations=True,
)
class ExcerptViewSet(WebAnnotationMixin, TrackedWriteMixin, ApiViewSet):
    model = Excerpt
    read_serializer_class = s.ExcerptSerializer
    http_method_names = WRITE_METHODS
    jsonld_label = "Contours excerpts"

    def present(self, obj) -> dict:
        return wa.excerpt_annotation(self.request, obj)

    def jsonld_queryset(self, queryset):
        return queryset.select_related("created_by__organisation")

    def get_serializer_class(self):
        if self.action == "create":
            return s.ExcerptCreateSerializer
        if self.action in ("update", "partial_update"):
            return s.ExcerptUpdateSerializer
        return s.ExcerptSerializer

    def visible(self):
        return excerpts_visible_to(self.request.user).prefetch_related("source")

    def service_create(self, data: dict, basis=None):
        source = data["source"]
        if not sources_visible_to(self.request.user).filter(pk=source.pk).exists():
            raise s.serializers.ValidationError({"source": ["No such source."]})
        common = {"source": source, "user": self.request.user, "note": data.get("note", "")}
        if "start" in data:
            return excerpt_create(
                start=data["start"],
                end=data["end"],
                exact=data.get("exact"),
                prefix=data.get("prefix"),
                suffix=data.get("suffix"),
                **common,
            )
        return excerpt_create_from_quote(
            exact=data["exact"],
            prefix=data.get("prefix", ""),
            suffix=data.get("suffix", ""),
            **common,
        )


# ---- records -------------------------------------------------------------------------------


def search_columns(model) -> list[str]:
    """The model's stored search text (cooperation/models/search.py): for search only."""
    names = {field.name for field in model._meta.concrete_fields}
    return [column for column in STORED_COLUMNS.values() if column in names]


def _evidence():
    # With the record's spine row selected alongside (`select_related("spine")`).
    return Prefetch(
        "spine__evidence_links",
        queryset=RecordEvidence.objects.select_related("excerpt").prefetch_related(
            "excerpt__source"
        ),
    )


class ClaimsMixin:
    """A record's claims (docs/partner-guide.md, "Claims: when sources disagree"):
    `GET …/{id}/claims/` lists them, `POST …/{id}/claims/` adds one ({field, value, basis,
    rank}), `POST …/{id}/claims/{claim_id}/rank/` ranks one. Writes as any record write:
    ApiAccess refuses read-only tokens and partners; the services check `edit`."""

    def record_claims(self, record) -> list[dict]:
        from cooperation.api.provenance import read_claims

        readable = s.readable_sources(self.request)
        return read_claims([record.spine_id], readable_sources=readable).get(record.spine_id, [])

    def claim_document(self, record, pk: int) -> dict:
        return next(c for c in self.record_claims(record) if c["id"] == pk)

    @extend_schema(
        methods=["GET"],
        summary="Every claim of the record's factual fields, with rank and basis",
        responses={200: {"type": "array", "items": s.CLAIM_SCHEMA}, **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a claim: what a source says about one of the record's facts",
        description="Kept beside the record's value: agreeing, it stands beside the preferred "
        "claim; disagreeing, the field becomes a disagreement (no claim preferred) until "
        "someone ranks the claims. On an empty field it becomes the value. `rank` ranks it at "
        "once. Staff with a write-enabled token; answers with the claim (201).",
        request=s.ClaimCreateSerializer,
        responses={201: s.CLAIM_SCHEMA, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="claims")
    def claims(self, request, *args, **kwargs):
        from cooperation.services.claims import claim_add, claim_set_rank

        if request.method == "GET":
            return Response(self.record_claims(self.get_object()))
        serializer = s.ClaimCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        record = self.get_object()
        data = serializer.validated_data
        claim = claim_add(
            user=request.user,
            record=record,
            field=data["field"],
            value=data["value"],
            basis=data["basis"],
        )
        if data.get("rank") and data["rank"] != claim.rank:
            claim = claim_set_rank(user=request.user, claim=claim, rank=data["rank"])
        return Response(self.claim_document(record, claim.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rank a claim: preferred (the record shows its value), normal or deprecated",
        description="Preferring a claim writes its value to the record (a new version); the "
        "claim the record shows can't be deprecated until another is preferred (400).",
        request=s.ClaimRankSerializer,
        responses={200: s.CLAIM_SCHEMA, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"claims/(?P<claim_id>[0-9]{1,18})/rank",
        url_name="claim-rank",
    )
    def rank_claim(self, request, *args, claim_id=None, **kwargs):
        from cooperation.services.claims import claim_set_rank

        serializer = s.ClaimRankSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.get_object()
        claim = Claim.objects.filter(pk=claim_id, spine_id=record.spine_id).first()
        if claim is None:
            raise exceptions.NotFound("This record has no such claim.")
        rank = serializer.validated_data["rank"]
        claim = claim_set_rank(user=request.user, claim=claim, rank=rank)
        return Response(self.claim_document(record, claim.pk))


class RecordViewSet(ClaimsMixin, IdentifiersMixin, TrackedWriteMixin, ApiViewSet):
    http_method_names = WRITE_METHODS
    # Links to other records are narrowed to what the reader may see.
    record_links: dict[str, type] = {}
    select: tuple[str, ...] = ()

    def visible(self):
        user = self.request.user
        queryset = records_visible_to(user, self.model)
        select = self.select
        if self.action == "list":
            select = joined(select, self.get_serializer_class())
        if select:
            queryset = queryset.select_related(*select)
        if self.action == "list":
            # The list builds its documents from the page's rows (record_rows), which read
            # the spine's id only: joining the spine row would be done for every match a
            # search ranks, not only the page's (at 100,000 records, 8,700 rows for a
            # common word, a quarter of the search's time).
            return queryset
        queryset = queryset.select_related("spine")
        if self.action == "json_export":
            # The JSON export prefetches what it writes itself: the records alone.
            return queryset
        prefetches = [
            "actors",
            "topics",
            "tags",
            "spine__identifiers",
            _evidence(),
            *(
                Prefetch(name, queryset=records_visible_to(user, model))
                for name, model in self.record_links.items()
            ),
            *self.extra_prefetches(),
        ]
        return queryset.prefetch_related(*prefetches)

    def extra_prefetches(self):
        return []

    def retrieve(self, request, *args, **kwargs):
        """One record in one statement on PostgreSQL: the list's read path (record_rows) for
        a page of one, with the stamps Last-Modified needs in the same statement.
        tests/api/test_record_rows.py proves the document equal to the serializer's, which
        writes answer with, so a GET's ETag holds for the next write's If-Match."""
        serializer_class = self.get_serializer_class()
        obj = self.detail_row(serializer_class)
        self.check_object_permissions(request, obj)
        (data,) = record_rows(serializer_class=serializer_class, rows=[obj], request=request)
        return self.detail_response(obj, representation=(data, etag_for(obj, data)))

    def detail_queryset(self, serializer_class):
        """The detail's statement: the record with everything it shows, and its stamps."""
        queryset = records_visible_to(self.request.user, self.model)
        select = joined(self.select, serializer_class)
        if select:
            queryset = queryset.select_related(*select)
        queryset = with_related(queryset, serializer_class=serializer_class, user=self.request.user)
        # The search columns are for search only: no document shows them.
        return queryset.annotate(**self.stamps()).defer(*search_columns(self.model))

    def statement_key(self, what: str, serializer_class, user) -> tuple:
        """What a kept statement's SQL depends on (portal/statements.py): the view, the kind
        of reader (internal, or published only), the database and the model."""
        return (
            what,
            type(self),
            serializer_class,
            sees_internal(user),
            portal(user, "read_published"),
            router.db_for_read(self.model),
            self.model,
        )

    def detail_row(self, serializer_class):
        """The record the URL names, as the reader may see it, or 404.

        The statement is compiled once per kind of reader (portal/statements.py): what it
        selects depends only on the view, whether the reader sees internal records or
        published ones, the database and the model; the id is its one value.
        """
        user = self.request.user
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None
        key = self.statement_key("detail", serializer_class, user)
        statement = statements.frozen(
            key,
            lambda: self.detail_queryset(serializer_class).filter(pk=statements.PK),
            {"pk": statements.PK},
        )
        if statement is None:  # a reader who may read none of them
            return get_object_or_404(self.detail_queryset(serializer_class), pk=pk)
        rows = statement.rows(pk=pk)
        if not rows:
            raise Http404
        return rows[0]

    # What shows beside a record but keeps its own rows, each stamped: (stamp, model).
    _SIDE_STAMPS = (
        ("evidence_stamp", RecordEvidence),
        ("identifier_stamp", Identifier),
        ("claim_stamp", Claim),
    )

    def stamps(self) -> dict:
        """When the parts shown beside the record's row last changed, as subqueries (a claim
        added or ranked beside a value changes `claims` and `provenance`)."""
        return {
            name: Subquery(
                model.all_objects.filter(spine_id=OuterRef("spine_id"))
                .order_by("-updated_at")
                .values("updated_at")[:1]
            )
            for name, model in self._SIDE_STAMPS
        }

    def last_modified(self, obj):
        # Evidence, identifiers and claims show with the record, but attaching or detaching
        # them leaves the record's row alone; their own stamps (trashed rows too) say when it
        # changed: read with the record (stamps()) or, for a row read without them, asked.
        stamps = [obj.updated_at]
        for name, model in self._SIDE_STAMPS:
            if hasattr(obj, name):
                stamps.append(getattr(obj, name))
            else:
                latest = model.all_objects.filter(spine_id=obj.spine_id).aggregate(
                    latest=Max("updated_at")
                )
                stamps.append(latest["latest"])
        if self.model is Recommendation:
            if hasattr(obj, "status_stamp"):
                stamps += [obj.status_stamp, obj.response_stamp]
            else:
                stamps.extend(change.changed_at for change in obj.status_changes.all())
                stamps.extend(response.recorded_at for response in obj.responses.all())
        return max(stamp for stamp in stamps if stamp is not None)

    def update(self, request, *args, partial=False, **kwargs):
        before = self.get_object_to_write().visibility
        response = super().update(request, *args, partial=partial, **kwargs)
        if visibility_action(before, response.data.get("visibility")) == "publish":
            warning = publish_warning(self.model.all_objects.get(pk=response.data["id"]))
            if warning:
                # The curator learns, in the answer to the publishing write itself, what
                # partners will not be shown.
                response.data["warnings"] = [warning]
        return response

    def list(self, request, *args, **kwargs):
        serializer_class = self.get_serializer_class()

        def build():
            queryset = with_related(
                self.filter_queryset(self.get_queryset()),
                serializer_class=serializer_class,
                user=request.user,
            )
            return queryset.defer(*search_columns(self.model))

        asked = set(request.query_params)
        paging = {self.paginator.page_size_query_param}
        cursor = self.paginator.cursor_query_param
        if asked <= paging | {cursor}:
            # A page with no filter: its statement depends on nothing else than what the key
            # names (and the page size), so it is compiled once; a later page's with the
            # cursor's values as placeholders.
            key = self.statement_key("list", serializer_class, request.user)
            if cursor in asked:
                page = self.paginator.paginate_after_cursor(request, build, key)
            else:
                page = self.paginator.paginate_first_page(request, build, key)
        else:
            page = self.paginate_queryset(build())
        rows = record_rows(serializer_class=serializer_class, rows=page, request=request)
        return self.get_paginated_response(rows)

    @extend_schema(
        summary="Export records as JSON, with evidence, timelines and sources",
        description="Every record you may read, with the list's filters, search and order, as "
        "one JSON document (`format: contours-export`, `version: 1`): each record with its "
        "evidence, a recommendation's status timeline and addressee responses, then the "
        "excerpts, sources (with their text), actors and topics they cite. Streamed. Partners "
        "get published records only, evidence quoting published sources only, and people by "
        "name. `manage.py import_records` reads it back (docs/api.md#the-json-export).",
        filters=True,
        responses={(200, "application/json"): OpenApiResponse(JSON_EXPORT_SCHEMA), **READ_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="json-export", renderer_classes=[JSONRenderer])
    def json_export(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        return exchange_export.response(request.user, [queryset], f"{name}.json")


@document("agreement", "agreements", s.AgreementSerializer)
class AgreementViewSet(RecordViewSet):
    model = Agreement
    serializer_class = s.AgreementSerializer
    record_links = {"amends": Agreement, "supersedes": Agreement}

    def extra_prefetches(self):
        return ["parties"]


@document("deal", "deals", s.DealSerializer)
class DealViewSet(RecordViewSet):
    model = Deal
    serializer_class = s.DealSerializer
    record_links = {"governed_by": Agreement}
    select = ("supplier", "recipient")


@document("challenge", "challenges", s.ChallengeSerializer)
class ChallengeViewSet(RecordViewSet):
    model = Challenge
    serializer_class = s.ChallengeSerializer
    record_links = {"affects_deals": Deal, "affects_agreements": Agreement}


@document("recommendation", "recommendations", s.RecommendationSerializer)
class RecommendationViewSet(RecordViewSet):
    model = Recommendation
    serializer_class = s.RecommendationSerializer
    record_links = {"addresses": Challenge}
    select = ("owner__organisation",)

    def stamps(self) -> dict:
        changes = RecommendationStatusChange.objects.filter(recommendation=OuterRef("pk"))
        answers = RecommendationResponse.objects.filter(recommendation=OuterRef("pk"))
        return {
            **super().stamps(),
            "status_stamp": Subquery(changes.order_by("-changed_at").values("changed_at")[:1]),
            "response_stamp": Subquery(answers.order_by("-recorded_at").values("recorded_at")[:1]),
        }

    def extra_prefetches(self):
        return [
            "addressed_to",
            Prefetch(
                "status_changes",
                queryset=RecommendationStatusChange.objects.select_related("changed_by").order_by(
                    "changed_at", "id"
                ),
            ),
            Prefetch(
                "responses",
                queryset=RecommendationResponse.objects.select_related("recorded_by").order_by(
                    "responded_on", "id"
                ),
            ),
        ]

    def service_create(self, data: dict, basis=None):
        return recommendation_create(user=self.request.user, data=data, basis=basis)

    @extend_schema(
        summary="Move a recommendation's status (curators) or propose the move (analysts)",
        description=(
            "Curators move the status along the allowed transitions (201, the new timeline "
            "row). Analysts, who may not move it, get a proposal for a curator to decide "
            "(202). Partners are refused (403). An optional If-Match is checked like an edit."
        ),
        request=s.TransitionSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Optional: refuse (412) unless the recommendation is still at "
                "this version.",
            )
        ],
        responses={
            201: s.StatusChangeSerializer,
            202: s.StatusProposalSerializer,
            **{k: v for k, v in CONDITIONAL_ERRORS.items() if k != 428},
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        recommendation = self.get_object()
        version = self.current_version(recommendation, required=False)
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        move = {
            "recommendation": recommendation,
            "to_status": data["to"],
            "user": request.user,
            "note": data["note"],
            "evidence_excerpt": data.get("evidence_excerpt"),
            "evidence_url": data.get("evidence_url", ""),
        }
        # Only a move happens on a date: a proposal is dated when a curator approves it.
        move_on = {"happened_on": data["happened_on"]} if data.get("happened_on") else {}
        if may(request.user, "transition", recommendation):
            change = recommendation_transition(**move, **move_on, expected_version=version)
            return Response(s.StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)
        proposal = status_proposal_create(**move, expected_version=version)
        return Response(s.StatusProposalSerializer(proposal).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="A recommendation's status timeline and saved versions",
        description="Every status change (all readers) and every saved version (staff only: "
        "earlier versions may hold unpublished drafts).",
        responses={200: s.RecommendationHistorySerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        recommendation = self.get_object()
        changes = recommendation.status_changes.select_related("changed_by").order_by(
            "changed_at", "id"
        )
        versions = []
        if sees_internal(request.user):
            # Earlier versions may hold unpublished drafts: internal readers only.
            versions = recommendation.history.select_related("history_user").order_by("-history_id")
        context = self.get_serializer_context()
        data = {
            "status_changes": s.StatusChangeSerializer(changes, many=True, context=context).data,
            "versions": s.HistoryEntrySerializer(versions, many=True, context=context).data,
        }
        return Response(data)


# ---- annotations ---------------------------------------------------------------------------

_TARGET_MODELS = {
    "agreement": Agreement,
    "deal": Deal,
    "challenge": Challenge,
    "recommendation": Recommendation,
}


@document(
    "note",
    "notes (annotations)",
    s.AnnotationSerializer,
    request=s.AnnotationCreateSerializer,
    update_request=s.AnnotationUpdateSerializer,
    web_annotations=True,
)
class AnnotationViewSet(WebAnnotationMixin, ApiViewSet):
    """Notes. Partners read notes marked for partners on what they can see, and with a
    write-enabled token post such notes; staff read all but others' private notes."""

    model = Annotation
    serializer_class = s.AnnotationSerializer
    http_method_names = WRITE_METHODS
    partner_may_create = True
    jsonld_label = "Contours notes"

    def present(self, obj) -> dict:
        return wa.note_annotation(self.request, obj)

    def jsonld_queryset(self, queryset):
        return queryset.select_related("excerpt")

    def visible(self):
        queryset = Annotation.objects.select_related(
            "author__organisation", "spine"
        ).prefetch_related("shared_with", "tags")
        return api_annotations_visible_to(self.request.user, queryset)

    def _target(self, data):
        user = self.request.user
        if "parent" in data:
            return {
                "parent": get_object_or_404(api_annotations_visible_to(user), pk=data["parent"])
            }
        kind, pk = data["target_type"], data["target_id"]
        if kind == "excerpt":
            return {"excerpt": get_object_or_404(excerpts_visible_to(user), pk=pk)}
        return {"record": get_object_or_404(records_visible_to(user, _TARGET_MODELS[kind]), pk=pk)}

    def create(self, request, *args, **kwargs):
        serializer = s.AnnotationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        note = {"author": request.user, "body": data["body"], "motivation": data["motivation"]}
        note.update(self._target(data))
        # Staff and partners alike: the service gives each author's note its audience.
        created = annotation_create(
            **note, visibility=data.get("visibility"), token=request_token(request)
        )
        obj = self.reload(created)
        return self.detail_response(
            obj,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": s.api_url(request, "annotation", obj.pk)},
        )

    def update(self, request, *args, partial=False, **kwargs):
        note = self.get_object()
        version = self.current_version(note)
        serializer = s.AnnotationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial and "body" not in data:
            raise s.serializers.ValidationError({"body": ["This field is required."]})
        resolved = data.pop("resolved", None)
        note = annotation_edit(
            annotation=note, user=request.user, expected_version=version, resolved=resolved, **data
        )
        return self.detail_response(self.reload(note))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        note = self.get_object()
        version = self.current_version(note)
        annotation_delete(annotation=note, user=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)
