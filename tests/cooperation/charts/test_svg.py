"""The charts' SVG (cooperation/charts/svg.py): well-formed XML, accessible, every text
escaped, every mark a link to its list."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cooperation.charts import data, svg
from cooperation.choices import Visibility
from tests.factories import AgreementFactory, ChallengeFactory, DealFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

NS = {"svg": "http://www.w3.org/2000/svg"}
NASTY = "Tom & Jerry <script>alert(\"x\")</script> 'quoted' ]]> &amp;"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "group"  # its marks are links: an "img" would hide them
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert not root.findall(".//svg:script", NS)
    return root


def hrefs(root: ET.Element) -> list[str]:
    return [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]


def all_text(root: ET.Element) -> str:
    return " ".join(root.itertext())


def test_every_chart_is_well_formed_with_nasty_titles(analyst, curator):
    deal = DealFactory(title=NASTY)
    agreement = AgreementFactory(title=NASTY + " A", signed_on=datetime.date(2016, 1, 1))
    challenge = ChallengeFactory(
        title=NASTY + " C", affects_deals=[deal], affects_agreements=[agreement]
    )
    rec = RecommendationFactory(title=NASTY + " R", addresses=[challenge])

    charts = [
        svg.small_multiples(data.status_over_time(analyst), ident="t", title="Over <time>"),
        svg.matrix(data.coverage(analyst), ident="m", title="Matrix & co"),
        svg.columns(data.agreements_by_year(analyst).bars, ident="y", title="Y", noun="n"),
        svg.horizontal_bars(data.deals_by_status(analyst), ident="d", title="D", noun="deals"),
        svg.graph(data.neighbourhood(analyst, rec), ident="g", title=NASTY),
        svg.graph(data.neighbourhood(analyst, challenge), ident="c", title="C"),
    ]
    for markup in charts:
        root = parse(markup)
        assert "<script>" not in str(markup)
        assert all(url.startswith("/") for url in hrefs(root))
    graph = parse(charts[4])
    assert graph.find("svg:title", NS).text == NASTY  # escaped in, read back intact
    assert "Tom & Jerry" in all_text(graph)


def test_bars_link_to_their_lists_and_say_their_counts_in_words():
    bars = [
        data.Bar(label="Signed", count=3, url="/deals/?status=signed"),
        data.Bar(label="Failed or cancelled", count=0, url="/deals/?status=failed"),
    ]

    root = parse(svg.horizontal_bars(bars, ident="d", title="Deals by status", noun="deals"))

    assert hrefs(root) == ["/deals/?status=signed", "/deals/?status=failed"]
    words = all_text(root)
    assert "Signed: 3 deals" in words and "Failed or cancelled: 0 deals" in words
    assert root.find("svg:desc", NS).text == "3 deals: Signed 3; Failed or cancelled 0."


def test_a_mark_with_no_list_is_not_a_link():
    bars = [data.Bar(label="2019", count=2, url=None), data.Bar(label="2020", count=1, url="/x/")]

    root = parse(svg.columns(bars, ident="y", title="Years", noun="things"))

    assert hrefs(root) == ["/x/"]
    assert "2019: 2 things" in all_text(root)


def test_empty_charts_are_still_well_formed(analyst):
    parse(svg.columns([], ident="y", title="Nothing", noun="agreements"))
    parse(svg.horizontal_bars([], ident="d", title="Nothing", noun="deals"))
    parse(svg.matrix(data.coverage(analyst), ident="m", title="Nothing"))
    parse(svg.small_multiples(data.status_over_time(analyst), ident="t", title="Nothing"))


def test_a_partners_graph_never_names_a_draft(partner):
    challenge = ChallengeFactory(visibility=Visibility.PUBLISHED)
    DealFactory(title="Draft deal", visibility=Visibility.DRAFT)
    ChallengeFactory(title="Draft challenge", visibility=Visibility.DRAFT)
    rec = RecommendationFactory(visibility=Visibility.PUBLISHED, addresses=[challenge])
    RecommendationFactory(title="Draft recommendation", addresses=[challenge])

    for markup in (
        svg.graph(data.neighbourhood(partner, rec), ident="g", title="G"),
        svg.graph(data.neighbourhood(partner, challenge), ident="c", title="C"),
        svg.matrix(data.coverage(partner), ident="m", title="M"),
    ):
        assert "Draft" not in str(markup)


def test_long_labels_are_cut_after_a_word():
    assert svg._fit("Short", 200) == "Short"
    cut = svg._fit("A very long title about maritime security in the Indo-Pacific", 150)
    assert cut.endswith("…") and len(cut) <= 150 / svg.CHAR_PX
    assert " " not in cut[-2:]


# -- colours (static/css/charts.css) -----------------------------------------------------------

CSS = Path(__file__).resolve().parents[3] / "static" / "css"


def _luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_chart_text_and_lines_stand_out_from_every_background_they_sit_on():
    variables = dict(
        re.findall(
            r"--([a-z-]+):\s*(#[0-9a-f]{6}|#[0-9a-f]{3})\b", (CSS / "contours.css").read_text()
        )
    )
    charts = (CSS / "charts.css").read_text()
    assert re.search(r"\.chart text \{[^}]*fill: var\(--ink\)", charts)  # every label is ink
    # The backgrounds text is drawn on: the card, a ticked cell, a hovered node.
    backgrounds = [variables["card"], *re.findall(r"fill: (#[0-9a-f]{6}|#[0-9a-f]{3})\b", charts)]
    for background in backgrounds:
        assert contrast(variables["ink"], background) >= 5.75, background
    # Lines and outlines that tell a mark apart hold to the same ratio against the card.
    for name in set(re.findall(r"stroke: var\(--([a-z]+)\)", charts)) - {"line"}:
        assert contrast(variables[name], variables["card"]) >= 5.75, name
