"""The one FilterSet per model that web lists, the API and CSV exports share."""

import datetime

import pytest
from django.db import models

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.filtersets import (
    FILTERSETS,
    AgreementFilterSet,
    ChallengeFilterSet,
    RecommendationFilterSet,
)
from cooperation.models import Agreement, Challenge, Recommendation
from cooperation.services import recommendation_transition
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    RecommendationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

# Fields a person would never filter a list by, or that other filters cover.
UNFILTERED = {
    "id", "slug", "summary", "title", "version", "deleted_at", "deleted_by", "created_by",
    "updated_by", "merged_into", "text", "sha256", "furniture", "original_file",
    "original_filename", "authors", "reference_code", "description", "name", "exact",
    "prefix", "suffix", "note", "start", "end", "body", "spine",
    "parent", "resolved_by", "resolved_at", "signed_on_precision", "system", "period_end",
    "created_at", "updated_at", "published_on", "signed_on", "in_force_on", "target_date",
    "actors", "topics", "parties", "governed_by", "affects_deals", "affects_agreements",
    "addresses", "addressed_to", "source",
    # A note's audience is applied by the read rules (selectors), not chosen by a filter.
    "organisation", "shared_with",
    # A date's precision is how its own range filter reads it (cooperation/precise_dates.py).
    "in_force_on_precision", "period_start_precision", "period_end_precision",
    "target_date_precision", "published_on_precision", "url",
}  # fmt: skip
# Field name → the filter that covers it under another name.
COVERED_BY = {
    "actors": "actor", "topics": "topic", "tags": "tag", "parties": "party",
    "affects_deals": "affects_deal",
    "created_at": "created", "updated_at": "updated", "published_on": "published",
    "signed_on": "signed", "in_force_on": "in_force", "target_date": "target",
    "period_start": "period_start",
}  # fmt: skip


def slugs(filterset):
    return sorted(row.slug for row in filterset.qs)


@pytest.mark.parametrize("model", list(FILTERSETS), ids=lambda m: m.__name__)
def test_every_choice_and_relation_field_has_a_filter(model):
    filters = FILTERSETS[model].base_filters
    missing = []
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue
        covered = field.name in filters or COVERED_BY.get(field.name) in filters
        wanted = bool(getattr(field, "choices", None)) or isinstance(
            field, (models.ForeignKey, models.ManyToManyField)
        )
        if wanted and not covered and field.name not in UNFILTERED:
            missing.append(field.name)
    assert missing == [], f"{model.__name__} fields without a filter: {missing}"


@pytest.mark.parametrize("model", list(FILTERSETS), ids=lambda m: m.__name__)
def test_every_filterset_searches_and_orders(model):
    filters = FILTERSETS[model].base_filters
    assert "q" in filters
    assert "ordering" in filters


def test_record_filters_by_actor_and_topic_slugs():
    india, japan = ActorFactory(slug="india"), ActorFactory(slug="japan")
    space = TopicFactory(slug="space")
    AgreementFactory(slug="both", actors=[india, japan], topics=[space])
    AgreementFactory(slug="india-only", actors=[india])
    AgreementFactory(slug="neither")

    by_actor = AgreementFilterSet({"actor": ["india"]}, queryset=Agreement.objects.all())
    either = AgreementFilterSet({"actor": ["india", "japan"]}, queryset=Agreement.objects.all())
    by_topic = AgreementFilterSet({"topic": ["space"]}, queryset=Agreement.objects.all())

    assert slugs(by_actor) == ["both", "india-only"]
    assert slugs(either) == ["both", "india-only"]  # one row per record, not per match
    assert slugs(by_topic) == ["both"]


def test_unknown_choice_is_a_form_error_not_an_exception():
    filterset = AgreementFilterSet(
        {"actor": ["nobody"], "visibility": ["secret"]}, queryset=Agreement.objects.all()
    )
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"actor", "visibility"}


def test_ordering_is_whitelisted_and_stable():
    AgreementFactory(slug="b", title="Same")
    AgreementFactory(slug="a", title="Same")
    ordered = AgreementFilterSet({"ordering": "-title"}, queryset=Agreement.objects.all())
    assert [row.slug for row in ordered.qs] == ["a", "b"]  # ties broken by newest pk first
    assert not AgreementFilterSet(
        {"ordering": "sha256"}, queryset=Agreement.objects.all()
    ).is_valid()


