"""Saved views in Chromium, on a laptop (1366 px) and a phone (390 px): an analyst filters a
list and saves it shared, a colleague opens its link and sees the same filtered list, and
the owner renames and deletes it. No script is needed; no console error, no CSP violation,
and no page scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.models import SavedView
from tests.browser.conftest import TIMEOUT_MS, log_in
from tests.browser.watch import csp_violations, watch_page
from tests.factories import AnalystFactory, DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


def _clean(page) -> None:
    assert csp_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page scrolls sideways: {width} px on {viewport}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_view_is_saved_shared_opened_by_a_colleague_renamed_and_deleted(
    viewport, browser, context, page, live_server
):
    owner = AnalystFactory(full_name="Aiko Analyst")
    colleague = AnalystFactory(full_name="Otto Other")
    DealFactory(title="Semiconductor fab deal")
    DealFactory(title="Rice export deal")
    errors: list[str] = []
    page.set_viewport_size(VIEWPORTS[viewport])
    watch_page(page, errors)
    log_in(context, live_server, owner)

    # Filter the list.
    page.goto("/deals/")
    filters = page.get_by_role("form", name="Search and filter deals")
    filters.get_by_label("Search deals").fill("semiconductor")
    filters.get_by_role("button", name="Search").click()
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    _clean(page)

    # Save it, shared.
    menu = page.locator("section.saved-views")
    if not menu.locator("details").evaluate("d => d.open"):
        menu.locator("summary").click()
    menu.get_by_label("Save this view as").fill("Chip deals")
    menu.get_by_label("Share with the team").check()
    menu.get_by_role("button", name="Save this view").click()
    expect(
        page.get_by_role("status").filter(has_text="Saved the view “Chip deals”")
    ).to_be_visible()
    expect(rows).to_have_count(1)
    expect(menu.get_by_role("link", name="Chip deals")).to_be_visible()
    _clean(page)
    view = SavedView.objects.get()
    assert view.shared and view.query == "q=semiconductor"

    # A colleague opens the link and sees the same filtered list.
    other = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
    other.set_default_timeout(TIMEOUT_MS)
    try:
        log_in(other, live_server, colleague)
        their_page = other.new_page()
        watch_page(their_page, errors)
        their_page.goto(f"/views/{view.token}/")
        expect(their_page).to_have_url(f"{live_server.url}/deals/?q=semiconductor")
        their_rows = their_page.locator("table.list-table tbody tr")
        expect(their_rows).to_have_count(1)
        expect(their_rows.first).to_contain_text("Semiconductor fab deal")
        expect(their_page.get_by_label("Search deals")).to_have_value("semiconductor")
        team = their_page.get_by_role("list", name="The team's saved views of deals")
        expect(team.get_by_role("link", name="Chip deals")).to_be_visible()
        _clean(their_page)
    finally:
        other.close()

    # The owner renames it, then deletes it.
    page.goto("/views/")
    page.get_by_label("New name for “Chip deals”").fill("Semiconductor deals")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("status")).to_contain_text("Renamed to “Semiconductor deals”")
    expect(page.get_by_role("link", name="Semiconductor deals")).to_be_visible()
    _clean(page)
    page.get_by_role("button", name="Delete “Semiconductor deals”").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the view “Semiconductor deals”")
    expect(page.get_by_text("You have no saved views yet.")).to_be_visible()
    _clean(page)
    assert not SavedView.objects.exists()
    assert SavedView.all_objects.get().deleted_at is not None

    # The link is dead for the colleague too (and for the owner).
    page.goto(f"/views/{view.token}/")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Deals")
    assert errors == [] or all("404" in e for e in errors), errors
