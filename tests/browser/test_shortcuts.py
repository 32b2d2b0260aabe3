"""Keyboard shortcuts in Chromium: "/" search, "j"/"k" through a list, "e" edit, "?" help.

Each is pressed as a person would, on the page where it matters; typing in a field must
never trigger one.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import AgreementFactory, AnalystFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, page):
    """Each shortcut on a laptop and on a phone; no console error on either."""
    page.set_viewport_size(VIEWPORTS[request.param])
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    assert errors == [], errors


def test_slash_focuses_search_and_typing_there_triggers_nothing(page, context, live_server):
    log_in(context, live_server, AnalystFactory())
    page.goto("/agreements/")

    page.keyboard.press("/")
    search = page.locator("#site-search-q")
    expect(search).to_be_focused()
    page.keyboard.type("j?e/")  # shortcut keys typed into a field are just text
    expect(search).to_have_value("j?e/")
    expect(page.locator("#shortcuts-help")).not_to_be_visible()


def test_j_and_k_move_through_a_list_and_enter_opens_the_row(page, context, live_server):
    analyst = AnalystFactory()
    for n in range(3):
        AgreementFactory(user=analyst, title=f"Shortcut agreement {n}")
    log_in(context, live_server, analyst)
    page.goto("/agreements/?ordering=title")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(3)

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class("is-current")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    expect(rows.nth(2)).to_have_class("is-current")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class("is-current")
    expect(rows.nth(2)).not_to_have_class("is-current")
    link = rows.nth(1).locator("a[href]").first
    expect(link).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Shortcut agreement 1")


def test_e_edits_the_record_and_question_mark_shows_the_shortcuts(page, context, live_server):
    analyst = AnalystFactory()
    record = AgreementFactory(user=analyst, title="Editable by key")
    log_in(context, live_server, analyst)
    page.goto(record.get_absolute_url())

    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-help")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next / previous row")
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()

    page.keyboard.press("e")
    expect(page).to_have_url(f"{live_server.url}{record.get_absolute_url()}edit/")
    expect(page.locator("form.record-form")).to_be_visible()


def test_shortcuts_stay_off_in_the_pickers_and_the_note_field(page, context, live_server):
    analyst = AnalystFactory()
    record = AgreementFactory(user=analyst, title="Typed into")
    log_in(context, live_server, analyst)
    page.goto(f"{record.get_absolute_url()}edit/")
    box = page.get_by_role("group", name="Actors").get_by_role("combobox")
    box.click()
    box.press_sequentially("j?e/k")
    expect(box).to_have_value("j?e/k")
    expect(page.locator("#shortcuts-help")).not_to_be_visible()
    assert page.url.endswith("/edit/")

    page.goto(record.get_absolute_url())
    note = page.locator("form.annotation-form textarea").first
    note.click()
    note.press_sequentially("e/j?")
    expect(note).to_have_value("e/j?")
    expect(page.locator("#shortcuts-help")).not_to_be_visible()
    assert page.url.endswith(record.get_absolute_url())
