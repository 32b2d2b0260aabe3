"""How each resource reads and what a write may send.

Links to other resources are typed: `{"id", "slug", "name", "url"}` when read,
the slug when written. Serializers only validate and shape data; the viewsets
hand validated data to the services.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.models import ApiToken
from cooperation import party_dates, precise_dates
from cooperation.api.provenance import STAFF_LABEL  # who a nameless person is (defined once)
from cooperation.choices import (
    AnnotationMotivation,
    AnnotationVisibility,
    ClaimRank,
    DatePrecision,
    GaoStatus,
    IdentifierScheme,
    RecommendationStatus,
    ResponseClassification,
    allowed_transitions,
    gao_status,
)
from cooperation.fieldspec import SPECS
from cooperation.filtersets import MAX_ID
from cooperation.models import (
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    StatusProposal,
    Tag,
    Topic,
)
from cooperation.permissions import (
    NOTE_ACTIONS,
    SOURCE_ACTIONS,
    note_actions,
    record_actions,
    sees_internal,
    source_actions,
)
from cooperation.selectors import excerpts_visible_to, internal_users, sources_visible_to
from cooperation.slugs import SLUG_MAX, unique_slug


def display_name(user) -> str | None:
    """A person's name as the API shows it: their name, else their organisation's, else the
    team's — never their email address nor their id."""
    if user is None:
        return None
    if user.full_name:
        return user.full_name
    return user.organisation.name if user.organisation_id else STAFF_LABEL


def request_token(request) -> ApiToken | None:
    """The API token the request came with; None for a session."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def viewer_is_internal(context) -> bool:
    """Whether the request's user is staff, asked once per request (serializers run per row)."""
    request = context.get("request")
    if request is None:
        return False
    if not hasattr(request, "_contours_internal"):
        request._contours_internal = sees_internal(request.user)
    return request._contours_internal


def _visible_source_ids(request) -> set[int]:
    if not hasattr(request, "_contours_sources"):
        request._contours_sources = set(
            sources_visible_to(request.user).values_list("pk", flat=True)
        )
    return request._contours_sources


def readable_sources(request):
    """For a reader outside staff, a callable giving the source ids whose excerpts they may
    see (as `evidence`); None for staff, who see every excerpt."""
    if request is None:
        return set()
    if sees_internal(request.user):
        return None
    return lambda: _visible_source_ids(request)


def _excerpt_visible(request, excerpt_id: int) -> bool:
    # One query a request, whatever the page: the visible excerpts that status changes and
    # responses cite.
    if not hasattr(request, "_contours_cited_excerpts"):
        moves = RecommendationStatusChange.objects.values("evidence_excerpt_id")
        answers = RecommendationResponse.objects.values("evidence_excerpt_id")
        request._contours_cited_excerpts = set(
            excerpts_visible_to(request.user)
            .filter(Q(pk__in=moves) | Q(pk__in=answers))
            .values_list("pk", flat=True)
        )
    return excerpt_id in request._contours_cited_excerpts


def _without_any_evidence(document: dict) -> dict:
    if "evidence" in document:
        document["evidence"] = []
    for change in [*(document.get("status_history") or ()), *(document.get("responses") or ())]:
        change["evidence_excerpt"] = None
    if "evidence_excerpt" in document:
        document["evidence_excerpt"] = None
    return document


def withhold_unpublished_sources(document: dict, context) -> dict:
    """Partners learn nothing of a source that is not published (docs/partner-guide.md):
    a published record shows them only evidence quoting published sources, and a status
    change citing another excerpt shows no excerpt id."""
    if viewer_is_internal(context):
        return document
    request = context.get("request")
    if request is None:
        return _without_any_evidence(document)  # no reader known: fail closed
    if "evidence" in document:
        visible = _visible_source_ids(request)  # asked even for none: one query a page
        document["evidence"] = [e for e in document["evidence"] if e["source"] in visible]
    for timeline in ("status_history", "responses"):
        changes = document.get(timeline) or ()
        for change in changes if isinstance(changes, list) else ():
            excerpt = change.get("evidence_excerpt")
            if excerpt is not None and not _excerpt_visible(request, excerpt):
                change["evidence_excerpt"] = None
    excerpt = document.get("evidence_excerpt")
    if excerpt is not None and not _excerpt_visible(request, excerpt):
        document["evidence_excerpt"] = None
    return document


