"""The record forms' pickers and the note forms' @mention completion, in Chromium, on a
laptop (1366 px) and a phone (390 px).

The pickers follow the ARIA combobox pattern (label, aria-expanded, aria-activedescendant;
Up/Down/Enter/Escape); a missing actor is created without leaving the form; without script
the plain checkboxes work. No script error (the `page` fixture), no console error and no CSP
violation on any page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.models import Actor, Agreement, Deal, Notification
from tests.browser.conftest import log_in
from tests.browser.watch import csp_violations, watch_page
from tests.browser.workspace import give_basis
from tests.factories import ActorFactory, AgreementFactory, AnalystFactory, TopicFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def watched(request, page):
    """The page at the viewport, collecting console errors and CSP violations."""
    page.set_viewport_size(VIEWPORTS[request.param])
    errors = watch_page(page)
    page.console_errors = errors
    yield page
    assert errors == [], errors


def _clean(page) -> None:
    assert csp_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page scrolls sideways: {width} px on {viewport}"


def test_actors_are_searched_picked_and_created_from_the_keyboard(watched, context, live_server):
    page = watched
    analyst = AnalystFactory()
    india, _ = ActorFactory(name="India"), ActorFactory(name="Japan")
    ActorFactory(name="Indonesia")
    TopicFactory(name="Semiconductors")
    log_in(context, live_server, analyst)
    page.goto("/agreements/new/")

    actors = page.get_by_role("group", name="Actors")
    # The checkbox list gave way to a combobox, labelled.
    expect(actors.get_by_role("checkbox")).to_have_count(0)
    box = actors.get_by_role("combobox", name="Find an actor to add")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.click()
    box.press_sequentially("ind")
    listbox = actors.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_text(
        ["India · State", "Indonesia · State", "Create actor “ind”"]
    )
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")  # picks India; never submits the form
    expect(page).to_have_url(f"{live_server.url}/agreements/new/")
    chosen = actors.get_by_role("list", name="Chosen: Actors")
    expect(chosen.get_by_role("listitem")).to_have_text(["India×"])
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_be_focused()

    # Escape closes the list, then clears the field.
    box.press_sequentially("ja")
    expect(listbox.get_by_role("option")).to_have_text(["Japan · State", "Create actor “ja”"])
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    box.press("Escape")
    expect(box).to_have_value("")

    # A missing actor is created where it is needed.
    box.press_sequentially("Ruritania")
    create = listbox.get_by_role("option", name="Create actor “Ruritania”")
    expect(create).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(chosen.get_by_role("listitem")).to_have_text(["India×", "Ruritania×"])
    # A chosen one is no longer offered; a chip's button removes it.
    box.press_sequentially("ind")
    expect(listbox.get_by_role("option")).to_have_text(["Indonesia · State", "Create actor “ind”"])
    box.press("Escape")
    chosen.get_by_role("button", name="Remove India").click()
    expect(chosen.get_by_role("listitem")).to_have_text(["Ruritania×"])

    page.get_by_role("group", name="Topics").get_by_role("combobox").press_sequentially("semi")
    page.get_by_role("option", name="Semiconductors").click()
    page.get_by_label("Title").fill("Picked by keyboard")
    page.get_by_label("Summary").fill("Made with the pickers.")
    page.get_by_label("Kind").select_option(index=1)
    give_basis(page)
    _clean(page)
    page.get_by_role("button", name="Create agreement").click()
    expect(page.locator("h1")).to_contain_text("Picked by keyboard")

    record = Agreement.objects.get(title="Picked by keyboard")
    assert {a.name for a in record.actors.all()} == {"Ruritania"}
    assert [t.name for t in record.topics.all()] == ["Semiconductors"]
    assert Actor.objects.get(name="Ruritania").created_by == analyst
    assert india.pk not in {a.pk for a in record.actors.all()}


def test_an_edit_form_starts_with_the_records_links_as_chips(watched, context, live_server):
    page = watched
    analyst = AnalystFactory()
    india = ActorFactory(name="India")
    record = AgreementFactory(user=analyst, title="Already linked", actors=[india])
    log_in(context, live_server, analyst)
    page.goto(f"{record.get_absolute_url()}edit/")
    chosen = page.get_by_role("list", name="Chosen: Actors")
    expect(chosen.get_by_role("listitem")).to_have_text(["India×"])
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_contain_text("Already linked")
    assert [a.name for a in Agreement.objects.get(pk=record.pk).actors.all()] == ["India"]
    _clean(page)


def test_a_refused_creation_says_why_in_the_form(watched, context, live_server):
    page = watched
    log_in(context, live_server, AnalystFactory())
    page.goto("/agreements/new/")
    box = page.get_by_role("group", name="Actors").get_by_role("combobox")
    box.click()
    box.press_sequentially("Narnia")
    expect(page.get_by_role("option", name="Create actor “Narnia”")).to_be_visible()
    ActorFactory(name="narnia")  # a colleague was quicker
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(
        "There is already an actor named “narnia”: pick it from the list."
    )
    assert Actor.objects.filter(name__iexact="narnia").count() == 1
    _clean(page)
    # The refusal itself is the one console line: Chromium logs every 4xx answer.
    assert len(page.console_errors) == 1
    assert "status of 400" in page.console_errors.pop()


def test_without_script_the_checkboxes_work(browser, live_server):
    analyst = AnalystFactory()
    ActorFactory(name="India")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        log_in(context, live_server, analyst)
        page = context.new_page()
        page.goto("/agreements/new/")
        expect(page.get_by_role("combobox", name="Find an actor to add")).to_have_count(0)
        page.get_by_role("group", name="Actors").get_by_label("India").check()
        page.get_by_label("Title").fill("Ticked by hand")
        page.get_by_label("Summary").fill("No script.")
        page.get_by_label("Kind").select_option(index=1)
        give_basis(page)
        page.get_by_role("button", name="Create agreement").click()
        expect(page.locator("h1")).to_contain_text("Ticked by hand")
    finally:
        context.close()
    record = Agreement.objects.get(title="Ticked by hand")
    assert [a.name for a in record.actors.all()] == ["India"]


def test_typing_at_and_letters_offers_colleagues_to_mention(watched, context, live_server):
    page = watched
    author = AnalystFactory(email="aiko@example.org")
    otto = AnalystFactory(email="otto@example.org", full_name="Otto Other")
    AnalystFactory(email="ottilie@example.org", full_name="Ottilie Third")
    record = AgreementFactory(user=author, title="Mentioned agreement")
    log_in(context, live_server, author)
    page.goto(record.get_absolute_url())

    note = page.locator("form.annotation-form textarea").first
    note.click()
    note.press_sequentially("Please check, @ot")
    people = page.get_by_role("listbox", name="People to mention")
    expect(people.get_by_role("option")).to_have_count(2)
    expect(people.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    expect(note).to_have_attribute(
        "aria-activedescendant", people.get_by_role("option").first.get_attribute("id")
    )
    note.press_sequentially("to")
    expect(people.get_by_role("option")).to_have_text(["@otto Otto Other"])
    note.press("Enter")  # inserts the name, no new line
    expect(note).to_have_value("Please check, @otto ")
    expect(people).to_be_hidden()
    # Escape closes an offer; an e-mail address offers nothing.
    note.press_sequentially("and @ott")
    expect(people).to_be_visible()
    note.press("Escape")
    expect(people).to_be_hidden()
    note.press_sequentially("ilie@example.org ")
    expect(people).to_be_hidden()
    # Shortcut keys typed into the note are just text.
    note.press_sequentially("j k e /")
    expect(page.locator("#shortcuts-help")).to_be_hidden()

    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".annotation").first).to_contain_text("@otto")
    assert Notification.objects.filter(recipient=otto).count() == 1
    _clean(page)


def test_a_picker_whose_session_ended_says_so(watched, context, live_server):
    page = watched
    ActorFactory(name="India")
    log_in(context, live_server, AnalystFactory())
    page.goto("/agreements/new/")
    context.clear_cookies()  # logged out elsewhere, or the session timed out
    box = page.get_by_role("group", name="Actors").get_by_role("combobox")
    box.click()
    box.press_sequentially("ind")
    expect(page.get_by_role("alert")).to_contain_text("Your session has ended")
    expect(box).to_have_attribute("aria-expanded", "false")
    _clean(page)


def test_a_deals_supplier_and_recipient_are_single_pickers(watched, context, live_server):
    page = watched
    ActorFactory(name="India")
    ActorFactory(name="Japan")
    log_in(context, live_server, AnalystFactory())
    page.goto("/deals/new/")

    supplier = page.get_by_role("combobox", name="Supplier")
    supplier.click()
    supplier.press_sequentially("jap")
    page.get_by_role("option", name="Japan").click()
    chosen = page.get_by_role("list", name="Chosen: Supplier")
    expect(chosen.get_by_role("listitem")).to_have_text(["Japan×"])
    supplier.press_sequentially("ind")
    expect(page.get_by_role("option", name="India")).to_be_visible()
    supplier.press("ArrowDown")
    supplier.press("Enter")  # one supplier: India takes Japan's place
    expect(chosen.get_by_role("listitem")).to_have_text(["India×"])

    recipient = page.get_by_role("combobox", name="Recipient")
    recipient.press_sequentially("Ruritania")
    expect(page.get_by_role("option", name="Create actor “Ruritania”")).to_be_visible()
    recipient.press("ArrowDown")
    recipient.press("Enter")
    expect(page.get_by_role("list", name="Chosen: Recipient").get_by_role("listitem")).to_have_text(
        ["Ruritania×"]
    )
    page.get_by_label("Title").fill("Single picks")
    page.get_by_label("Summary").fill("One supplier, one recipient.")
    page.get_by_label("Kind").select_option(index=1)
    give_basis(page)
    _clean(page)
    page.get_by_role("button", name="Create deal").click()
    expect(page.locator("h1")).to_contain_text("Single picks")
    deal = Deal.objects.get(title="Single picks")
    assert (deal.supplier.name, deal.recipient.name) == ("India", "Ruritania")
