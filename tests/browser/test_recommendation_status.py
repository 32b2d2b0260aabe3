"""In the browser: a curator moves a recommendation's status; an analyst only proposes.

The status form on its own page (`/recommendations/<slug>/transition/`), as the board's
"move" link opens it. The edit conflict has its own module (test_record_conflict.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cooperation.models import RecommendationStatusChange, StatusProposal
from tests.browser.conftest import log_in
from tests.factories import AnalystFactory, CuratorFactory, RecommendationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_status_form(page, recommendation):
    """The status form on its own page, coming back to the board (the board's "move" link)."""
    page.goto(f"/recommendations/{recommendation.slug}/transition/?next=/recommendations/board/")


def test_curator_moves_a_recommendation_to_under_review(page, context, live_server):
    curator = CuratorFactory()
    recommendation = RecommendationFactory(title="Set up a joint financing mechanism")
    log_in(context, live_server, curator)

    _open_status_form(page, recommendation)
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the status")
    page.get_by_label("New status").select_option(label="Under review")
    page.get_by_label("Why").fill("Taken up at the quarterly review.")
    page.get_by_role("button", name="Change status").click()

    expect(page.get_by_role("status").first).to_contain_text("Status changed to under review.")
    expect(page).to_have_url(re.compile(r"/recommendations/board/"))
    recommendation.refresh_from_db()
    assert recommendation.status == "under_review"
    change = RecommendationStatusChange.objects.filter(recommendation=recommendation).latest(
        "changed_at"
    )
    assert (change.from_status, change.to_status, change.changed_by) == (
        "proposed",
        "under_review",
        curator,
    )
    assert change.note == "Taken up at the quarterly review."


def test_analyst_can_only_propose_a_status_change(page, context, live_server):
    analyst = AnalystFactory()
    recommendation = RecommendationFactory(title="Ease export regulations")
    log_in(context, live_server, analyst)

    _open_status_form(page, recommendation)
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a status change")
    page.get_by_label("New status").select_option(label="Under review")
    page.get_by_label("Why").fill("Ready for the curators.")
    page.get_by_role("button", name="Propose").click()

    expect(page.get_by_role("status").first).to_contain_text("Proposal sent")
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"  # nothing moves until a curator decides
    proposal = StatusProposal.objects.get(recommendation=recommendation)
    assert (proposal.to_status, proposal.proposed_by) == ("under_review", analyst)
