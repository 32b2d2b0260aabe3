"""One FilterSet per model: the web lists, the API and the CSV exports all use these.

Every FilterSet takes `q` (full-text search, cooperation.search) and a whitelisted
`ordering`. Without an ordering, a search is ordered by rank and a list by the
model's default; every order ends on the primary key so pages are stable.
"""

from __future__ import annotations

import re
from datetime import datetime

import django_filters
import django_filters.fields
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, FloatField, OuterRef, Q, Subquery, Value
from django.forms.widgets import NullBooleanSelect
from django.utils import timezone
from django.utils.text import capfirst
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cooperation import precise_dates, selectors
from cooperation.choices import (
    CLOSED_RECOMMENDATION_STATUSES,
    ActorKind,
    AgreementKind,
    AgreementStatus,
    AnnotationMotivation,
    AnnotationVisibility,
    ChallengeCategory,
    DealKind,
    DealStatus,
    GaoStatus,
    Priority,
    RecommendationStatus,
    Severity,
    SourceFormat,
    Visibility,
    WeaponCategory,
    gao_status,
)
from cooperation.models import (
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationStatusChange,
    Source,
    Tag,
    Topic,
)
from cooperation.models.ranks import choice_rank
from cooperation.permissions import sees_internal
from cooperation.search import normalise_query, search

# The largest primary key a bigint column holds; a bigger number is bad input, not a query.
MAX_ID = 2**63 - 1


class IdSafeModelMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Refuses ids the database can't compare (e.g. 10**30) as an invalid choice, not a 500."""

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value:
                text = str(pk).strip()
                if not text.isdecimal() or not 0 < int(text) <= MAX_ID:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


def _staff_visible_users(request):
    """People a filter may name by id: staff filter by anyone; partners by no one, so
    `?owner=<id>` answers alike for every id and cannot enumerate accounts."""
    users = get_user_model().objects.all()
    user = getattr(request, "user", None)
    if request is None or user is None:
        return users  # built by server code or for the schema (no one's request)
    if not sees_internal(user):
        return users.none()
    return users


class IdSafeModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = IdSafeModelMultipleChoiceField


_BOOLEANS = {"true": True, "1": True, "2": True, "false": False, "0": False, "3": False}


class StrictBooleanSelect(NullBooleanSelect):
    """The yes/no/either select, handing the field the raw value instead of None for junk."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); empty or "unknown" is no filter; anything else is an error.

    Django's field reads `?resolved=maybe` as "no filter", so a typo returned every row.
    """

    widget = StrictBooleanSelect

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("", "unknown"):
            return None
        if text not in _BOOLEANS:
            raise ValidationError("Expected true or false.", code="invalid")
        return _BOOLEANS[text]


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StableOrderingFilter(django_filters.OrderingFilter):
    """OrderingFilter that breaks ties on the primary key, in the direction of the first key."""

    # Choices whose order means something: sorted low → high, not alphabetically.
    RANKED = {"priority": Priority, "severity": Severity}

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        if not ordering:
            return qs
        ranked = []
        for term in ordering:
            name = term.lstrip("-")
            if name in self.RANKED:
                # An annotation, so the API's keyset cursor can page over it like a column.
                qs = qs.annotate(**{f"{name}_rank": choice_rank(name, self.RANKED[name])})
                term = term.replace(name, f"{name}_rank")
            ranked.append(term)
        tie_breaker = "-pk" if ranked[0].startswith("-") else "pk"
        return qs.order_by(*ranked, tie_breaker)


