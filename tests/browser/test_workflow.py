"""In the browser: a curator moves a recommendation's status; two people edit one record.

Written against the URL contract (cooperation/urls.py): the transition form posts to
`/recommendations/<slug>/transition/`, a record's edit form is `/<kind>/<slug>/edit/`.
The forms are found by their action and field names, not by their wording.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cooperation.models import Challenge, RecommendationStatusChange, StatusProposal
from tests.browser.conftest import log_in
from tests.factories import AnalystFactory, ChallengeFactory, CuratorFactory, RecommendationFactory

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


def test_second_editor_of_a_record_sees_a_conflict_not_a_silent_overwrite(
    browser, live_server, transactional_db
):
    challenge = ChallengeFactory(title="High cost", summary="As the brief says.")
    edit_url = f"{live_server.url}/challenges/{challenge.slug}/edit/"
    first, second = (browser.new_context() for _ in range(2))
    try:
        log_in(first, live_server, AnalystFactory())
        log_in(second, live_server, AnalystFactory())
        first_page, second_page = first.new_page(), second.new_page()
        first_page.goto(edit_url)
        second_page.goto(edit_url)  # both forms now hold version 1

        first_page.locator("input[name=title]").fill("High cost of equipment")
        first_page.locator("main form button[type=submit]").first.click()
        expect(first_page).not_to_have_url(re.compile(r"/edit/$"))

        second_page.locator("textarea[name=summary]").fill("My own summary, typed with care.")
        second_page.locator("main form button[type=submit]").first.click()

        expect(second_page.locator("main")).to_contain_text(
            re.compile(r"conflict|changed by someone else", re.IGNORECASE)
        )
        # Nothing the second person typed is lost, and nothing was overwritten.
        expect(second_page.locator("textarea[name=summary]").first).to_have_value(
            "My own summary, typed with care."
        )
        stored = Challenge.objects.get(pk=challenge.pk)
        assert (stored.title, stored.summary) == ("High cost of equipment", "As the brief says.")
    finally:
        first.close()
        second.close()
