"""Browser: two people edit the same record; the second sees a conflict and re-applies.

Drives Debian's Chromium through Playwright against the live server (tests/browser/
conftest.py). Each person is signed in by a session cookie (logging in through the form
is another test's subject), so this test is only about the edit conflict.
"""

from __future__ import annotations

import pytest

from cooperation.models import Agreement
from tests.browser.conftest import log_in
from tests.factories import AgreementFactory, AnalystFactory, CuratorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(browser, live_server):
    """Pages signed in as given users, each in a context of its own; closed after the test."""
    contexts = []

    def open_page(user):
        context = browser.new_context()
        contexts.append(context)
        log_in(context, live_server, user)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_second_editor_sees_both_versions_and_reapplies_on_top(signed_in, live_server):
    curator = CuratorFactory(full_name="Chandra Curator")
    analyst = AnalystFactory(full_name="Aiko Analyst")
    record = AgreementFactory(title="Original title", summary="Original summary")
    edit_url = f"{live_server.url}/agreements/{record.slug}/edit/"
    first = signed_in(curator)
    second = signed_in(analyst)

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
