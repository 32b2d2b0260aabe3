"""@mention a colleague in a note; the colleague's bell shows it (Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import AgreementFactory, AnalystFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


VIEWPORTS = {"1366px": {"width": 1366, "height": 900}, "390px": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_a_mention_lights_the_colleagues_bell(browser, page, context, live_server, width):
    page.set_viewport_size(VIEWPORTS[width])
    author = AnalystFactory(email="aiko@example.org")
    colleague = AnalystFactory(email="otto@example.org", full_name="Otto Other")
    record = AgreementFactory(user=author, title="Mentioned agreement")

    log_in(context, live_server, author)
    page.goto(record.get_absolute_url())
    page.locator("form.annotation-form textarea").first.fill("@otto, please check the dates.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".messages, .annotation").first).to_be_visible()

    theirs = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[width])
    try:
        log_in(theirs, live_server, colleague)
        other = theirs.new_page()
        other.goto("/")
        bell = other.get_by_role("link", name="Notifications")
        expect(bell).to_have_attribute("data-unread", "1")
        expect(bell).to_contain_text("1 unread")
        bell.click()
        expect(other.locator(".notification")).to_contain_text("mentioned you")
        other.get_by_role("link", name="Mentioned agreement").click()
        expect(other.locator("h1")).to_contain_text("Mentioned agreement")
        other.goto("/notifications/")
        other.get_by_role("button", name="Mark all read").click()
        expect(other.get_by_role("link", name="Notifications")).to_have_attribute(
            "data-unread", "0"
        )
    finally:
        theirs.close()
