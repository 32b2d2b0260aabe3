"""In the browser: moving a card on the recommendation board (static/js/board.js).

A curator's drop moves the status (with its history row), an analyst's becomes a
proposal; a column the move table does not allow refuses the drop and says so in words;
the "Move to…" button is the keyboard's way, and a touch phone's; a refusal from the
server (missing evidence, a card moved meanwhile) is said inside the dialog with the input
kept; the columns fit a 1366 px screen and stack at 390 px; no script error and no
Content-Security-Policy complaint on the way.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.models import RecommendationStatusChange, StatusProposal
from cooperation.services import recommendation_transition
from tests.browser.conftest import log_in
from tests.browser.watch import csp_violations, watch_page
from tests.factories import AnalystFactory, CuratorFactory, RecommendationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def board(page):
    """The page, with console errors and CSP violations collected; checked at the end."""
    problems = watch_page(page)
    yield page
    # Chromium logs every 4xx fetch; the dialog's refusals (400, 409) are answers the tests
    # check on the page, not faults.
    refusals = ("status of 400 (Bad Request)", "status of 409 (Conflict)")
    problems = [text for text in problems if not text.endswith(refusals)]
    assert problems == [], problems
    assert csp_violations(page) == []


def _open(page, viewport):
    page.set_viewport_size(viewport)
    page.goto("/recommendations/board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation board")


def _card(page, title):
    return page.locator("[data-card]", has_text=title)


def _column(page, status):
    return page.locator(f'[data-column="{status}"]')


def _no_sideways_scroll(page):
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.evaluate(
        "(() => { const b = document.querySelector('.board'); "
        "return b.scrollWidth <= b.clientWidth; })()"
    )


def _column_tops(page):
    return page.evaluate(
        "Array.from(document.querySelectorAll('[data-column]'))"
        ".map((c) => Math.round(c.getBoundingClientRect().top))"
    )


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366px", "390px"])
def test_curator_drags_a_card_to_an_allowed_column(board, context, live_server, viewport):
    curator = CuratorFactory()
    recommendation = RecommendationFactory(title="Set up a joint financing mechanism")
    log_in(context, live_server, curator)
    _open(board, viewport)
    _no_sideways_scroll(board)
    tops = _column_tops(board)
    if viewport is WIDE:
        assert len(set(tops)) == 1, tops  # all seven side by side
    else:
        assert tops == sorted(tops) and len(set(tops)) == 7, tops  # stacked

    _card(board, "Set up a joint financing mechanism").drag_to(_column(board, "under_review"))

    dialog = board.get_by_role("dialog", name="Change status")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("New status")).to_have_value("under_review")
    expect(dialog.get_by_label("Why")).to_be_focused()
    dialog.get_by_label("Why").fill("Taken up at the quarterly review.")
    dialog.get_by_role("button", name="Change status").click()

    expect(board.locator(".messages")).to_contain_text("Status changed to under review.")
    expect(_column(board, "under_review")).to_contain_text("Set up a joint financing mechanism")
    recommendation.refresh_from_db()
    assert recommendation.status == "under_review"
    change = RecommendationStatusChange.objects.filter(recommendation=recommendation).latest("pk")
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "proposed",
        "under_review",
        curator,
        "Taken up at the quarterly review.",
    )
    assert recommendation.history.count() == 2  # created, then the move
    _no_sideways_scroll(board)


def test_analyst_drop_becomes_a_proposal(board, context, live_server):
    analyst = AnalystFactory()
    recommendation = RecommendationFactory(title="Ease export regulations")
    log_in(context, live_server, analyst)
    _open(board, WIDE)

    _card(board, "Ease export regulations").drag_to(_column(board, "deferred"))

    dialog = board.get_by_role("dialog", name="Propose a move")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("When it happened")).to_have_count(0)  # a curator dates a move
    dialog.get_by_label("Why").fill("Waiting for the budget.")
    dialog.get_by_role("button", name="Propose").click()

    expect(board.locator(".messages")).to_contain_text("Proposal sent")
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"  # nothing moves until a curator decides
    proposal = StatusProposal.objects.get(recommendation=recommendation)
    assert (proposal.to_status, proposal.proposed_by, proposal.note) == (
        "deferred",
        analyst,
        "Waiting for the budget.",
    )


def test_a_disallowed_column_refuses_the_drop_and_says_why(board, context, live_server):
    recommendation = RecommendationFactory(title="Joint space awareness")
    log_in(context, live_server, CuratorFactory())
    _open(board, WIDE)

    _card(board, "Joint space awareness").hover()
    board.mouse.down()
    _column(board, "implemented").hover()
    _column(board, "implemented").hover(position={"x": 20, "y": 20})
    # While dragging: words in every column, not only a dimmed colour.
    expect(_column(board, "implemented")).to_contain_text("Not allowed from proposed")
    expect(_column(board, "implemented")).to_have_class("board-column is-drop-refused is-drop-over")
    expect(_column(board, "under_review")).to_contain_text("Drop here to move to under review")
    expect(_column(board, "proposed")).to_contain_text("Its status now")
    expect(board.locator("[data-board-live]")).to_have_text(
        "Moving “Joint space awareness”. It may go to: Under review, Rejected, Deferred. "
        "Other columns refuse it."
    )
    board.mouse.up()

    expect(board.get_by_role("dialog")).to_have_count(0)
    expect(board.locator("[data-drop-cue]:visible")).to_have_count(0)
    expect(board.locator("[data-board-live]")).to_have_text(
        "“Joint space awareness” stays proposed."
    )
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"
    assert RecommendationStatusChange.objects.filter(recommendation=recommendation).count() == 1


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366px", "390px"])
def test_keyboard_moves_a_card_to_a_closing_status_with_its_evidence(
    board, context, live_server, viewport
):
    curator = CuratorFactory()
    recommendation = RecommendationFactory(title="Harmonise defence standards")
    log_in(context, live_server, curator)
    _open(board, viewport)

    move_to = board.get_by_role("button", name="Move to… (Harmonise defence standards)")
    move_to.focus()
    board.keyboard.press("Enter")
    dialog = board.get_by_role("dialog", name="Change status")
    expect(dialog).to_be_visible()
    status = dialog.get_by_label("New status")
    expect(status).to_be_focused()
    # Only the moves the table allows from "proposed" are offered.
    options = status.locator("option").all_inner_texts()
    assert options == ["Under review", "Rejected", "Deferred"]
    closing_hint = dialog.get_by_text("Closing a recommendation (implemented or rejected)")
    expect(closing_hint).to_be_hidden()
    board.keyboard.press("ArrowDown")  # Under review → Rejected
    expect(status).to_have_value("rejected")
    expect(closing_hint).to_be_visible()
    board.keyboard.press("Tab")
    board.keyboard.type("Dropped at the 2+2 dialogue.")
    board.keyboard.press("Tab")
    board.keyboard.type("2024-11")
    dialog.get_by_label("…or a link to the public record").focus()
    board.keyboard.type("https://example.org/joint-statement")
    dialog.get_by_role("button", name="Change status").focus()
    board.keyboard.press("Enter")

    expect(board.locator(".messages")).to_contain_text("Status changed to rejected.")
    recommendation.refresh_from_db()
    assert recommendation.status == "rejected"
    change = RecommendationStatusChange.objects.filter(recommendation=recommendation).latest("pk")
    assert change.to_status == "rejected"
    assert change.evidence_url == "https://example.org/joint-statement"
    assert (str(change.happened_on), change.happened_on_precision) == ("2024-11-01", "month")


def test_escape_closes_the_dialog_and_gives_the_focus_back(board, context, live_server):
    RecommendationFactory(title="Expand student exchanges")
    log_in(context, live_server, AnalystFactory())
    _open(board, WIDE)

    move_to = board.get_by_role("button", name="Move to… (Expand student exchanges)")
    move_to.focus()
    board.keyboard.press("Enter")
    expect(board.get_by_role("dialog")).to_be_visible()
    board.keyboard.press("Escape")

    expect(board.get_by_role("dialog")).to_have_count(0)
    expect(move_to).to_be_focused()
    assert StatusProposal.objects.count() == 0


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366px", "390px"])
def test_closing_without_evidence_is_refused_inside_the_dialog_with_the_input_kept(
    board, context, live_server, viewport
):
    recommendation = RecommendationFactory(title="Co-develop drones")
    log_in(context, live_server, CuratorFactory())
    _open(board, viewport)

    if viewport is WIDE:
        _card(board, "Co-develop drones").drag_to(_column(board, "rejected"))
        dialog = board.get_by_role("dialog", name="Change status")
    else:
        board.get_by_role("button", name="Move to… (Co-develop drones)").click()
        dialog = board.get_by_role("dialog", name="Change status")
        dialog.get_by_label("New status").select_option("rejected")
    expect(dialog.get_by_text("Closing a recommendation (implemented or rejected)")).to_be_visible()
    dialog.get_by_label("Why").fill("No longer pursued.")
    dialog.get_by_role("button", name="Change status").click()

    # The service's refusal, in the dialog: no navigation, the focus on it, the note kept.
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("needs evidence")
    expect(alert).to_be_focused()
    expect(dialog.get_by_label("Why")).to_have_value("No longer pursued.")
    assert board.url.endswith("/recommendations/board/")
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"

    # Given the evidence, the same dialog sends it again.
    dialog.get_by_label("…or a link to the public record").fill("https://example.org/minutes")
    dialog.get_by_role("button", name="Change status").click()
    expect(board.locator(".messages")).to_contain_text("Status changed to rejected.")
    recommendation.refresh_from_db()
    assert recommendation.status == "rejected"


def test_a_card_moved_meanwhile_is_a_conflict_in_the_dialog_then_moves_as_it_now_is(
    board, context, live_server
):
    curator = CuratorFactory()
    recommendation = RecommendationFactory(title="Joint cyber exercises")
    log_in(context, live_server, curator)
    _open(board, WIDE)
    board.get_by_role("button", name="Move to… (Joint cyber exercises)").click()
    dialog = board.get_by_role("dialog", name="Change status")
    dialog.get_by_label("New status").select_option("deferred")
    dialog.get_by_label("Why").fill("Waiting for the budget.")

    # Someone else moves it while the dialog is open.
    recommendation_transition(
        recommendation=recommendation, to_status="under_review", user=curator, note="Elsewhere"
    )
    dialog.get_by_role("button", name="Change status").click()

    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("changed by someone else")
    expect(alert).to_be_focused()
    expect(dialog.get_by_label("Why")).to_have_value("Waiting for the budget.")
    expect(dialog).to_contain_text("“Joint cyber exercises” is under review.")
    # The statuses on offer are now those allowed from under review, the choice kept.
    options = dialog.get_by_label("New status").locator("option").all_inner_texts()
    assert "Accepted" in options and "Under review" not in options
    expect(dialog.get_by_label("New status")).to_have_value("deferred")

    dialog.get_by_role("button", name="Change status").click()
    expect(board.locator(".messages")).to_contain_text("Status changed to deferred.")
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == ("deferred", 3)


@pytest.fixture
def phone(browser, live_server):
    """A touch phone at 390 px: taps, no mouse."""
    ctx = browser.new_context(
        base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True
    )
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield ctx, page
    ctx.close()
    assert errors == []


def test_on_a_touch_phone_a_card_moves_with_its_move_to_button(phone, live_server, db):
    context, page = phone
    analyst = AnalystFactory()
    recommendation = RecommendationFactory(title="Shared port access")
    log_in(context, live_server, analyst)
    page.goto("/recommendations/board/")
    _no_sideways_scroll(page)

    page.get_by_role("button", name="Move to… (Shared port access)").tap()
    dialog = page.get_by_role("dialog", name="Propose a move")
    expect(dialog).to_be_visible()
    assert dialog.bounding_box()["width"] <= PHONE["width"]
    status = dialog.get_by_label("New status")
    assert status.locator("option").all_inner_texts() == ["Under review", "Rejected", "Deferred"]
    status.select_option("under_review")
    dialog.get_by_label("Why").tap()
    dialog.get_by_label("Why").fill("Raised at the port authority meeting.")
    dialog.get_by_role("button", name="Propose").tap()

    expect(page.locator(".messages")).to_contain_text("Proposal sent")
    proposal = StatusProposal.objects.get(recommendation=recommendation)
    assert (proposal.to_status, proposal.proposed_by) == ("under_review", analyst)


def test_without_script_the_cards_keep_their_status_links(browser, live_server, db):
    RecommendationFactory(title="Link only")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        log_in(context, live_server, CuratorFactory())
        page = context.new_page()
        page.goto("/recommendations/board/")
        card = page.locator("[data-card]", has_text="Link only")
        expect(card.get_by_role("link", name="Change status")).to_be_visible()
        expect(card.get_by_role("button", name="Move to…")).to_be_hidden()
        assert card.get_attribute("draggable") is None
    finally:
        context.close()