def api_url(request, basename: str, pk) -> str:
    return reverse(f"api:{basename}-detail", kwargs={"pk": pk}, request=request)


class LinkField(serializers.SlugRelatedField):
    """A typed link: read as {id, slug, name, url}, written as the slug."""

    def __init__(self, basename: str, **kwargs):
        self.basename = basename
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return {
            "id": obj.pk,
            "slug": obj.slug,
            "name": str(obj),
            "url": api_url(self.context.get("request"), self.basename, obj.pk),
        }


MAX_OFFSET = 2**31 - 1


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by id, where the id must be a whole number a bigint can hold.

    DRF's own field hands the raw value to the ORM, which turns 1.5 into 1 (another row
    than the client meant) and fails on 10**30 (a 500 on SQLite): both are bad input.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("pk_field", serializers.IntegerField(min_value=1, max_value=MAX_ID))
        super().__init__(**kwargs)


def _links(basename: str, queryset, **kwargs):
    return LinkField(basename, many=True, queryset=queryset, required=False, **kwargs)


class TrackedSerializer(serializers.ModelSerializer):
    """id, API url, version and timestamps, on every tracked resource."""

    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    tracked_fields = ["id", "url", "version", "created_at", "updated_at"]

    def validate_slug(self, value):
        # The slug is unique across the trash too (a trashed record can be restored).
        model = self.Meta.model
        taken = model.all_objects.filter(slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("This slug is already taken.")
        return value


class WebUrlMixin(serializers.Serializer):
    web_url = serializers.SerializerMethodField(help_text="The record's page in the portal.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, obj) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


# ---- taxonomy ------------------------------------------------------------------------------


class IdentifierSerializer(serializers.Serializer):
    """An external identifier: its scheme, value and where it leads (cooperation/identifiers.py)."""

    scheme = serializers.ChoiceField(
        choices=IdentifierScheme.choices, help_text="wikidata, unts, sipri or other."
    )
    value = serializers.CharField(max_length=100, help_text="e.g. Q668 (wikidata), I:33521 (unts).")
    url = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Where it leads. Written only for “other” (an http(s) URL); derived otherwise.",
    )

    def to_representation(self, instance):
        return instance.as_dict()


class ActorSerializer(TrackedSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:actor-detail")
    identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta:
        model = Actor
        fields = [
            *TrackedSerializer.tracked_fields,
            "slug",
            "name",
            "kind",
            "description",
            "identifiers",
        ]


class TagSerializer(TrackedSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:tag-detail")

    class Meta:
        model = Tag
        fields = [*TrackedSerializer.tracked_fields, "slug", "name"]


class TopicSerializer(TrackedSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:topic-detail")

    class Meta:
        model = Topic
        fields = [*TrackedSerializer.tracked_fields, "slug", "name", "description"]


# ---- sources and excerpts ------------------------------------------------------------------


class SourceSerializer(WebUrlMixin, TrackedSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail")
    length = serializers.SerializerMethodField(help_text="Characters in the stored text.")
    actions = serializers.SerializerMethodField(
        help_text="What the caller may do to this source now, from the one permission table "
        "(cooperation/permissions.py): excerpt (quote it), edit, delete, publish, unpublish. "
        "Empty for partners and read-only tokens."
    )

    class Meta:
        model = Source
        fields = [
            *TrackedSerializer.tracked_fields,
            "web_url",
            "title",
            "publisher",
            "authors",
            "reference_code",
            "published_on",
            "format",
            "sha256",
            "visibility",
            "original_filename",
            "length",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(SOURCE_ACTIONS)))
    def get_actions(self, source) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return source_actions(request.user, source, token=request_token(request))

    def get_length(self, source) -> int:
        # Lists annotate the length in SQL and leave the (large) text unread.
        length = getattr(source, "text_length", None)
        return length if length is not None else len(source.text)


class SourceDetailSerializer(SourceSerializer):
    """A source with its full text and the page-furniture spans found in it."""

    furniture = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        read_only=True,
        help_text="[start, end) spans of running headers and page numbers in `text`.",
    )

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "text", "furniture"]
        read_only_fields = fields


class SourceLinkSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail")

    class Meta:
        model = Source
        fields = ["id", "url", "title", "reference_code"]
        read_only_fields = fields


class ExcerptSerializer(WebUrlMixin, TrackedSerializer):
    """W3C Web Annotation selectors: position (start, end) and quote (exact, prefix, suffix)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:excerpt-detail")
    source = SourceLinkSerializer(read_only=True)
    quote = serializers.CharField(
        source="display_quote", read_only=True, help_text="The quote as a person reads it."
    )
    fragment = serializers.CharField(source="url_fragment", read_only=True)

    class Meta:
        model = Excerpt
        fields = [
            *TrackedSerializer.tracked_fields,
            "web_url",
            "source",
            "start",
            "end",
            "exact",
            "prefix",
            "suffix",
            "quote",
            "fragment",
            "note",
        ]
        read_only_fields = ["start", "end", "exact", "prefix", "suffix"]


class ExcerptCreateSerializer(serializers.Serializer):
    """Either a position (start, end) or a quote (exact, with prefix/suffix to disambiguate)."""

    source = IdField(queryset=Source.objects.all())
    # Offsets are stored in PositiveIntegerField columns: anything larger is no offset.
    start = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)
    end = serializers.IntegerField(min_value=1, max_value=MAX_OFFSET, required=False)
    exact = serializers.CharField(required=False, trim_whitespace=False, max_length=100_000)
    prefix = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    suffix = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        has_position = "start" in attrs or "end" in attrs
        if has_position and not ("start" in attrs and "end" in attrs):
            raise serializers.ValidationError({"end": ["Give both start and end."]})
        if not has_position and not attrs.get("exact"):
            raise serializers.ValidationError(
                {"exact": ["Give start and end, or the exact quote to find."]}
            )
        return attrs


class ExcerptUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Excerpt
        fields = ["note"]


class EvidenceSerializer(serializers.ModelSerializer):
    """One excerpt that supports a record, with where it is and how it reads."""

    excerpt = serializers.IntegerField(source="excerpt_id", read_only=True)
    url = serializers.SerializerMethodField()
    source = serializers.IntegerField(source="excerpt.source_id", read_only=True)
    start = serializers.IntegerField(source="excerpt.start", read_only=True)
    end = serializers.IntegerField(source="excerpt.end", read_only=True)
    exact = serializers.CharField(source="excerpt.exact", read_only=True)
    quote = serializers.CharField(source="excerpt.display_quote", read_only=True)

    class Meta:
        model = RecordEvidence
        fields = ["excerpt", "url", "source", "start", "end", "exact", "quote", "note"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link) -> str:
        return api_url(self.context.get("request"), "excerpt", link.excerpt_id)


# ---- records -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
        "example": "2015-12",
        "description": "ISO 8601 at the precision the evidence gives: a year (2015), a month "
        "(2015-12) or a day (2015-12-12). Written the same way; `<name>_precision` says which.",
    }
)
class PreciseDateField(serializers.Field):
    """A date and its `<name>_precision` sibling, read and written as `2015`, `2015-12` or
    `2015-12-12` (cooperation/precise_dates.py)."""

    reads_instance = True  # record_rows hands it the row, not one attribute

    def __init__(self, date_name: str, **kwargs):
        self.date_name = date_name
        self.precision_name = precise_dates.precision_name(date_name)
        kwargs["source"] = "*"
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return False, data  # null clears the date: to_internal_value says so
        return super().validate_empty_values(data)

    def to_representation(self, instance):
        return precise_dates.iso(
            getattr(instance, self.date_name), getattr(instance, self.precision_name)
        )

    def to_internal_value(self, data):
        if data is None or data == "":
            return {self.date_name: None, self.precision_name: ""}
        if not isinstance(data, str):
            raise serializers.ValidationError(precise_dates.FORMAT_HELP)
        try:
            day, precision = precise_dates.parse(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        current = getattr(self.parent.instance, self.precision_name, "")
        stored = precise_dates.as_stored(precision, current)
        return {self.date_name: day, self.precision_name: stored}


# ---- where a value comes from ---------------------------------------------------------------

_CITATION_LIMITS = {"title": 300, "publisher": 200, "url": 500}
EXCERPTS_MAX = 50

BASIS_SCHEMA = {
    "type": "object",
    "description": "Where the factual values this write changes come from (write-only): the "
    "brief's excerpts, a public record, or your judgement with a one-line reason. Needed "
    "whenever a write changes a factual value (docs/partner-guide.md#provenance-where-each-"
    "value-comes-from); each changed value gets a claim with this basis.",
    "oneOf": [
        {
            "type": "object",
            "title": "Brief",
            "properties": {
                "basis": {"type": "string", "enum": ["brief"]},
                "excerpts": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 1,
                    "maxItems": EXCERPTS_MAX,
                    "description": "Ids of excerpts you may cite.",
                },
            },
            "required": ["basis", "excerpts"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "Public record",
            "properties": {
                "basis": {"type": "string", "enum": ["public_record"]},
                "citation": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string", "maxLength": 300, "minLength": 1},
                        "publisher": {"type": "string", "maxLength": 200},
                        "url": {"type": "string", "format": "uri", "maxLength": 500},
                        "accessed": {"type": "string", "format": "date"},
                    },
                    "required": ["title"],
                    "additionalProperties": False,
                },
            },
            "required": ["basis", "citation"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "Judgement",
            "properties": {
                "basis": {"type": "string", "enum": ["judgement"]},
                "reason": {"type": "string", "minLength": 1, "maxLength": 300},
            },
            "required": ["basis", "reason"],
            "additionalProperties": False,
        },
    ],
}


CITATION_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "The public record a value was checked against (basis public_record).",
    "properties": {
        "title": {"type": "string"},
        "publisher": {"type": "string"},
        "url": {"type": "string"},
        "accessed": {"type": "string", "format": "date", "nullable": True},
    },
}
CLAIM_PROPERTIES = {
    "id": {"type": "integer", "description": "The claim's id (claims/<id>/rank/)."},
    "value": {
        "description": "The value as the record's field is written (a date at its "
        "precision, links as ids)."
    },
    "rank": {"type": "string", "enum": ["preferred", "normal", "deprecated"]},
    "basis": {"type": "string", "enum": ["brief", "public_record", "judgement"]},
    "excerpts": {"type": "array", "items": {"type": "integer"}},
    "citation": CITATION_SCHEMA,
    "reason": {"type": "string", "description": "A judgement's one-line reason."},
    "author": {"type": "string", "nullable": True, "description": "Who recorded it."},
    "created": {"type": "string", "format": "date-time", "description": "When."},
}
CLAIM_SCHEMA = {
    "type": "object",
    "properties": {"field": {"type": "string"}, **CLAIM_PROPERTIES},
    "required": [
        "id",
        "field",
        "value",
        "rank",
        "basis",
        "excerpts",
        "citation",
        "reason",
        "author",
        "created",
    ],
}
PROVENANCE_SCHEMA = {
    "type": "object",
    "description": "Field name → the claim behind the value the record shows.",
    "additionalProperties": {
        "type": "object",
        "properties": {
            **CLAIM_PROPERTIES,
            "disputed": {
                "type": "boolean",
                "description": "The field's claims disagree and none is preferred yet.",
            },
            "claims": {"type": "integer", "description": "How many claims the field holds."},
        },
    },
}


@extend_schema_field(BASIS_SCHEMA)
class BasisField(serializers.Field):
    """The write-only `basis` object (cooperation/provenance.py Basis.parse), checked whole
    here so a malformed one is a 400 naming `basis`: its shape, the lengths the claim's
    columns hold, and excerpts that exist and that the caller may cite."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):  # write-only: never shown
        return None

    def to_internal_value(self, data):
        from cooperation.permissions import may
        from cooperation.provenance import Basis

        try:
            basis = Basis.parse(data, where="basis")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["basis"]) from None
        problems = basis.problems()
        if problems:
            raise serializers.ValidationError(problems)
        citation = data.get("citation") or {}
        for key, limit in _CITATION_LIMITS.items():
            if len(citation.get(key) or "") > limit:
                raise serializers.ValidationError(
                    f"The citation's `{key}` is at most {limit} characters."
                )
        if basis.citation_url:
            try:
                serializers.URLField().run_validation(basis.citation_url)
            except serializers.ValidationError:
                raise serializers.ValidationError("The citation's `url` is a URL.") from None
        ids = set(basis.excerpt_ids)
        if len(ids) > EXCERPTS_MAX:
            raise serializers.ValidationError(f"Name at most {EXCERPTS_MAX} excerpts.")
        if any(pk <= 0 or pk > MAX_ID for pk in ids):
            raise serializers.ValidationError("There is no excerpt with that id.")
        if ids:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            visible = excerpts_visible_to(user) if user is not None else Excerpt.objects.all()
            found = list(visible.filter(pk__in=ids).select_related("source"))
            if len(found) != len(ids):
                raise serializers.ValidationError("There is no excerpt with that id.")
            if user is not None and not all(may(user, "cite", e.source) for e in found):
                raise serializers.ValidationError("You may not cite this source.")
        return basis


class RecordSerializer(WebUrlMixin, TrackedSerializer):
    slug = serializers.SlugField(
        max_length=SLUG_MAX,
        required=False,
        help_text="The record's address. Made from the title when a new record has none.",
    )
    actors = _links("actor", Actor.objects.all())
    topics = _links("topic", Topic.objects.all())
    tags = _links("tag", Tag.objects.all(), help_text="Tags, written as their slugs.")
    evidence = EvidenceSerializer(source="evidence_links", many=True, read_only=True)
    identifiers = IdentifierSerializer(
        source="spine.identifiers",
        many=True,
        read_only=True,
    )
    actions = serializers.SerializerMethodField(
        help_text="What the caller may do to this record now, from the one permission table "
        "(cooperation/permissions.py): edit, delete, publish, unpublish, and for a "
        "recommendation transition:<status> for each status it may move to. Empty for "
        "partners and read-only tokens."
    )
    warnings = serializers.SerializerMethodField(
        help_text="In the answer to the write that published the record: what partners are "
        "not shown (evidence quoting unpublished sources). Empty otherwise."
    )
    basis = BasisField()
    claims = serializers.SerializerMethodField(
        help_text="Every claim of the record's factual fields, deprecated ones included, by "
        "field and rank: each a value with its basis (docs/partner-guide.md, Claims)."
    )
    provenance = serializers.SerializerMethodField(
        help_text="Where each factual value comes from: field → the claim the record shows "
        "(its basis, excerpts, citation, author, reason and when it was recorded), for the "
        "fields that have a value or whose claims disagree (`disputed`)."
    )

    def to_representation(self, instance):
        return withhold_unpublished_sources(super().to_representation(instance), self.context)

    def build_field(self, field_name, info, model_class, nested_depth):
        if field_name in precise_dates.precise_fields(model_class):
            model_field = model_class._meta.get_field(field_name)
            return PreciseDateField, {
                "date_name": field_name,
                "label": model_field.verbose_name.capitalize(),
            }
        return super().build_field(field_name, info, model_class, nested_depth)

    def get_fields(self):
        # A date's precision is read here and written through the date itself (`2015-12`);
        # blank is a day's, as before precision was kept.
        fields = super().get_fields()
        for name in precise_dates.precise_fields(self.Meta.model):
            precision = precise_dates.precision_name(name)
            if precision in fields:
                fields[precision] = serializers.ChoiceField(
                    choices=DatePrecision.choices, read_only=True, allow_blank=True
                )
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("slug"):
            # As the web form does: a slug from the title, unique across the trash too.
            attrs["slug"] = unique_slug(self.Meta.model, attrs.get("title", ""))
        return attrs

    record_fields = [
        *TrackedSerializer.tracked_fields,
        "web_url",
        "slug",
        "title",
        "summary",
        "visibility",
        "actors",
        "topics",
        "tags",
        "identifiers",
        "evidence",
        "provenance",
        "claims",
        "actions",
        "warnings",
        "basis",
    ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, record) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return record_actions(request.user, record, token=request_token(request))

    def record_claims(self, record) -> list[dict]:
        """The record's claims, read once per serializer context (a CSV chunk fills the
        context's `claims_cache` for its rows at once: csv_export.stream_csv)."""
        from cooperation.api.provenance import read_claims

        cache = self.context.setdefault("claims_cache", {})
        if record.spine_id not in cache:
            request = self.context.get("request")
            found = read_claims([record.spine_id], readable_sources=readable_sources(request))
            cache[record.spine_id] = found.get(record.spine_id, [])
        return cache[record.spine_id]

    @extend_schema_field(PROVENANCE_SCHEMA)
    def get_provenance(self, record) -> dict:
        from cooperation.api.provenance import provenance_from_claims

        return provenance_from_claims(self.record_claims(record))

    @extend_schema_field({"type": "array", "items": CLAIM_SCHEMA})
    def get_claims(self, record) -> list:
        return [dict(claim) for claim in self.record_claims(record)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, record) -> list[str]:
        # Filled in by the write that publishes the record (RecordViewSet.update).
        return []


class PartyDatesEntrySerializer(serializers.Serializer):
    party = serializers.IntegerField(help_text="The party's actor id (one of `parties`).")
    signed_on = serializers.CharField(allow_null=True, help_text="2015, 2015-12 or 2015-12-12.")
    ratified_on = serializers.CharField(allow_null=True, help_text="As `signed_on`.")


@extend_schema_field(PartyDatesEntrySerializer(many=True))
class PartyDatesField(serializers.Field):
    """Each party's signature and ratification dates (cooperation/party_dates.py): read as
    `[{"party": <actor id>, "signed_on": "2015-12", "ratified_on": null}]`, written the same
    way with `party` an actor's id or slug. Only the agreement's parties may have dates."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return [dict(entry) for entry in value or ()]

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("A list of {party, signed_on, ratified_on}.")
        slugs = {
            item["party"]
            for item in data
            if isinstance(item, dict) and isinstance(item.get("party"), str)
        }
        ids = dict(Actor.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        unknown = sorted(slugs - set(ids))
        if unknown:
            raise serializers.ValidationError(f"There is no actor {unknown[0]!r}.")
        entries = [
            {**item, "party": ids[item["party"]]}
            if isinstance(item, dict) and isinstance(item.get("party"), str)
            else item
            for item in data
        ]
        try:
            return party_dates.normalise(entries)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class AgreementSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:agreement-detail")
    parties = _links("actor", Actor.objects.all())
    amends = _links("agreement", Agreement.objects.all())
    supersedes = _links("agreement", Agreement.objects.all())
    party_dates = PartyDatesField(
        label="Each party's signature and ratification",
    )

    class Meta:
        model = Agreement
        fields = [*RecordSerializer.record_fields, *SPECS[Agreement].api_fields()]


class DealSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:deal-detail")
    supplier = LinkField("actor", queryset=Actor.objects.all(), required=False, allow_null=True)
    recipient = LinkField("actor", queryset=Actor.objects.all(), required=False, allow_null=True)
    governed_by = _links("agreement", Agreement.objects.all())

    class Meta:
        model = Deal
        fields = [*RecordSerializer.record_fields, *SPECS[Deal].api_fields()]

    def validate_value_currency(self, value):
        return (value or "").strip().upper()

    def validate(self, attrs):
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"period_end": ["The period must end on or after its start."]}
            )
        return super().validate(attrs)


class ChallengeSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:challenge-detail")
    affects_deals = _links("deal", Deal.objects.all())
    affects_agreements = _links("agreement", Agreement.objects.all())

    class Meta:
        model = Challenge
        fields = [*RecordSerializer.record_fields, *SPECS[Challenge].api_fields()]


# The evidence a status change, or a proposal for one, cites: an excerpt id or a URL.
# (A comment, not a docstring: drf-spectacular would inherit a docstring into the
# subclasses' schema descriptions.)
class _StatusEvidenceSerializer(serializers.ModelSerializer):
    evidence_excerpt = serializers.IntegerField(
        source="evidence_excerpt_id", read_only=True, allow_null=True
    )
    evidence_url = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    def to_representation(self, instance):
        return withhold_unpublished_sources(super().to_representation(instance), self.context)


class StatusChangeSerializer(_StatusEvidenceSerializer):
    from_status = serializers.CharField(
        read_only=True, help_text="Empty on the first row, when the recommendation was made."
    )
    changed_by = serializers.SerializerMethodField()
    happened_on = serializers.SerializerMethodField(
        help_text="When the move happened, at the precision known (2015, 2015-12, 2015-12-12), "
        "when that is not `changed_at`, the moment it was recorded; null otherwise."
    )

    class Meta:
        model = RecommendationStatusChange
        fields = [
            "id",
            "from_status",
            "to_status",
            "changed_at",
            "happened_on",
            "changed_by",
            "note",
            "evidence_excerpt",
            "evidence_url",
        ]
        read_only_fields = fields

    def get_changed_by(self, change) -> str | None:
        return display_name(change.changed_by)

    def get_happened_on(self, change) -> str | None:
        return precise_dates.iso(change.happened_on, change.happened_on_precision)


class StatusProposalSerializer(_StatusEvidenceSerializer):
    proposed_by = serializers.SerializerMethodField()

    class Meta:
        model = StatusProposal
        fields = [
            "id",
            "from_status",
            "to_status",
            "note",
            "evidence_excerpt",
            "evidence_url",
            "proposed_by",
            "proposed_at",
            "state",
        ]
        read_only_fields = fields

    def get_proposed_by(self, proposal) -> str | None:
        return display_name(proposal.proposed_by)


class RecommendationResponseSerializer(_StatusEvidenceSerializer):
    classification = serializers.ChoiceField(
        choices=ResponseClassification.choices,
        read_only=True,
        help_text="How the addressee answered, in action-taken report terms.",
    )
    responded_on = serializers.SerializerMethodField(
        help_text="When the addressee responded, at the precision known (2015, 2015-12, "
        "2015-12-12)."
    )
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationResponse
        fields = [
            "id",
            "classification",
            "responded_on",
            "recorded_at",
            "recorded_by",
            "note",
            "evidence_excerpt",
            "evidence_url",
        ]
        read_only_fields = fields

    def get_responded_on(self, response) -> str:
        return precise_dates.iso(response.responded_on, response.responded_on_precision)

    def get_recorded_by(self, response) -> str | None:
        return display_name(response.recorded_by)


class RecommendationSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:recommendation-detail")
    addressed_to = _links("actor", Actor.objects.all())
    addresses = _links("challenge", Challenge.objects.all(), help_text="Challenges it answers.")
    owner = IdField(queryset=internal_users(), required=False, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=RecommendationStatus.choices, read_only=True)
    gao_status = serializers.SerializerMethodField(
        help_text="The status as GAO reports it: open, closed_implemented (implemented) or "
        "closed_not_implemented (rejected)."
    )
    allowed_transitions = serializers.SerializerMethodField()
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)
    responses = RecommendationResponseSerializer(
        many=True, read_only=True, help_text="The addressee's responses, oldest first."
    )

    class Meta:
        model = Recommendation
        fields = [*RecordSerializer.record_fields, *SPECS[Recommendation].api_fields()]

    def get_owner_name(self, recommendation) -> str | None:
        return display_name(recommendation.owner)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not viewer_is_internal(self.context):
            data["owner"] = None  # partners see who, never a user id
        return data

    @extend_schema_field(serializers.ChoiceField(choices=GaoStatus.choices))
    def get_gao_status(self, recommendation) -> str:
        return gao_status(recommendation.status)

    def get_allowed_transitions(self, recommendation) -> list[str]:
        return allowed_transitions(recommendation.status)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=RecommendationStatus.choices)
    note = serializers.CharField(max_length=10_000)
    evidence_excerpt = IdField(
        queryset=Excerpt.objects.all(),
        required=False,
        allow_null=True,
        help_text="Required (or evidence_url) to close: implemented or rejected.",
    )
    evidence_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    happened_on = serializers.RegexField(
        r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$",
        required=False,
        allow_blank=True,
        help_text="When the move happened, if not now: 2015, 2015-12 or 2015-12-12.",
    )


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    version = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(
        choices=[("+", "created"), ("~", "changed"), ("-", "deleted")]
    )
    history_user = serializers.SerializerMethodField()
    history_change_reason = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    visibility = serializers.CharField()

    def get_history_user(self, row) -> str | None:
        return display_name(row.history_user)


class RecommendationHistorySerializer(serializers.Serializer):
    status_changes = StatusChangeSerializer(many=True)
    versions = HistoryEntrySerializer(
        many=True, help_text="Every saved version (internal users only; empty for partners)."
    )


# ---- annotations ---------------------------------------------------------------------------

TARGET_TYPES = ["agreement", "deal", "challenge", "recommendation", "excerpt"]


class AnnotationTargetSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TARGET_TYPES)
    id = serializers.IntegerField()
    url = serializers.URLField()


class AnnotationSerializer(TrackedSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:annotation-detail")
    target = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    tags = LinkField("tag", many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text="What the caller may do to this note now, from the one permission table "
        "(cooperation/permissions.py): any of reply, edit, delete, resolve, share. A read-only "
        "token, or a partner's password session, may do none of them."
    )

    class Meta:
        model = Annotation
        fields = [
            *TrackedSerializer.tracked_fields,
            "target",
            "parent",
            "author",
            "body",
            "motivation",
            "visibility",
            "resolved",
            "resolved_at",
            "tags",
            "actions",
        ]
        read_only_fields = ["resolved_at"]

    @extend_schema_field(AnnotationTargetSerializer)
    def get_target(self, note) -> dict:
        if note.spine_id:
            kind, pk = note.spine.record_kind, note.spine.kind_id
        else:
            kind, pk = "excerpt", note.excerpt_id
        return {"type": kind, "id": pk, "url": api_url(self.context.get("request"), kind, pk)}

    def get_author(self, note) -> str | None:
        return display_name(note.author)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(NOTE_ACTIONS)))
    def get_actions(self, note) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return note_actions(request.user, note, token=request_token(request))


class AnnotationCreateSerializer(serializers.Serializer):
    """A new note: on a record or excerpt (target_type + target_id), or a reply (parent)."""

    target_type = serializers.ChoiceField(choices=TARGET_TYPES, required=False)
    target_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    parent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    body = serializers.CharField(max_length=20_000)
    motivation = serializers.ChoiceField(
        choices=AnnotationMotivation.choices, default=AnnotationMotivation.COMMENT
    )
    visibility = serializers.ChoiceField(
        choices=AnnotationVisibility.choices,
        required=False,
        help_text="Default: team for staff; partners' notes are always 'partners'.",
    )

    def validate(self, attrs):
        targeted = "target_type" in attrs or "target_id" in attrs
        if targeted and not ("target_type" in attrs and "target_id" in attrs):
            raise serializers.ValidationError(
                {"target_id": ["Give target_type and target_id together."]}
            )
        if targeted == ("parent" in attrs):
            raise serializers.ValidationError(
                {"parent": ["Give either a target (target_type, target_id) or a parent note."]}
            )
        return attrs


class AnnotationUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000, required=False)
    motivation = serializers.ChoiceField(choices=AnnotationMotivation.choices, required=False)
    visibility = serializers.ChoiceField(choices=AnnotationVisibility.choices, required=False)
    resolved = serializers.BooleanField(required=False, help_text="Resolve or reopen the thread.")
    tags = _links(
        "tag",
        Tag.objects.all(),
        help_text="The note's tags, as slugs (replacing those it has): its author's.",
    )


class ClaimCreateSerializer(serializers.Serializer):
    field = serializers.CharField(
        max_length=64, help_text="A factual field of this kind (docs/partner-guide.md)."
    )
    value = serializers.JSONField(
        help_text="The value as the record's field is written: a date at its precision "
        "(`2016`, `2016-03`), a choice's value, a link by id (a list of ids for a "
        "many-valued link)."
    )
    basis = BasisField(required=True, allow_null=False)
    rank = serializers.ChoiceField(
        choices=ClaimRank.choices,
        required=False,
        help_text="Rank it at once (as POST …/claims/<id>/rank/ would); by default it stands "
        "beside the preferred claim (normal), or is preferred on an empty field.",
    )

    def validate_value(self, value):
        # A claim's value is a scalar or a list of ids; anything else is no field's value.
        if isinstance(value, list):
            if not all(
                isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk <= MAX_ID
                for pk in value
            ):
                raise serializers.ValidationError("A list value is a list of ids.")
            return value
        if isinstance(value, dict):
            raise serializers.ValidationError("A value is text, a number, true/false or ids.")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
            raise serializers.ValidationError("This number is too large.")
        if isinstance(value, str) and len(value) > 10_000:
            raise serializers.ValidationError("This value is too long.")
        return value


class ClaimRankSerializer(serializers.Serializer):
    rank = serializers.ChoiceField(choices=ClaimRank.choices)