def test_default_order_is_by_title_and_search_orders_by_rank():
    AgreementFactory(slug="z", title="Zeta space pact", summary="")
    AgreementFactory(slug="a", title="Alpha accord", summary="Mentions space once.")
    listing = AgreementFilterSet({}, queryset=Agreement.objects.all())
    searching = AgreementFilterSet({"q": "space"}, queryset=Agreement.objects.all())
    assert [row.slug for row in listing.qs] == ["a", "z"]
    assert [row.slug for row in searching.qs] == ["z", "a"]
    assert searching.searching and not listing.searching


def test_visibility_and_dates(curator):
    AgreementFactory(slug="draft", visibility=Visibility.DRAFT)
    AgreementFactory(slug="internal", visibility=Visibility.INTERNAL)
    today = datetime.date.today().isoformat()
    drafts = AgreementFilterSet({"visibility": ["draft"]}, queryset=Agreement.objects.all())
    created_today = AgreementFilterSet(
        {"created_after": today, "created_before": today}, queryset=Agreement.objects.all()
    )
    assert slugs(drafts) == ["draft"]
    assert slugs(created_today) == ["draft", "internal"]


def test_challenge_unaddressed_ignores_trashed_recommendations():
    addressed = ChallengeFactory(slug="addressed")
    ChallengeFactory(slug="open")
    RecommendationFactory(addresses=[addressed])
    unaddressed = ChallengeFilterSet({"unaddressed": "true"}, queryset=Challenge.objects.all())
    assert slugs(unaddressed) == ["open"]


def test_recommendation_overdue_and_status(curator):
    past = datetime.date.today() - datetime.timedelta(days=1)
    RecommendationFactory(slug="late", target_date=past)
    done = RecommendationFactory(slug="done", target_date=past)
    RecommendationFactory(slug="future", target_date=datetime.date.today())
    for status in (RecommendationStatus.UNDER_REVIEW, RecommendationStatus.REJECTED):
        recommendation_transition(
            recommendation=done,
            user=curator,
            to_status=status,
            note="Decided.",
            evidence_url="https://example.org/public-record",
        )
    overdue = RecommendationFilterSet({"overdue": "true"}, queryset=Recommendation.objects.all())
    rejected = RecommendationFilterSet(
        {"status": ["rejected"]}, queryset=Recommendation.objects.all()
    )
    assert slugs(overdue) == ["late"]
    assert slugs(rejected) == ["done"]


@pytest.mark.parametrize("value", [str(10**30), "-1", "0", "²", "abc", "1e3"])
def test_an_id_filter_refuses_ids_the_database_cannot_hold(value):
    filterset = RecommendationFilterSet({"owner": [value]}, queryset=Recommendation.objects.all())
    assert not filterset.is_valid()
    assert "owner" in filterset.errors
    assert list(filterset.qs) == []  # an invalid form filters to nothing, and never raises


def test_priority_orders_by_rank_not_alphabet():
    for slug, priority in (("m", "medium"), ("h", "high"), ("l", "low")):
        RecommendationFactory(slug=slug, priority=priority)
    up = RecommendationFilterSet({"ordering": "priority"}, queryset=Recommendation.objects.all())
    down = RecommendationFilterSet({"ordering": "-priority"}, queryset=Recommendation.objects.all())
    assert [row.slug for row in up.qs] == ["l", "m", "h"]
    assert [row.slug for row in down.qs] == ["h", "m", "l"]


@pytest.mark.parametrize("model", list(FILTERSETS), ids=lambda m: m.__name__)
def test_filter_labels_name_the_relation_not_the_lookup(model):
    # The web lists show these labels; "Supplier slug" is the lookup leaking through.
    form = FILTERSETS[model](data={}, queryset=model.objects.none()).form
    labels = {name: str(field.label) for name, field in form.fields.items()}
    assert [name for name, label in labels.items() if "slug" in label.lower()] == []
    if model.__name__ == "Deal":
        assert labels["supplier"] == "Supplier"
        assert labels["governed_by"] == "Governed by"


# -- the API's shortcut for a query that names no filter (cooperation/api/views.py) ---------


