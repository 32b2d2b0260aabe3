"""Citing an excerpt in the reader: by clicking its passage or typing its number (#id)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cooperation.models import RecordEvidence
from cooperation.services import excerpt_create
from tests.browser.conftest import log_in
from tests.factories import AnalystFactory, ChallengeFactory, ExcerptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _save_evidence_for(dialog, record) -> None:
    dialog.get_by_label("Kind of record").select_option(label="Challenge")
    dialog.get_by_label("Record", exact=True).select_option(label=record.title)
    dialog.get_by_role("button", name="Save as evidence").click()


VIEWPORTS = {"1366px": {"width": 1366, "height": 900}, "390px": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_cite_an_excerpt_by_clicking_it_or_by_its_number_and_stay_in_the_reader(
    page, context, live_server, seed_source, width
):
    page.set_viewport_size(VIEWPORTS[width])
    ExcerptFactory()  # another source's excerpt: ids are not positions
    analyst = AnalystFactory()
    text = seed_source.text
    start = text.index("Infrastructure gap")
    gap = excerpt_create(source=seed_source, start=start, end=start + 18, user=analyst)
    start = text.index("Tokyo Declaration")
    tokyo = excerpt_create(source=seed_source, start=start, end=start + 17, user=analyst)
    first, second = ChallengeFactory(title="Gaps"), ChallengeFactory(title="Declarations")
    log_in(context, live_server, analyst)
    page.goto(seed_source.get_absolute_url())

    # The reader shows the number every other page shows.
    expect(page.locator(f'a.excerpt-ref[data-excerpt="{gap.pk}"]')).to_have_text(f"#{gap.pk}")

    # Click the passage: the toolbar offers to cite that excerpt.
    page.locator(f"mark#excerpt-{gap.pk}").click()
    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text(f"Excerpt #{gap.pk}: “Infrastructure gap”")
    toolbar.get_by_role("button", name="Make evidence for a record").click()
    dialog = page.get_by_role("dialog", name="Make evidence for a record")
    expect(dialog).to_contain_text(f"already excerpt #{gap.pk}")
    _save_evidence_for(dialog, first)

    # Back in the reader, at the passage.
    expect(page).to_have_url(re.compile(rf"{seed_source.get_absolute_url()}#excerpt-{gap.pk}$"))
    expect(page.locator(f"#card-excerpt-{gap.pk}").get_by_role("link", name="Gaps")).to_be_visible()

    # Type a number: the same dialog, for that excerpt.
    page.get_by_label("Cite an excerpt by its number").fill(str(tokyo.pk))
    page.get_by_role("button", name="Cite", exact=True).click()
    expect(dialog.locator("[data-role=quote]")).to_have_text("Tokyo Declaration")
    _save_evidence_for(dialog, second)
    expect(page).to_have_url(re.compile(rf"#excerpt-{tokyo.pk}$"))

    assert {(link.excerpt_id, link.record.title) for link in RecordEvidence.objects.all()} == {
        (gap.pk, "Gaps"),
        (tokyo.pk, "Declarations"),
    }