class SearchFilterSet(django_filters.FilterSet):
    """Base: `q` full-text search; ordered by rank when searching and no order is asked for."""

    q = django_filters.CharFilter(method="filter_q", label="Search")
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label="Created")
    updated = django_filters.DateFromToRangeFilter(field_name="updated_at", label="Updated")

    # Default order when neither `ordering` nor `q` is given; subclasses override.
    default_ordering: tuple[str, ...] = ("-pk",)

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    @classmethod
    def unfiltered(cls, queryset):
        """What `qs` gives when the data names none of the filters, without building a form.

        Every filter passes an empty value through, so only the default order is left.
        Validating a form of some twenty fields cost the partner list a sixth of its time.
        `tests/cooperation/test_filtersets.py` holds it to the FilterSet's own result for each
        model.
        """
        return queryset.order_by(*cls.default_ordering)

    @classmethod
    def names_a_filter(cls, data) -> bool:
        """Whether any key of `data` is a parameter of one of the filters."""
        return any(key in cls._parameters() for key in data)

    @classmethod
    def _parameters(cls) -> frozenset[str]:
        cached = cls.__dict__.get("_parameter_names")
        if cached is None:
            cached = frozenset().union(*cls._parameters_by_filter().values())
            cls._parameter_names = cached
        return cached

    @classmethod
    def _parameters_by_filter(cls) -> dict[str, frozenset[str]]:
        """Each filter's query parameters: its name, or a range's `<name>_after`/`_before`."""
        cached = cls.__dict__.get("_parameters_of_filters")
        if cached is None:
            cached = {}
            for name, field in cls().form.fields.items():
                names = {name}
                widget = field.widget
                # Range filters take `<name>_after`/`<name>_before` (or `_min`/`_max`).
                for suffix in getattr(widget, "suffixes", ()):
                    names.add(widget.suffixed(name, suffix))
                for subname in getattr(widget, "widgets_names", ()):
                    names.add(f"{name}{subname}")
                cached[name] = frozenset(names)
            cls._parameters_of_filters = cached
        return cached

    def __init__(self, data=None, queryset=None, *, only_named: bool = False, **kwargs):
        """`only_named` (the API's): only the filters `data` names are made.

        An unnamed filter gets an empty value, which every filter passes through (see
        `unfiltered`), so the rows and the errors are the same. But django-filter deep-copies
        every filter for each FilterSet and then builds each one's form field, the choice
        fields of related rows (tags, records, sources the reader may see) with their
        querysets: in-process, more than half of a filtered partner page's time. The web
        lists make every filter: they show the form. tests/cooperation/test_filtersets.py
        holds the two to the same answers.
        """
        if only_named and data is not None:
            # Names are matched as the query sends them: a form prefix would drop them all.
            assert not kwargs.get("prefix"), "only_named reads unprefixed parameters"
            asked = set(data)
            parameters = self._parameters_by_filter()
            # Shadows the class's filters for this instance: the ones django-filter copies.
            self.base_filters = {
                name: found
                for name, found in type(self).base_filters.items()
                if parameters.get(name, frozenset((name,))) & asked
            }
        super().__init__(data, queryset, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("ordering"):
            return queryset
        if normalise_query(data.get("q")):
            return queryset.order_by("-search_rank", "-pk")
        return queryset.order_by(*self.default_ordering)

    @property
    def searching(self) -> bool:
        return self.is_bound and bool(normalise_query(self.data.get("q")))


def _choice(choices, **kwargs) -> django_filters.MultipleChoiceFilter:
    """A filter on one of the row's own columns: it cannot repeat a row, so no DISTINCT.

    django-filter adds DISTINCT to every multiple-choice filter by default, which makes
    PostgreSQL sort every matching row (all columns) before it can take a page.
    """
    return django_filters.MultipleChoiceFilter(choices=choices, distinct=False, **kwargs)


def _by_slug(field: str, queryset, **kwargs) -> IdSafeModelMultipleChoiceFilter:
    """Filter on a relation by the related rows' slugs (`?actor=india&actor=japan`).

    The lookup must name `<field>__slug`: with the bare field, django-filter would
    compare the slug to the primary key. The label is the relation's, or django-filter
    would derive "Supplier slug" from the lookup and show it on the web lists.
    """
    kwargs.setdefault("label", capfirst(field.replace("_", " ")))
    return IdSafeModelMultipleChoiceFilter(
        field_name=f"{field}__slug", to_field_name="slug", queryset=queryset, **kwargs
    )


def _actors(request=None):
    return Actor.objects.all()


def _topics(request=None):
    return Topic.objects.all()


def _tags(request=None):
    # Only tags the reader may see named: a partner naming a tag used only on team notes
    # gets "not a valid choice", as for a tag that does not exist.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Tag.objects.all()
    return selectors.tags_visible_to(user)


def filter_by_tags(queryset, tags):
    """Rows that carry every one of `tags` (`?tag=a&tag=b` narrows: both, not either).

    One correlated EXISTS per tag on the link table, so a row never repeats (no DISTINCT)
    and a page of rows is checked through the link table's index.
    """
    model = queryset.model
    through = model._meta.get_field("tags").remote_field.through
    own = model._meta.model_name
    for tag in tags:
        queryset = queryset.filter(
            Exists(through.objects.filter(**{own: OuterRef("pk"), "tag": tag}))
        )
    return queryset


def _tag_filter() -> IdSafeModelMultipleChoiceFilter:
    return IdSafeModelMultipleChoiceFilter(
        field_name="tags__slug",
        to_field_name="slug",
        queryset=_tags,
        method="filter_tag",
        label="Tag",
        distinct=False,
        help_text="A tag's slug; repeat it to narrow: a row must carry every tag named.",
    )


def _readable(model):
    """Choices for a filter naming records, sources or excerpts: only those the reader can see.

    A partner who names an unpublished record gets the same "not a valid choice" as for
    one that does not exist, so a filter never reveals what a 404 hides.
    """

    def queryset(request=None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return model.objects.all()
        if model is Source:
            return selectors.sources_visible_to(user)
        if model is Excerpt:
            return selectors.excerpts_visible_to(user)
        return selectors.records_visible_to(user, model)

    return queryset


class PreciseDateRangeFilter(django_filters.DateFromToRangeFilter):
    """A date range over a date kept with its precision: a date known only as 2015 (or as
    December 2015) matches every range that reaches into that year (or month)."""

    def filter(self, qs, value):
        if not value:
            return qs
        condition = Q()
        if value.start is not None:
            condition &= precise_dates.on_or_after(self.field_name, _day(value.start))
        if value.stop is not None:
            condition &= precise_dates.on_or_before(self.field_name, _day(value.stop))
        return qs.filter(condition)


def _day(value):
    # django-filter widens a date range's ends to aware datetimes in the current zone.
    return value.date() if isinstance(value, datetime) else value


class IdentifierField(forms.CharField):
    """`<scheme>:<value>` (`wikidata:Q668`), normalised as cooperation/identifiers.py does;
    a malformed one is a form error (a 400 in the API) that names the expected form."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        from cooperation.identifiers import parse_filter

        return parse_filter(text)


@extend_schema_field(OpenApiTypes.STR)  # `<scheme>:<value>`: no model field to read it from
class IdentifierFilter(django_filters.Filter):
    """Rows named by one external identifier (live), through `path` to the Identifier rows:
    one EXISTS, so a row never repeats."""

    field_class = IdentifierField

    def __init__(self, *args, path: str, **kwargs):
        self.path = path
        kwargs.setdefault("label", "Identifier")
        kwargs.setdefault(
            "help_text",
            "An external identifier, <scheme>:<value>, e.g. wikidata:Q668 or unts:I:33521.",
        )
        super().__init__(*args, field_name="identifier", **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        from cooperation.models import Identifier

        scheme, text = value
        rows = Identifier.objects.filter(scheme=scheme, value=text)
        column = "spine_id" if self.path == "spine" else "actor_id"
        return qs.filter(**{f"{self.path}__in": rows.values(column)})


class RecordFilterSet(SearchFilterSet):
    """What every record kind filters by: visibility, actor, topic and dates."""

    visibility = _choice(Visibility.choices)
    actor = _by_slug("actors", _actors, label="Actor")
    topic = _by_slug("topics", _topics, label="Topic")
    tag = _tag_filter()
    identifier = IdentifierFilter(path="spine")
    # The briefs that attest a record (its live evidence quotes them): `?source=3&source=7`.
    source = IdSafeModelMultipleChoiceFilter(
        queryset=_readable(Source), method="filter_source", label="Source", distinct=False
    )

    default_ordering = ("title", "pk")

    def filter_tag(self, queryset, name, value):
        return filter_by_tags(queryset, value)

    # `value` holds the chosen sources; the hint tells drf-spectacular each is an integer id.
    def filter_source(self, queryset, name, value: int):
        return selectors.attested_by(queryset, value)

    ordering_fields = (
        ("title", "title"),
        ("created_at", "created"),
        ("updated_at", "updated"),
        ("visibility", "visibility"),
    )

    class Meta:
        fields: list[str] = []


def _ordering(*extra: tuple[str, str]) -> StableOrderingFilter:
    return StableOrderingFilter(fields=(*RecordFilterSet.ordering_fields, *extra))


_UNTS_QUERY = re.compile(r"^\s*(I|II)\s*[:-]\s*\d{1,7}\s*$", re.IGNORECASE)


def unts_number(text: str) -> str:
    """A UN Treaty Series number as stored: `i-33521` and ` I : 33521 ` are I:33521."""
    return re.sub(r"\s+", "", text or "").upper().replace("-", ":")


class AgreementFilterSet(RecordFilterSet):
    kind = _choice(AgreementKind.choices)
    status = _choice(AgreementStatus.choices)
    party = _by_slug("parties", _actors, label="Party")
    signed = PreciseDateRangeFilter(field_name="signed_on", label="Signed")
    in_force = PreciseDateRangeFilter(field_name="in_force_on", label="In force")
    registration_number = django_filters.CharFilter(
        method="filter_registration_number", label="UNTS registration number"
    )
    amends = _by_slug("amends", _readable(Agreement))
    supersedes = _by_slug("supersedes", _readable(Agreement))
    ordering = _ordering(("signed_on", "signed"), ("kind", "kind"), ("status", "status"))

    class Meta:
        model = Agreement
        fields: list[str] = []

    def filter_registration_number(self, queryset, name, value):
        return queryset.filter(registration_number=unts_number(value))

    def filter_q(self, queryset, name, value):
        # A UN Treaty Series number (I:33521) finds the treaty registered under it.
        if _UNTS_QUERY.match(value or ""):
            return queryset.filter(registration_number=unts_number(value)).annotate(
                search_rank=Value(1.0, output_field=FloatField())
            )
        return super().filter_q(queryset, name, value)


class DealFilterSet(RecordFilterSet):
    kind = _choice(DealKind.choices)
    status = _choice(DealStatus.choices)
    supplier = _by_slug("supplier", _actors)
    recipient = _by_slug("recipient", _actors)
    governed_by = _by_slug("governed_by", _readable(Agreement))
    period_start = PreciseDateRangeFilter(label="Period starts")
    weapon_category = _choice(WeaponCategory.choices, label="Weapon category (SIPRI)")
    licensed_production = BooleanFilter(label="Licensed production")
    ordering = _ordering(("period_start", "period_start"), ("status", "status"), ("kind", "kind"))

    class Meta:
        model = Deal
        fields: list[str] = []


class ChallengeFilterSet(RecordFilterSet):
    category = _choice(ChallengeCategory.choices)
    severity = _choice(Severity.choices)
    affects_deal = _by_slug("affects_deals", _readable(Deal))
    unaddressed = BooleanFilter(method="filter_unaddressed", label="No recommendation addresses it")
    ordering = _ordering(("severity", "severity"), ("category", "category"))

    class Meta:
        model = Challenge
        fields: list[str] = []

    def filter_unaddressed(self, queryset, name, value):
        # A correlated EXISTS on the link table: a page of challenges checks its own rows
        # through the link table's index instead of collecting every addressed challenge.
        # Only recommendations the caller may read count: a partner is not told a challenge
        # is addressed by a draft they cannot see (the visibility rule is the selectors').
        readable = _readable(Recommendation)(self.request)
        addressed = Exists(
            Recommendation.addresses.through.objects.filter(
                challenge=OuterRef("pk"), recommendation__in=readable.values("pk")
            )
        )
        return queryset.exclude(addressed) if value else queryset.filter(addressed)


class RecommendationFilterSet(RecordFilterSet):
    status = _choice(RecommendationStatus.choices)
    priority = _choice(Priority.choices)
    addressed_to = _by_slug("addressed_to", _actors)
    addresses = _by_slug("addresses", _readable(Challenge), label="Challenge")
    owner = IdSafeModelMultipleChoiceFilter(queryset=_staff_visible_users, distinct=False)
    target = PreciseDateRangeFilter(field_name="target_date", label="Target date")
    overdue = BooleanFilter(method="filter_overdue", label="Overdue")
    gao = django_filters.MultipleChoiceFilter(
        choices=GaoStatus.choices, method="filter_gao", label="Open or closed (GAO)"
    )
    # "Which stood in this status at the end of that day": what each cell of the charts'
    # status-over-time table counts (cooperation.charts.data.status_over_time), read from
    # the status timeline by the same rule. `on` alone filters nothing; `status_on` alone
    # asks about today, which is the status now.
    status_on = django_filters.MultipleChoiceFilter(
        choices=RecommendationStatus.choices,
        method="filter_status_on",
        distinct=False,
        label="Status on a date",
    )
    on = django_filters.DateFilter(
        method="filter_nothing",
        label="On (YYYY-MM-DD)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ordering = _ordering(
        ("target_date", "target_date"), ("status", "status"), ("priority", "priority")
    )

    class Meta:
        model = Recommendation
        fields: list[str] = []

    def filter_nothing(self, queryset, name, value):
        return queryset  # `on` is read by filter_status_on

    def filter_status_on(self, queryset, name, value):
        """The status at the end of the day `on` is that of the last move (in the order they
        were recorded) made on or before it: a move counts from its `happened_on` if given,
        else from the day it was recorded (local time), and never later than today.

        The charts' rule also takes a move recorded before another to have happened no
        later than it; that changes nothing here, because the last move on or before the
        day is the same either way (every earlier-recorded move counts by then too).
        A recommendation with no move by then (not yet entered) matches no status.
        """
        if not value:
            return queryset
        day = self.form.cleaned_data.get("on") or timezone.localdate()
        moves = RecommendationStatusChange.objects.filter(recommendation=OuterRef("pk"))
        if day < timezone.localdate():
            moves = moves.filter(
                Q(happened_on__lte=day) | Q(happened_on__isnull=True, changed_at__date__lte=day)
            )
        last = moves.order_by("-changed_at", "-id").values("to_status")[:1]
        return queryset.annotate(status_on_day=Subquery(last)).filter(status_on_day__in=value)

    def filter_gao(self, queryset, name, value):
        """Open, closed–implemented, closed–not-implemented: the statuses each stands for."""
        if not value:
            return queryset
        statuses = [s for s in RecommendationStatus.values if gao_status(s) in value]
        return queryset.filter(status__in=statuses)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(target_date__lt=timezone.localdate()) & ~Q(
            status__in=CLOSED_RECOMMENDATION_STATUSES
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class SourceFilterSet(SearchFilterSet):
    visibility = _choice(Visibility.choices)
    format = _choice(SourceFormat.choices)
    publisher = django_filters.CharFilter(lookup_expr="icontains")
    published = django_filters.DateFromToRangeFilter(field_name="published_on", label="Published")
    ordering = StableOrderingFilter(
        fields=(("title", "title"), ("published_on", "published"), ("created_at", "created"))
    )
    default_ordering = ("-published_on", "title", "pk")

    class Meta:
        model = Source
        fields: list[str] = []


class ExcerptFilterSet(SearchFilterSet):
    source = IdSafeModelMultipleChoiceFilter(queryset=_readable(Source), distinct=False)
    ordering = StableOrderingFilter(
        fields=(("start", "start"), ("created_at", "created"), ("updated_at", "updated"))
    )
    # source_id, not source: "source" would sort by the Source model's own ordering
    # (published date, title), joining and sorting every excerpt before taking a page.
    default_ordering = ("source_id", "start", "end", "pk")

    class Meta:
        model = Excerpt
        fields: list[str] = []


class ActorFilterSet(SearchFilterSet):
    kind = _choice(ActorKind.choices)
    identifier = IdentifierFilter(path="pk")
    ordering = StableOrderingFilter(fields=(("name", "name"), ("kind", "kind")))
    default_ordering = ("name", "pk")

    class Meta:
        model = Actor
        fields: list[str] = []


class TopicFilterSet(SearchFilterSet):
    ordering = StableOrderingFilter(fields=(("name", "name"),))
    default_ordering = ("name", "pk")

    class Meta:
        model = Topic
        fields: list[str] = []


class AnnotationFilterSet(SearchFilterSet):
    motivation = _choice(AnnotationMotivation.choices)
    visibility = _choice(AnnotationVisibility.choices)
    resolved = BooleanFilter()
    author = IdSafeModelMultipleChoiceFilter(queryset=_staff_visible_users, distinct=False)
    excerpt = IdSafeModelMultipleChoiceFilter(queryset=_readable(Excerpt), distinct=False)
    thread_starts = BooleanFilter(
        field_name="parent", lookup_expr="isnull", label="Thread starts only"
    )
    tag = _tag_filter()
    ordering = StableOrderingFilter(fields=(("created_at", "created"), ("updated_at", "updated")))
    default_ordering = ("-created_at", "-pk")

    class Meta:
        model = Annotation
        fields: list[str] = []

    def filter_tag(self, queryset, name, value):
        return filter_by_tags(queryset, value)


class TagFilterSet(SearchFilterSet):
    ordering = StableOrderingFilter(fields=(("name", "name"),))
    default_ordering = ("name", "pk")

    class Meta:
        model = Tag
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        # Tags have no search document: a name containing the words.
        return queryset.filter(name__icontains=" ".join(value.split())[:100])

    def filter_queryset(self, queryset):
        # No rank to order by (filter_q annotates none): a search keeps the name order.
        queryset = django_filters.FilterSet.filter_queryset(self, queryset)
        if self.form.cleaned_data.get("ordering"):
            return queryset
        return queryset.order_by(*self.default_ordering)


FILTERSETS: dict[type, type[SearchFilterSet]] = {
    Agreement: AgreementFilterSet,
    Deal: DealFilterSet,
    Challenge: ChallengeFilterSet,
    Recommendation: RecommendationFilterSet,
    Source: SourceFilterSet,
    Excerpt: ExcerptFilterSet,
    Actor: ActorFilterSet,
    Topic: TopicFilterSet,
    Tag: TagFilterSet,
    Annotation: AnnotationFilterSet,
}
