"""Browser: the charts page and a record's neighbourhood, at 1366 px and at 390 px, under the
Content-Security-Policy; clicking a mark lands on the list of exactly its rows."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cooperation.choices import DealStatus
from cooperation.services import recommendation_transition
from tests.browser.conftest import log_in
from tests.browser.watch import csp_violations, watch_page
from tests.factories import (
    AgreementFactory,
    AnalystFactory,
    ChallengeFactory,
    CuratorFactory,
    DealFactory,
    RecommendationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1366, 390]


@pytest.fixture
def watched(page):
    """The page, with console errors and CSP violations collected."""
    page.complaints = watch_page(page)
    return page


def _quiet(page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.complaints == []
    assert csp_violations(page) == []


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll} px wide"


@pytest.fixture
def corpus(db):
    analyst = AnalystFactory()
    agreement = AgreementFactory(
        title="Civil nuclear agreement", signed_on=datetime.date(2016, 11, 11)
    )
    AgreementFactory(signed_on=datetime.date(2018, 1, 1), signed_on_precision="year")
    deal = DealFactory(title="US-2 amphibians", status=DealStatus.STALLED)
    DealFactory(status=DealStatus.STALLED)
    DealFactory(status=DealStatus.SIGNED)
    challenge = ChallengeFactory(
        title="Export controls", affects_deals=[deal], affects_agreements=[agreement]
    )
    rec = RecommendationFactory(title="Open a defence industry forum", addresses=[challenge])
    RecommendationFactory(addresses=[challenge])
    return {"analyst": analyst, "challenge": challenge, "recommendation": rec, "deal": deal}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_charts_page_fits_and_a_deal_bar_opens_its_list(
    watched, context, live_server, corpus, width
):
    page = watched
    log_in(context, live_server, corpus["analyst"])
    page.set_viewport_size({"width": width, "height": 900})

    page.goto("/")
    page.get_by_role("link", name="More charts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charts")
    for name in (
        "Recommendations by status over time",
        "Which recommendations answer which challenges",
        "Agreements by year signed",
        "Deals by status",
    ):
        expect(page.get_by_role("group", name=name)).to_be_visible()
    _quiet(page)
    _fits(page, width)

    deals = page.get_by_role("group", name="Deals by status")
    deals.locator("a[href$='status=stalled']").click()
    page.wait_for_url("**/deals/?status=stalled")
    expect(page.locator("table.list-table tbody tr")).to_have_count(2)
    _quiet(page)


def test_a_year_column_opens_the_agreements_signed_that_year(watched, context, live_server, corpus):
    page = watched
    log_in(context, live_server, corpus["analyst"])
    page.goto("/charts/")

    years = page.get_by_role("group", name="Agreements by year signed")
    years.locator("a[href*='signed_after=2016-01-01']").click()
    page.wait_for_url("**/agreements/?signed_after=2016-01-01&signed_before=2016-12-31")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Civil nuclear agreement")
    _quiet(page)


def test_a_past_year_cell_opens_the_recommendations_in_that_status_then(
    watched, context, live_server, corpus
):
    # At 390 px: the small multiples' cells are the smallest marks on the page.
    curator = CuratorFactory()
    rec = corpus["recommendation"]
    last_year = timezone.localdate().year - 1
    recommendation_transition(
        recommendation=rec,
        to_status="under_review",
        user=curator,
        note="Taken up",
        happened_on=f"{last_year}-03",
    )
    page = watched
    log_in(context, live_server, corpus["analyst"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/charts/")

    chart = page.get_by_role("group", name="Recommendations by status over time")
    cell = chart.locator(f"a[href$='status_on=under_review&on={last_year}-12-31']")
    expect(cell).to_contain_text("1")
    cell.click()
    page.wait_for_url(f"**/recommendations/?status_on=under_review&on={last_year}-12-31")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Open a defence industry forum")
    _quiet(page)


def test_a_tick_in_the_matrix_opens_the_recommendations_answering_it(
    watched, context, live_server, corpus
):
    page = watched
    log_in(context, live_server, corpus["analyst"])
    page.goto("/charts/")

    matrix = page.get_by_role("group", name="Which recommendations answer which challenges")
    matrix.locator(f"a[href$='addresses={corpus['challenge'].slug}']").first.click()
    page.wait_for_url(f"**/recommendations/?addresses={corpus['challenge'].slug}")
    expect(page.locator("table.list-table tbody tr")).to_have_count(2)
    _quiet(page)


def test_the_table_behind_a_chart_opens(watched, context, live_server, corpus):
    page = watched
    log_in(context, live_server, corpus["analyst"])
    page.goto("/charts/")

    page.get_by_text("The same figures as a table").last.click()
    table = page.get_by_role("table", name="Deals by status")
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="Stalled 2")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_recommendations_neighbourhood_links_to_its_records(
    watched, context, live_server, corpus, width
):
    page = watched
    log_in(context, live_server, corpus["analyst"])
    page.set_viewport_size({"width": width, "height": 900})
    rec = corpus["recommendation"]

    page.goto(rec.get_absolute_url())
    graph = page.get_by_role("group", name="Recommendation and its neighbourhood")
    expect(graph).to_be_visible()
    _quiet(page)
    _fits(page, width)

    graph.locator(f"a[href='{corpus['deal'].get_absolute_url()}']").click()
    page.wait_for_url(f"**{corpus['deal'].get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("US-2 amphibians")


def test_a_challenges_neighbourhood_has_a_list_for_screen_readers(
    watched, context, live_server, corpus
):
    page = watched
    log_in(context, live_server, corpus["analyst"])

    page.goto(corpus["challenge"].get_absolute_url())
    expect(page.get_by_role("group", name="Challenge and its neighbourhood")).to_be_visible()
    page.get_by_text("The same records as a list").click()
    expect(page.get_by_role("link", name="Open a defence industry forum").last).to_be_visible()
    _quiet(page)
