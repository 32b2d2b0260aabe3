"""Issue 16 in the browser, item by item, at 1366 px and at 390 px.

Where each item is covered at 1366 px and 390 px (tags, saved views, axe: other files):

- reader numbering = ids, cite by click / number: test_citing.py
- reader at 390 px: test_reader_phone.py (390 px, and the 1366 px layout)
- pickers: test_pickers.py (fixture-parametrised)
- bulk actions, each refused row listed: here, test_bulk_actions_…
- keyboard shortcuts / j k e ?: test_shortcuts.py (fixture-parametrised)
- @mentions, bell, unread, mark read: test_notifications.py
- watch: here, test_watching_…
- assigning an owner tells them: here, test_bulk_actions_… (the owner's bell)
- board drag, touch, refusals in the dialog: test_board_moves.py (touch at 390 px)
- dashboard cards layout, Markdown notes cut at a word: here, test_the_dashboard_…
- charts and neighbourhood graph, a mark opens its list: test_charts.py
- admin history readable (field: before → after): here, test_an_admin_history_page_…;
  no CSP error on any admin page: test_admin_pages.py (every page, 1280 px only: the
  walk is the slowest browser test, so it is not run twice; the history page here checks
  CSP at both widths)
- publishing a record citing an unpublished source warns: here, test_publishing_…

One test here per width, reusing the package's browser and the live server: no sleeps.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cooperation.models import Notification
from cooperation.services import (
    annotation_create,
    evidence_attach,
    recommendation_transition,
    tracked_update,
)
from tests.browser.conftest import log_in
from tests.browser.watch import csp_violations, watch_page
from tests.factories import (
    AdminFactory,
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    ExcerptFactory,
    RecommendationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1366px": {"width": 1366, "height": 900}, "390px": {"width": 390, "height": 844}}


def _fits(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), f"{page.url} scrolls sideways"


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_bulk_actions_list_each_refused_row_and_a_new_owner_is_told(
    browser, page, context, live_server, width
):
    curator = CuratorFactory()
    owner = AnalystFactory(full_name="Olga Owner")
    RecommendationFactory(title="Fresh idea")
    moved = RecommendationFactory(title="Already reviewed")
    recommendation_transition(
        recommendation=moved, to_status="under_review", user=curator, note="Earlier"
    )
    log_in(context, live_server, curator)
    page.set_viewport_size(VIEWPORTS[width])

    # A status move in bulk: one row moves, the other is refused with its reason.
    page.goto("/recommendations/")
    page.get_by_label("Select Fresh idea").check()
    page.get_by_label("Select Already reviewed").check()
    page.get_by_label("With the selected recommendations").select_option("move_status")
    page.get_by_label("New status").select_option("under_review")
    page.get_by_label("Why").fill("Quarterly review")
    page.get_by_role("button", name="Apply to the selected").click()
    expect(page.get_by_role("status")).to_contain_text("1 done, 1 refused")
    refused = page.locator(".bulk-refused li")
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("Already reviewed:")
    expect(page.locator(".bulk-done")).to_contain_text("Fresh idea")
    _fits(page)

    # An owner for both: each saved on its own, and the owner is told.
    page.get_by_role("link", name="Back to the list").click()
    page.get_by_label("Select Fresh idea").check()
    page.get_by_label("Select Already reviewed").check()
    bulk = page.get_by_role("form", name="Act on the selected rows")
    bulk.get_by_label("With the selected recommendations").select_option("assign_owner")
    bulk.get_by_label("Owner", exact=True).select_option(str(owner.pk))
    page.get_by_role("button", name="Apply to the selected").click()
    expect(page.get_by_role("status")).to_contain_text("2 done")
    assert Notification.objects.filter(recipient=owner).count() == 2

    theirs = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[width])
    try:
        log_in(theirs, live_server, owner)
        other = theirs.new_page()
        other.goto("/")
        bell = other.get_by_role("link", name="Notifications")
        expect(bell).to_have_attribute("data-unread", "2")
        bell.click()
        expect(other.locator(".notification").first).to_be_visible()
        _fits(other)
    finally:
        theirs.close()


def _bell(page):
    return page.get_by_role("link", name="Notifications")


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_dashboard_cards_and_a_note_cut_at_a_word_then_watching_a_record(
    page, context, live_server, width
):
    analyst, curator = AnalystFactory(), CuratorFactory()
    recommendation = RecommendationFactory(title="Watched recommendation")
    words = " ".join(f"word{n}" for n in range(60))
    annotation_create(author=analyst, record=recommendation, body=f"**Bold start** {words}")
    log_in(context, live_server, analyst)
    page.set_viewport_size(VIEWPORTS[width])

    page.goto("/")
    _fits(page)
    tops = page.evaluate(
        "Array.from(document.querySelectorAll('main .grid > .card'))"
        ".map((c) => Math.round(c.getBoundingClientRect().top))"
    )
    assert len(tops) >= 3, tops
    if width == "1366px":
        assert len(set(tops)) < len(tops), tops  # cards side by side
    else:
        assert len(set(tops)) == len(tops), tops  # one card a row
    # The note, its Markdown rendered (no asterisks), cut after a whole word.
    note = page.locator("section[aria-labelledby='mine-heading'] a[href^='/notes/']").first
    text = note.inner_text()
    assert text.startswith("Bold start word0") and "**" not in text, text
    assert text.endswith("…"), text
    assert re.search(r"word\d+…$", text) and text.rstrip("…").split()[-1] in words.split(), text

    # Watch the recommendation; a curator's move of it lights the bell.
    page.goto(recommendation.get_absolute_url())
    watch = page.get_by_role("button", name="Watch", exact=True)
    watch.click()
    expect(page.get_by_role("button", name="Stop watching")).to_have_attribute(
        "aria-pressed", "true"
    )
    recommendation_transition(
        recommendation=recommendation, to_status="under_review", user=curator, note="Review"
    )
    page.reload()
    expect(_bell(page)).to_have_attribute("data-unread", "1")
    _fits(page)


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_publishing_a_record_citing_an_unpublished_source_warns_the_curator(
    page, context, live_server, width
):
    curator = CuratorFactory()
    record = AgreementFactory(title="Cites the minutes")
    excerpt = ExcerptFactory(source__title="Internal minutes")
    evidence_attach(record=record, excerpt=excerpt, user=curator)
    log_in(context, live_server, curator)
    page.set_viewport_size(VIEWPORTS[width])

    page.goto(record.get_absolute_url())
    page.get_by_role("button", name="Publish", exact=True).click()

    messages = page.locator(".messages")
    expect(messages).to_contain_text("Visibility is now published")
    expect(messages).to_contain_text("without its evidence from unpublished sources")
    expect(messages).to_contain_text("Internal minutes")
    _fits(page)


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_an_admin_history_page_reads_field_before_after(page, context, live_server, width):
    agreement = AgreementFactory(title="Space pact", visibility="internal")
    tracked_update(
        instance=agreement,
        user=None,
        data={"title": "Space and cyber pact", "visibility": "published"},
        expected_version=agreement.version,
    )
    console = watch_page(page)
    log_in(context, live_server, AdminFactory(is_superuser=True))
    page.set_viewport_size(VIEWPORTS[width])

    page.goto(f"/admin/cooperation/agreement/{agreement.pk}/history/")

    changes = page.locator("ul.history-changes").first
    expect(changes).to_contain_text("Title: Space pact → Space and cyber pact")
    expect(changes).to_contain_text("Visibility: Internal → Published")
    expect(changes.locator("del").first).to_have_text("Space pact")
    assert console == [] and csp_violations(page) == []
