"""On a 360 px screen every list fits the width: a wide table scrolls inside its frame."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.services import annotation_create
from tests.browser.conftest import log_in
from tests.factories import (
    AgreementFactory,
    AnalystFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTS = ["/agreements/", "/deals/", "/challenges/", "/recommendations/", "/sources/", "/notes/"]


def test_lists_do_not_scroll_sideways_on_a_narrow_screen(page, context, live_server):
    analyst = AnalystFactory()
    AgreementFactory(user=analyst)
    DealFactory(user=analyst)
    challenge = ChallengeFactory(user=analyst)
    RecommendationFactory(user=analyst)
    SourceFactory()
    annotation_create(author=analyst, record=challenge, body="A note wide enough to list.")
    log_in(context, live_server, analyst)
    page.set_viewport_size({"width": 360, "height": 740})

    for url in LISTS:
        page.goto(url)
        table = page.locator("table.list-table")
        expect(table).to_be_visible()
        # The table itself is wider than the screen, so the test can tell a frame that
        # scrolls from a page that does.
        assert table.evaluate("t => t.scrollWidth") > 360, url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{url} scrolls sideways: {width} px wide"
