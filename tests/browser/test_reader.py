"""In the browser: log in, select a passage of the brief, annotate it, make it evidence."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cooperation.models import Annotation, Excerpt, RecordEvidence
from cooperation.services import excerpt_create
from tests.browser.conftest import log_in
from tests.browser.reading import drag_select
from tests.factories import PASSWORD, AnalystFactory, ChallengeFactory, SourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "INDIA-JAPAN STRATEGIC COOPERATION: FUTURE CONTOURS"


def test_login_form_logs_an_analyst_in_and_returns_to_the_page_asked_for(
    page, live_server, seed_source
):
    user = AnalystFactory(email="reader@example.org", full_name="Rita Reader")

    page.goto(seed_source.get_absolute_url())

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"{seed_source.get_absolute_url()}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_source.title)
    expect(page.locator(".account-menu summary")).to_contain_text(user.full_name)


def test_login_form_refuses_a_wrong_password(page, live_server, db):
    AnalystFactory(email="reader@example.org")

    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_reader_shows_running_headers_apart_from_the_text(page, context, live_server, seed_source):
    log_in(context, live_server, AnalystFactory())

    page.goto(seed_source.get_absolute_url())

    furniture = page.locator("#reading-text .furniture")
    expect(furniture).to_have_count(2)
    expect(furniture.nth(1)).to_have_attribute("aria-hidden", "true")
    # Small and muted, not in the reading flow's type.
    size = furniture.nth(1).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    body_size = page.locator("#reading-text p").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size < body_size * 0.8


def test_select_a_passage_with_the_mouse_and_annotate_it(page, context, live_server, seed_source):
    analyst = AnalystFactory()
    log_in(context, live_server, analyst)
    page.goto(seed_source.get_absolute_url())

    start, end = drag_select(page, "long procurement procedure")

    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_be_visible()
    expect(toolbar).to_contain_text("“long procurement procedure” (3 words)")
    toolbar.get_by_role("button", name="Annotate this passage").click()
    dialog = page.get_by_role("dialog", name="Annotate this passage")
    expect(dialog).to_be_visible()
    expect(dialog.locator("blockquote")).to_have_text("long procurement procedure")
    dialog.get_by_label("Note", exact=True).fill("How long, in months?")
    dialog.get_by_label("Kind of note").select_option("question")
    dialog.get_by_role("button", name="Save note").click()

    expect(page.get_by_role("status").first).to_contain_text("Your note on the passage is saved.")
    excerpt = Excerpt.objects.get(source=seed_source, start=start, end=end)
    assert excerpt.exact == "long procurement procedure"
    note = Annotation.objects.get(excerpt=excerpt)
    assert (note.body, note.motivation, note.author) == (
        "How long, in months?",
        "question",
        analyst,
    )
    expect(page).to_have_url(re.compile(rf"#excerpt-{excerpt.pk}$"))
    expect(page.locator(f"mark#excerpt-{excerpt.pk}")).to_have_text("long procurement procedure")
    # The excerpt's notes open beside the text, the new one in them.
    card = page.locator(f"#card-excerpt-{excerpt.pk}")
    expect(card.get_by_role("heading", name="Notes (1)")).to_be_visible()
    expect(card).to_contain_text("How long, in months?")


def test_select_a_passage_across_a_running_header_and_make_it_evidence(
    page, context, live_server, seed_source
):
    log_in(context, live_server, AnalystFactory())
    challenge = ChallengeFactory(title="High cost of defence equipment")
    ChallengeFactory(title="Export regulations")
    page.goto(seed_source.get_absolute_url())

    # From "high", over the running header that interrupts the sentence, to "cost".
    start, end = drag_select(page, "high\n", "cost")

    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text("“high cost” (2 words)")
    toolbar.get_by_role("button", name="Make evidence for a record").click()
    dialog = page.get_by_role("dialog", name="Make evidence for a record")
    expect(dialog.locator("blockquote")).to_have_text("high cost")
    dialog.get_by_label("Kind of record").select_option(label="Challenge")
    dialog.get_by_label("Find a record by title").fill("high cost")
    expect(dialog.get_by_text("1 record matches.")).to_be_visible()
    dialog.get_by_label("Record", exact=True).select_option(label=challenge.title)
    dialog.get_by_label("What the passage shows (optional)").fill("Cost comes first")
    dialog.get_by_role("button", name="Save as evidence").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "now evidence for challenge “High cost of defence equipment”"
    )
    excerpt = Excerpt.objects.get(source=seed_source)
    assert (excerpt.start, excerpt.end) == (start, end)
    assert HEADER in excerpt.exact  # the stored span runs over the header
    assert excerpt.display_quote == "high cost"
    link = RecordEvidence.objects.get(excerpt=excerpt)
    assert (link.record, link.note) == (challenge, "Cost comes first")
    card = page.locator(f"#card-excerpt-{excerpt.pk}")
    expect(card.get_by_role("link", name=challenge.title)).to_have_attribute(
        "href", challenge.get_absolute_url()
    )
    # The highlight is on the words, not on the header between them.
    expect(page.locator(f'#reading-text mark[data-excerpt="{excerpt.pk}"]')).to_have_count(2)

    # And the record shows the passage as evidence, as it reads, with a way back to the text.
    card.get_by_role("link", name=challenge.title).click()
    evidence = page.get_by_role("article", name=f"Evidence from {seed_source.title}")
    expect(evidence.locator("mark")).to_contain_text("high cost")
    expect(evidence).to_contain_text("Cost comes first")
    evidence.get_by_role("link", name="Read it in the brief").click()
    expect(page).to_have_url(re.compile(rf"#excerpt-{excerpt.pk}$"))
    expect(page.locator(f"mark#excerpt-{excerpt.pk}")).to_be_in_viewport()


def test_make_evidence_for_a_new_record_goes_to_its_form_with_the_excerpt(
    page, context, live_server, seed_source
):
    log_in(context, live_server, AnalystFactory())
    page.goto(seed_source.get_absolute_url())

    drag_select(page, "Infrastructure gap")
    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text("“Infrastructure gap”")
    toolbar.get_by_role("button", name="Make evidence for a record").click()
    dialog = page.get_by_role("dialog", name="Make evidence for a record")
    dialog.get_by_label("A new record").check()
    dialog.get_by_label("Kind of record").select_option(label="Challenge")
    expect(dialog.get_by_label("Record", exact=True)).to_be_hidden()
    dialog.get_by_role("button", name="Continue to the new record").click()

    expect(page).to_have_url(re.compile(r"/challenges/new/\?excerpt=\d+&next="))
    excerpt = Excerpt.objects.get(source=seed_source)
    assert excerpt.exact == "Infrastructure gap"
    assert f"?excerpt={excerpt.pk}&" in page.url

    # The new record's form carries the excerpt; saving it attaches the passage and
    # brings the analyst back to the passage in the reader.
    page.get_by_label("Title").fill("Infrastructure gap")
    page.get_by_label("Category").select_option(label="Infrastructure")
    page.get_by_role("button", name=re.compile(r"^(Create|Save)")).click()
    expect(page).to_have_url(re.compile(rf"{seed_source.get_absolute_url()}#excerpt-{excerpt.pk}$"))
    card = page.locator(f"#card-excerpt-{excerpt.pk}")
    expect(card.get_by_role("link", name="Infrastructure gap")).to_be_visible()
    assert RecordEvidence.objects.get(excerpt=excerpt).record.title == "Infrastructure gap"


def test_a_passage_can_be_quoted_without_a_mouse(page, context, live_server, seed_source):
    log_in(context, live_server, AnalystFactory())
    page.goto(seed_source.get_absolute_url())

    page.get_by_label("Quote from the text").fill("include high cost")
    page.get_by_role("button", name="Find the passage").click()

    expect(page.locator(".passage-in-context mark")).to_have_text("include high cost")
    note = page.get_by_role("region", name="Annotate it")
    note.get_by_label("Note", exact=True).fill("Typed, not dragged")
    note.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status").first).to_contain_text("Your note on the passage is saved.")
    assert Annotation.objects.get().excerpt.display_quote == "include high cost"


def test_reader_works_on_a_narrow_screen(page, context, live_server, seed_source):
    log_in(context, live_server, AnalystFactory())
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(seed_source.get_absolute_url())

    drag_select(page, "Infrastructure gap")

    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text("“Infrastructure gap”")
    expect(toolbar).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # nothing scrolls sideways
    toolbar.get_by_role("button", name="Annotate this passage").click()
    expect(page.get_by_role("dialog", name="Annotate this passage")).to_be_in_viewport()


def test_an_excerpts_link_lands_on_its_highlight(page, context, live_server, seed_source):
    text = seed_source.text
    start = text.index("Infrastructure gap")
    analyst = AnalystFactory()
    excerpt = excerpt_create(source=seed_source, start=start, end=start + 18, user=analyst)
    log_in(context, live_server, analyst)

    page.goto(excerpt.get_absolute_url())

    mark = page.locator(f"mark#excerpt-{excerpt.pk}")
    expect(mark).to_be_in_viewport()
    expect(mark).to_have_class(re.compile(r"\bis-target\b"))
    expect(page.locator(f"#card-excerpt-{excerpt.pk}")).to_have_class(re.compile(r"\bis-active\b"))
    # Its footnote leads to its card, by keyboard as by mouse.
    page.locator(f'#reading-text a.excerpt-ref[data-excerpt="{excerpt.pk}"]').press("Enter")
    expect(page).to_have_url(re.compile(rf"#card-excerpt-{excerpt.pk}$"))


def test_selection_offsets_hold_in_a_text_with_windows_line_breaks(page, context, live_server, db):
    text = "Title line\r\n\r\nFirst paragraph,\r\nwrapped.\r\n\r\nSecond paragraph here."
    source = SourceFactory(text=text)
    log_in(context, live_server, AnalystFactory())
    page.goto(source.get_absolute_url())

    start, end = drag_select(page, "wrapped.\r\n\r\nSecond")

    assert (start, end) == (text.index("wrapped."), text.index("Second") + len("Second"))
    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text("“wrapped. Second” (2 words)")
    toolbar.get_by_role("button", name="Annotate this passage").click()
    dialog = page.get_by_role("dialog", name="Annotate this passage")
    dialog.get_by_label("Note", exact=True).fill("Across two paragraphs")
    dialog.get_by_role("button", name="Save note").click()

    expect(page.get_by_role("status").first).to_contain_text("Your note on the passage is saved.")
    excerpt = Excerpt.objects.get(source=source)
    assert (excerpt.start, excerpt.end) == (start, end)


def test_selection_offsets_count_characters_beyond_the_basic_plane_once(
    page, context, live_server, db
):
    # Python counts 𝔘 as one character, JavaScript as two UTF-16 units.
    text = "Alpha 𝔘𝔫𝔦 and 😀 beta gamma delta.\n\nEnd."
    source = SourceFactory(text=text)
    log_in(context, live_server, AnalystFactory())
    page.goto(source.get_absolute_url())

    drag_select(page, "beta gamma")
    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text("“beta gamma”")
    with page.expect_response(lambda r: r.url.endswith("/selection/")) as checked:
        toolbar.get_by_role("button", name="Annotate this passage").click()
    verified = checked.value.json()
    assert verified["reanchored"] is False  # the page's offsets were right, not repaired
    assert (verified["start"], verified["exact"]) == (text.index("beta"), "beta gamma")
    dialog = page.get_by_role("dialog", name="Annotate this passage")
    dialog.get_by_label("Note", exact=True).fill("After the emoji")
    dialog.get_by_role("button", name="Save note").click()

    expect(page.get_by_role("status").first).to_contain_text("Your note on the passage is saved.")
    excerpt = Excerpt.objects.get(source=source)
    assert (excerpt.start, excerpt.end, excerpt.exact) == (
        text.index("beta"),
        text.index("beta") + len("beta gamma"),
        "beta gamma",
    )
    assert Annotation.objects.get().excerpt == excerpt