@pytest.mark.parametrize("model", list(FILTERSETS), ids=lambda m: m.__name__)
def test_unfiltered_is_what_the_filterset_gives_for_no_filter(model, rf):
    filterset_class = FILTERSETS[model]
    queryset = model._default_manager.all()
    request = rf.get("/", {"page_size": "50", "cursor": "abc"})
    full = filterset_class(data=request.GET, queryset=queryset, request=request).qs
    assert not filterset_class.names_a_filter(request.GET)
    assert str(filterset_class.unfiltered(queryset).query) == str(full.query)


@pytest.mark.parametrize(
    "key",
    ["q", "ordering", "visibility", "created_after", "updated_before", "target_after", "owner"],
)
def test_names_a_filter_sees_every_parameter_of_a_filter(key):
    assert RecommendationFilterSet.names_a_filter({key: "x"})


def test_names_a_filter_ignores_pagination_and_unknown_parameters():
    assert not RecommendationFilterSet.names_a_filter({"page_size": "1", "cursor": "x", "zzz": 1})
    # A range filter's bare name is no parameter of it, but a stray one must not be dropped
    # silently either: it goes through the FilterSet, which ignores it as before.
    assert RecommendationFilterSet.names_a_filter({"created": "2026-01-01"})


# -- the API makes only the filters a query names (SearchFilterSet's only_named) ------------

# Values that make valid and invalid input for every kind of filter: choices of each model,
# slugs, ids (one too big for the database), dates (one malformed), booleans, words.
_VALUES = [
    "", "true", "maybe", "1", "0", "high", "in_progress", "published", "internal", "open",
    "treaty", "india", "space", "2020-01-01", "2021-13-45", "dialogue", "-created", "priority",
    "title", "nonsense", "10000000000000000000000000000000", "wikidata:Q668", "q668",
]  # fmt: skip


def _narrowed_matches_full(filterset_class, model, request, data) -> None:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    queryset = model._default_manager.all()
    full = filterset_class(data=query, queryset=queryset, request=request)
    narrowed = filterset_class(data=query, queryset=queryset, request=request, only_named=True)
    assert set(narrowed.filters) <= set(full.filters)
    assert narrowed.is_valid() == full.is_valid(), data
    assert narrowed.errors == full.errors, data
    if full.is_valid():
        assert str(narrowed.qs.query) == str(full.qs.query), data


@pytest.mark.parametrize("model", list(FILTERSETS), ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ["partner", "curator"])
def test_a_query_answers_alike_with_only_the_filters_it_names(model, role, rf, request):
    """Every filter dropped is one the query leaves empty, which changes neither the rows
    nor the errors: checked on random queries of each FilterSet's own parameters."""
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.conftest import DB_EXAMPLES

    user = request.getfixturevalue(role)
    ActorFactory(slug="india")
    TopicFactory(slug="space")
    filterset_class = FILTERSETS[model]
    names = [*sorted(filterset_class._parameters()), "page_size", "zzz"]
    queries = st.dictionaries(
        st.sampled_from(names),
        st.lists(st.sampled_from(_VALUES), min_size=1, max_size=2),
        min_size=1,
        max_size=3,
    )

    @DB_EXAMPLES
    @given(data=queries)
    def check(data):
        http = rf.get("/")
        http.user = user
        _narrowed_matches_full(filterset_class, model, http, data)

    check()


def test_only_the_named_filters_get_fields(partner, rf):
    http = rf.get("/")
    http.user = partner
    from django.http import QueryDict

    filterset = RecommendationFilterSet(
        data=QueryDict("status=in_progress&priority=high&created_after=2020-01-01"),
        queryset=Recommendation.objects.all(),
        request=http,
        only_named=True,
    )
    assert sorted(filterset.filters) == ["created", "priority", "status"]
    assert sorted(filterset.form.fields) == ["created", "priority", "status"]
    # The class keeps every filter: the web lists' forms show them all.
    assert len(RecommendationFilterSet.base_filters) > 3
    assert len(RecommendationFilterSet(data=QueryDict("status=open")).filters) > 3


def test_the_api_backend_makes_only_the_named_filters(partner):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from cooperation.api.views import FilterBackend, RecommendationViewSet

    http = APIRequestFactory().get("/", {"status": "in_progress", "page_size": "5"})
    http.user = partner
    view = RecommendationViewSet(action="list", request=Request(http), format_kwarg=None)
    filterset = FilterBackend().get_filterset(view.request, Recommendation.objects.all(), view)
    assert list(filterset.filters) == ["status"]
