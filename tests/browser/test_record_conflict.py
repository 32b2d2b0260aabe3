"""Browser: two people edit the same record; the second sees a conflict and re-applies.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against the live
server. Each person is signed in by a session cookie (logging in through the form
is another test's subject), so this test is only about the edit conflict.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from cooperation.models import Agreement
from tests.factories import AgreementFactory, AnalystFactory, CuratorFactory

CHROMIUM = os.environ.get("CONTOURS_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed"),
]


@pytest.fixture
def chromium(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes around it (factories, assertions) are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs get connections of their own
            # (asgiref contexts); close them, or PostgreSQL cannot drop the test database.
            connections.close_all()


def _signed_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_second_editor_sees_both_versions_and_reapplies_on_top(chromium, live_server):
    curator = CuratorFactory(full_name="Chandra Curator")
    analyst = AnalystFactory(full_name="Aiko Analyst")
    record = AgreementFactory(title="Original title", summary="Original summary")
    edit_url = f"{live_server.url}/agreements/{record.slug}/edit/"
    first = _signed_in_page(chromium, live_server, curator)
    second = _signed_in_page(chromium, live_server, analyst)

    # Both open the form at version 1.
    first.goto(edit_url)
    second.goto(edit_url)

    first.get_by_label("Title").fill("Curator's title")
    first.get_by_role("button", name="Save changes").click()
    first.wait_for_url(f"**/agreements/{record.slug}/")

    second.get_by_label("Summary").fill("Analyst's summary")
    second.get_by_role("button", name="Save changes").click()

    # Nothing of the analyst's was saved; both versions are on the page.
    assert second.get_by_role("heading", level=1).inner_text().startswith("Edit conflict")
    assert "Nothing you typed was saved" in second.get_by_role("alert").first.inner_text()
    table = second.locator("table.conflict-table")
    title_row = table.locator("tr", has=second.get_by_role("rowheader", name="Title"))
    assert "Differs" in title_row.inner_text()
    assert "Curator's title" in title_row.inner_text()
    assert second.get_by_label("Summary").input_value() == "Analyst's summary"
    assert Agreement.objects.get(pk=record.pk).summary == "Original summary"

    second.get_by_role("button", name="Re-apply my changes on version 2").click()

    # A fresh form at version 2: the curator's title kept, the analyst's summary on top.
    assert second.get_by_label("Title").input_value() == "Curator's title"
    assert second.get_by_label("Summary").input_value() == "Analyst's summary"
    second.get_by_role("button", name="Save changes").click()
    second.wait_for_url(f"**/agreements/{record.slug}/")

    saved = Agreement.objects.get(pk=record.pk)
    assert (saved.title, saved.summary, saved.version) == (
        "Curator's title",
        "Analyst's summary",
        3,
    )
