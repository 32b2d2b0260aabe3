"""What the charts count (cooperation/charts/data.py): only what the reader may read, and
each mark's list returns exactly the rows it counts."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone

from cooperation.charts import data
from cooperation.choices import DealStatus, RecommendationStatus, Visibility
from cooperation.filtersets import FILTERSETS
from cooperation.models import Agreement, Deal, Recommendation
from cooperation.selectors import records_visible_to
from cooperation.services import recommendation_create, recommendation_transition, tracked_delete
from tests.factories import (
    TEST_BASIS,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db

PUBLISHED, DRAFT, INTERNAL = Visibility.PUBLISHED, Visibility.DRAFT, Visibility.INTERNAL
THIS_YEAR = timezone.localdate().year


def filtered_pks(user, model, url: str) -> set[int]:
    """The rows the list at `url` shows `user`: the model's FilterSet over what they read."""
    request = RequestFactory().get(url)
    request.user = user
    query = QueryDict(urlsplit(url).query)
    filterset = FILTERSETS[model](
        data=query, queryset=records_visible_to(user, model), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def made(made_on, **data):
    """A recommendation made (its first status row) on `made_on`, e.g. "2018"."""
    made.count = getattr(made, "count", 0) + 1
    fields = {
        "title": f"Made {made.count}",
        "slug": f"made-{made.count}",
        "summary": "What the brief says.",
        "priority": "medium",
        "visibility": INTERNAL,
        **data,
    }
    return recommendation_create(user=None, data=fields, made_on=made_on, basis=TEST_BASIS)


def move(rec, to, curator, happened_on=None):
    rec.refresh_from_db()
    return recommendation_transition(
        recommendation=rec, to_status=to, user=curator, note="Moved", happened_on=happened_on
    )


# -- deals by status ---------------------------------------------------------------------------


def test_deals_by_status_counts_what_each_reader_may_read(analyst, partner, curator):
    DealFactory(status=DealStatus.SIGNED, visibility=PUBLISHED)
    DealFactory(status=DealStatus.SIGNED, visibility=DRAFT)
    DealFactory(status=DealStatus.STALLED, visibility=INTERNAL)
    tracked_delete(instance=DealFactory(status=DealStatus.SIGNED), user=curator)

    staff = {bar.value: bar.count for bar in data.deals_by_status(analyst)}
    partners = {bar.value: bar.count for bar in data.deals_by_status(partner)}

    assert staff["signed"] == 2 and staff["stalled"] == 1  # the trashed deal is not counted
    assert partners["signed"] == 1 and partners["stalled"] == 0
    assert [bar.value for bar in data.deals_by_status(partner)] == DealStatus.values


def test_each_deal_bar_links_to_a_list_of_exactly_its_rows(analyst, partner):
    for status in (DealStatus.SIGNED, DealStatus.SIGNED, DealStatus.FAILED):
        DealFactory(status=status, visibility=PUBLISHED)
    DealFactory(status=DealStatus.FAILED, visibility=DRAFT)
    for user in (analyst, partner):
        for bar in data.deals_by_status(user):
            assert len(filtered_pks(user, Deal, bar.url)) == bar.count, bar


# -- agreements by year signed -----------------------------------------------------------------


def test_agreements_by_year_fills_the_years_between_and_keeps_undated_apart(analyst, partner):
    AgreementFactory(signed_on=datetime.date(2015, 1, 1), signed_on_precision="year")
    AgreementFactory(signed_on=datetime.date(2015, 12, 12), visibility=PUBLISHED)
    AgreementFactory(signed_on=datetime.date(2018, 6, 1), signed_on_precision="month")
    AgreementFactory(signed_on=None)
    AgreementFactory(signed_on=datetime.date(2030, 1, 1), visibility=DRAFT)

    staff = data.agreements_by_year(analyst)
    partners = data.agreements_by_year(partner)

    expected = {str(year): 0 for year in range(2015, 2031)} | {"2015": 2, "2018": 1, "2030": 1}
    assert [(b.label, b.count) for b in staff.bars] == list(expected.items())
    assert staff.undated == 1
    assert [(b.label, b.count) for b in partners.bars] == [("2015", 1)]  # the draft's year too
    assert partners.undated == 0


def test_each_year_links_to_the_signed_range_that_returns_its_rows(analyst, partner):
    AgreementFactory(signed_on=datetime.date(2015, 1, 1), signed_on_precision="year")
    AgreementFactory(signed_on=datetime.date(2015, 12, 31), visibility=PUBLISHED)
    AgreementFactory(signed_on=datetime.date(2016, 1, 1), visibility=PUBLISHED)
    AgreementFactory(signed_on=datetime.date(2017, 3, 1), signed_on_precision="month")
    for user in (analyst, partner):
        for bar in data.agreements_by_year(user).bars:
            query = parse_qs(urlsplit(bar.url).query)
            assert query == {
                "signed_after": [f"{bar.label}-01-01"],
                "signed_before": [f"{bar.label}-12-31"],
            }
            assert len(filtered_pks(user, Agreement, bar.url)) == bar.count, bar


def test_no_agreements_no_bars(analyst):
    assert data.agreements_by_year(analyst) == data.YearCounts(bars=[], undated=0)


# -- recommendations by status over time -------------------------------------------------------


def _cells(timeline, status):
    row = next(row for row in timeline.rows if row.value == status)
    return dict(zip(timeline.years, [cell.count for cell in row.cells], strict=True))


def test_status_over_time_reads_when_each_move_happened(analyst, curator):
    rec = made("2018")
    move(rec, RecommendationStatus.UNDER_REVIEW, curator, happened_on="2019-06")
    move(rec, RecommendationStatus.ACCEPTED, curator, happened_on=f"{THIS_YEAR - 1}-03-02")
    RecommendationFactory()  # made today: proposed this year only

    timeline = data.status_over_time(analyst, years=THIS_YEAR - 2017 + 1)

    assert timeline.years == list(range(2017, THIS_YEAR + 1))
    proposed = _cells(timeline, RecommendationStatus.PROPOSED)
    review = _cells(timeline, RecommendationStatus.UNDER_REVIEW)
    accepted = _cells(timeline, RecommendationStatus.ACCEPTED)
    assert proposed[2017] == 0 and proposed[2018] == 1 and proposed[2019] == 0
    assert review[2019] == 1 and review[THIS_YEAR - 2] == 1 and review[THIS_YEAR - 1] == 0
    assert accepted[THIS_YEAR - 1] == 1 and accepted[THIS_YEAR] == 1
    assert proposed[THIS_YEAR] == 1
    assert timeline.totals[-1] == 2


def test_a_move_recorded_later_never_happens_before_an_earlier_one(analyst, curator):
    # Created today; its next move happened in 2019: the creation counts from 2019 too, so
    # the recommendation is not "proposed" in a year after it was under review.
    rec = RecommendationFactory()
    move(rec, RecommendationStatus.UNDER_REVIEW, curator, happened_on="2019")

    timeline = data.status_over_time(analyst, years=THIS_YEAR - 2019 + 1)

    assert _cells(timeline, RecommendationStatus.UNDER_REVIEW)[2019] == 1
    assert sum(_cells(timeline, RecommendationStatus.PROPOSED).values()) == 0


def test_status_over_time_counts_only_readable_recommendations(partner, analyst, curator):
    RecommendationFactory(visibility=PUBLISHED)
    RecommendationFactory(visibility=DRAFT)
    tracked_delete(instance=RecommendationFactory(visibility=PUBLISHED), user=curator)

    assert data.status_over_time(partner).totals[-1] == 1
    assert data.status_over_time(analyst).totals[-1] == 2


def _timelines(curator):
    """Recommendations whose timelines test the rule: dated moves, a move recorded later but
    dated earlier, a creation entered today with an older move, several moves in a year."""
    published = made("2020", visibility=PUBLISHED)
    move(published, RecommendationStatus.UNDER_REVIEW, curator, happened_on="2021")
    move(published, RecommendationStatus.ACCEPTED, curator, happened_on=f"{THIS_YEAR - 2}-05")
    busy = made(f"{THIS_YEAR - 3}-02-01")
    move(busy, RecommendationStatus.UNDER_REVIEW, curator, happened_on=f"{THIS_YEAR - 3}-03")
    move(busy, RecommendationStatus.DEFERRED, curator, happened_on=f"{THIS_YEAR - 3}-11-30")
    move(busy, RecommendationStatus.UNDER_REVIEW, curator)  # recorded today
    entered_late = RecommendationFactory(visibility=PUBLISHED)  # created today...
    move(entered_late, RecommendationStatus.DEFERRED, curator, happened_on=f"{THIS_YEAR - 4}")
    RecommendationFactory(visibility=DRAFT)
    RecommendationFactory(visibility=PUBLISHED)


def test_every_cell_links_to_a_list_of_exactly_the_recommendations_it_counts(
    analyst, partner, curator
):
    _timelines(curator)
    for user in (analyst, partner):
        timeline = data.status_over_time(user)
        for row in timeline.rows:
            *past, now = row.cells
            assert now.url == f"/recommendations/?status={row.value}"
            assert len(filtered_pks(user, Recommendation, now.url)) == now.count
            for year, cell in zip(timeline.years, past, strict=False):
                assert cell.url == (f"/recommendations/?status_on={row.value}&on={year}-12-31"), (
                    cell
                )
                assert len(filtered_pks(user, Recommendation, cell.url)) == cell.count, (
                    user,
                    row.value,
                    year,
                )
    # Not all zero: the timelines above put something in past cells.
    assert sum(cell.count for row in timeline.rows for cell in row.cells[:-1]) > 0


def test_the_web_list_and_the_api_count_what_a_past_cell_counts(client, analyst, curator):
    from tests.api.conftest import client_for

    _timelines(curator)
    timeline = data.status_over_time(analyst)
    cells = [cell for row in timeline.rows for cell in row.cells[:-1] if cell.count]
    assert cells
    client.force_login(analyst)
    api = client_for(analyst, write=False)
    for cell in cells:
        page = client.get(cell.url)
        assert page.status_code == 200
        assert page.context["page_obj"].paginator.count == cell.count, cell
        answer = api.get("/api/v1/recommendations/?" + urlsplit(cell.url).query)
        assert answer.status_code == 200, answer.content
        assert len(answer.json()["results"]) == cell.count, cell


def test_status_on_a_date_reads_the_day_not_only_the_year(analyst, curator):
    rec = made("2018-01-10")
    move(rec, RecommendationStatus.UNDER_REVIEW, curator, happened_on="2018-06-15")

    def on(day, status):
        url = f"/recommendations/?status_on={status}&on={day}"
        return filtered_pks(analyst, Recommendation, url) == {rec.pk}

    assert not on("2018-01-09", RecommendationStatus.PROPOSED)  # not yet made
    assert on("2018-01-10", RecommendationStatus.PROPOSED)
    assert on("2018-06-14", RecommendationStatus.PROPOSED)
    assert on("2018-06-15", RecommendationStatus.UNDER_REVIEW)
    # status_on alone asks about today; `on` alone filters nothing.
    assert on("", RecommendationStatus.UNDER_REVIEW)
    assert filtered_pks(analyst, Recommendation, "/recommendations/?on=2000-01-01") == {rec.pk}


@pytest.mark.parametrize(
    "query", ["status_on=nonsense&on=2020-12-31", "status_on=proposed&on=2020-13-45"]
)
def test_a_bad_status_or_date_is_a_clear_400_not_a_500(client, analyst, query):
    client.force_login(analyst)
    assert client.get(f"/recommendations/?{query}").status_code in (200, 400)
    from tests.api.conftest import client_for

    answer = client_for(analyst, write=False).get(f"/api/v1/recommendations/?{query}")
    assert answer.status_code == 400


# -- the coverage matrix -----------------------------------------------------------------------


def test_coverage_pairs_only_readable_records(analyst, partner):
    public, draft_challenge = (
        ChallengeFactory(visibility=PUBLISHED, title="Export rules"),
        ChallengeFactory(visibility=DRAFT, title="Secret gap"),
    )
    answers = RecommendationFactory(
        visibility=PUBLISHED, addresses=[public, draft_challenge], title="Open talks"
    )
    hidden = RecommendationFactory(visibility=DRAFT, addresses=[public], title="Draft plan")

    staff = data.coverage(analyst)
    partners = data.coverage(partner)

    assert staff.pairs == {
        (public.pk, answers.pk),
        (draft_challenge.pk, answers.pk),
        (public.pk, hidden.pk),
    }
    assert partners.pairs == {(public.pk, answers.pk)}
    assert [c.title for c in partners.challenges] == ["Export rules"]
    assert [r.title for r in partners.recommendations] == ["Open talks"]
    assert partners.challenges[0].answers == 1
    assert (partners.challenge_total, partners.recommendation_total) == (1, 1)


def test_coverage_rows_link_to_the_recommendations_they_count(analyst, partner):
    first, second = ChallengeFactory(visibility=PUBLISHED), ChallengeFactory(visibility=PUBLISHED)
    RecommendationFactory(visibility=PUBLISHED, addresses=[first, second])
    RecommendationFactory(visibility=DRAFT, addresses=[first])
    ChallengeFactory(visibility=PUBLISHED)  # answered by nobody
    for user in (analyst, partner):
        matrix = data.coverage(user)
        for challenge in matrix.challenges:
            url = matrix.url_for(challenge)
            assert url == f"/recommendations/?addresses={challenge.slug}"
            assert len(filtered_pks(user, Recommendation, url)) == challenge.answers


def test_coverage_keeps_the_most_severe_challenges(analyst):
    low = ChallengeFactory(severity="low")
    critical = ChallengeFactory(severity="critical")
    ChallengeFactory(severity="medium")

    matrix = data.coverage(analyst, limit=2)

    assert matrix.challenges[0].pk == critical.pk
    assert low.pk not in [c.pk for c in matrix.challenges]
    assert matrix.challenge_total == 3


# -- a record's neighbourhood ------------------------------------------------------------------


def _titles(around):
    return {heading: [node.title for node in nodes] for heading, nodes in around.columns}


def test_a_recommendations_neighbourhood_holds_only_readable_records(analyst, partner):
    agreement = AgreementFactory(title="Treaty", visibility=PUBLISHED)
    secret_deal = DealFactory(title="Secret deal", visibility=DRAFT)
    deal = DealFactory(title="Open deal", visibility=PUBLISHED)
    challenge = ChallengeFactory(
        title="Costs",
        visibility=PUBLISHED,
        affects_deals=[deal, secret_deal],
        affects_agreements=[agreement],
    )
    hidden = ChallengeFactory(title="Hidden challenge", visibility=DRAFT, affects_deals=[deal])
    rec = RecommendationFactory(visibility=PUBLISHED, addresses=[challenge, hidden])

    staff, partners = data.neighbourhood(analyst, rec), data.neighbourhood(partner, rec)

    assert _titles(staff)["Challenges it answers"] == ["Costs", "Hidden challenge"]
    assert _titles(staff)["Deals and agreements they affect"] == [
        "Open deal",
        "Secret deal",
        "Treaty",
    ]
    assert _titles(partners)["Challenges it answers"] == ["Costs"]
    assert _titles(partners)["Deals and agreements they affect"] == ["Open deal", "Treaty"]
    last = dict((node.title, node.via) for node in partners.columns[2][1])
    assert last == {"Open deal": ("Costs",), "Treaty": ("Costs",)}
    assert set(partners.edges) == {
        (f"recommendation-{rec.pk}", f"challenge-{challenge.pk}"),
        (f"challenge-{challenge.pk}", f"deal-{deal.pk}"),
        (f"challenge-{challenge.pk}", f"agreement-{agreement.pk}"),
    }


def test_a_challenges_neighbourhood(analyst, partner):
    deal = DealFactory(title="Open deal", visibility=PUBLISHED)
    challenge = ChallengeFactory(title="Costs", visibility=PUBLISHED, affects_deals=[deal])
    RecommendationFactory(title="Talk", visibility=PUBLISHED, addresses=[challenge])
    RecommendationFactory(title="Draft idea", visibility=DRAFT, addresses=[challenge])

    assert _titles(data.neighbourhood(analyst, challenge)) == {
        "Recommendations that answer it": ["Draft idea", "Talk"],
        "Challenge": ["Costs"],
        "Deals and agreements it affects": ["Open deal"],
    }
    assert _titles(data.neighbourhood(partner, challenge))["Recommendations that answer it"] == [
        "Talk"
    ]


def test_a_crowded_neighbourhood_is_capped_and_says_how_many_more(analyst):
    challenges = [ChallengeFactory() for _ in range(data.NEIGHBOURS_LIMIT + 3)]
    rec = RecommendationFactory(addresses=challenges)

    around = data.neighbourhood(analyst, rec)

    assert len(around.columns[1][1]) == data.NEIGHBOURS_LIMIT
    assert around.more == {"Challenges it answers": 3}
    assert len(around.edges) == data.NEIGHBOURS_LIMIT
