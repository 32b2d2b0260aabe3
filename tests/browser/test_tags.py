"""Tags in Chromium, on a laptop (1366 px) and a phone (390 px): a record tagged through the
tags picker (a new tag made on the spot), the list filtered by the tag from its chip, and two
rows tagged at once with the bulk action. No console error, no CSP violation, no sideways
scrolling (the fixtures of test_pickers.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.models import Agreement, Tag
from cooperation.services.tags import tag_create
from tests.browser.conftest import log_in
from tests.browser.test_pickers import VIEWPORTS, _clean
from tests.browser.watch import watch_page
from tests.factories import AgreementFactory, AnalystFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(VIEWPORTS))
def watched(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    errors = watch_page(page)
    yield page
    assert errors == [], errors


def test_tag_a_record_filter_by_it_and_bulk_tag_two_rows(watched, context, live_server):
    page = watched
    analyst = AnalystFactory()
    tag_create(user=analyst, name="Quad")
    record = AgreementFactory(title="Tokyo accord")
    first, second = AgreementFactory(title="Alpha pact"), AgreementFactory(title="Beta pact")
    log_in(context, live_server, analyst)

    # 1. The tags picker on the edit form: a new tag made where it is needed.
    page.goto(f"/agreements/{record.slug}/edit/")
    tags = page.get_by_role("group", name="Tags")
    expect(tags.get_by_role("checkbox")).to_have_count(0)
    box = tags.get_by_role("combobox")
    box.press_sequentially("Sea denial")
    listbox = tags.get_by_role("listbox")
    create = listbox.get_by_role("option", name="Create tag “Sea denial”")
    expect(create).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    chosen = tags.get_by_role("list", name="Chosen: Tags")
    expect(chosen.get_by_role("listitem")).to_have_text(["Sea denial×"])
    _clean(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Tokyo accord")
    assert [t.name for t in Agreement.objects.get(pk=record.pk).tags.all()] == ["Sea denial"]

    # 2. Its chip on the record page opens the list filtered by it.
    page.get_by_role("link", name="Sea denial").first.click()
    expect(page).to_have_url(f"{live_server.url}/agreements/?tag=sea-denial")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tokyo accord")
    _clean(page)

    # 3. Two rows tagged at once; each its own history row.
    page.goto("/agreements/")
    page.get_by_label("Select Alpha pact").check()
    page.get_by_label("Select Beta pact").check()
    page.locator("#id_bulk_action").select_option("tag")
    page.locator("#id_bulk_tag").select_option(label="Quad")
    _clean(page)
    page.get_by_role("button", name="Apply to the selected").click()
    expect(page.get_by_role("status")).to_contain_text("2 done")
    quad = Tag.objects.get(name="Quad")
    for row in (first, second):
        assert list(Agreement.objects.get(pk=row.pk).tags.all()) == [quad]
    page.goto("/agreements/?tag=quad")
    expect(page.locator("table.list-table tbody tr")).to_have_count(2)
    _clean(page)
