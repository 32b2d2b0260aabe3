"""The reader on a 390 px phone: the text first, the side panels folded, nothing twice.

The demo brief with its 38 excerpts was 16,000 px tall on a phone, the text buried under
the source's facts and every excerpt's card after it. Now the panels fold to their
headings, the source's facts follow the text, and a passage tapped opens its card.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.importers.demo import DemoLoader
from cooperation.models import Excerpt, Source
from tests.browser.conftest import log_in
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PANELS = ["About this source", "Quote a passage", "Excerpts"]

_LAYOUT = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {top: r.top + scrollY, height: r.height};
  };
  const headings = Array.from(document.querySelectorAll("main h2"))
    .filter((h) => h.getClientRects().length)
    .map((h) => h.textContent.replace(/\\(\\d+\\)/, "").trim());
  return {
    page: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
    text: box(document.querySelector("article.reading")),
    panels: Array.from(document.querySelectorAll(".reader-panel")).map((p) => ({
      ...box(p), open: p.querySelector("details").open,
    })),
    headings,
  };
}"""


def test_reader_on_a_phone_shows_the_text_first_with_panels_folded(page, context, live_server):
    DemoLoader().run()
    source = Source.objects.get()
    log_in(context, live_server, AnalystFactory())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(source.get_absolute_url())

    layout = page.evaluate(_LAYOUT)
    assert layout["width"] <= 390  # nothing scrolls sideways
    assert [panel["open"] for panel in layout["panels"]] == [False, False, False]
    # The text comes first, and the page is the text and three folded panels' headings.
    assert all(panel["top"] > layout["text"]["top"] for panel in layout["panels"])
    assert all(panel["height"] < 100 for panel in layout["panels"])
    assert layout["page"] < layout["text"]["top"] + layout["text"]["height"] + 600
    # No panel twice.
    assert sorted(layout["headings"]) == sorted({*layout["headings"]})
    assert {*PANELS} <= {*layout["headings"]}

    # A passage tapped opens its card in the excerpts panel.
    excerpt = Excerpt.objects.filter(source=source).order_by("start")[5]
    page.locator(f"mark#excerpt-{excerpt.pk}").click()
    card = page.locator(f"#card-excerpt-{excerpt.pk}")
    expect(card).to_be_visible()
    expect(card).to_have_class("excerpt-card is-active")

    # On a wide screen everything is open beside the text.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    layout = page.evaluate(_LAYOUT)
    assert [panel["open"] for panel in layout["panels"]] == [True, True, True]
