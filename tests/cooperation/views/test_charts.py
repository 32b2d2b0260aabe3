"""The charts page (/charts/) and the neighbourhood graph on record pages."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from cooperation.choices import DealStatus
from cooperation.services import tracked_delete
from tests.cooperation.views.helpers import add_rows, count_queries
from tests.factories import AgreementFactory, ChallengeFactory, DealFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

SVG = re.compile(r'<svg class="chart".*?</svg>', re.S)  # not the bell's icon


def svgs(response) -> list[ET.Element]:
    return [ET.fromstring(markup) for markup in SVG.findall(response.content.decode())]


def links(root: ET.Element) -> list[str]:
    return [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]


def test_the_dashboard_links_to_the_charts(client, analyst):
    client.force_login(analyst)

    assert reverse("cooperation:charts") in client.get("/").content.decode()


def test_the_charts_page_draws_four_charts_each_with_its_table(client, analyst):
    add_rows(2, analyst)
    AgreementFactory(signed_on=datetime.date(2015, 12, 12))
    client.force_login(analyst)

    response = client.get(reverse("cooperation:charts"))

    assert response.status_code == 200
    drawn = svgs(response)
    titles = [root.find("{http://www.w3.org/2000/svg}title").text for root in drawn]
    assert titles == [
        "Recommendations by status over time",
        "Which recommendations answer which challenges",
        "Agreements by year signed",
        "Deals by status",
    ]
    page = response.content.decode()
    assert page.count("<caption>") == len(drawn)
    assert "<style" not in page and "style=" not in page  # the CSP allows neither


def test_a_deal_bar_opens_the_list_of_its_deals(client, analyst, curator):
    DealFactory(status=DealStatus.STALLED)
    DealFactory(status=DealStatus.STALLED)
    tracked_delete(instance=DealFactory(status=DealStatus.STALLED), user=curator)
    client.force_login(analyst)

    deals = svgs(client.get(reverse("cooperation:charts")))[-1]
    url = next(url for url in links(deals) if url.endswith("status=stalled"))
    listed = client.get(url)

    assert listed.status_code == 200
    assert listed.context["page_obj"].paginator.count == 2


def test_every_link_on_the_charts_page_opens(client, analyst):
    add_rows(2, analyst)
    client.force_login(analyst)

    for root in svgs(client.get(reverse("cooperation:charts"))):
        for url in set(links(root)):
            assert client.get(url).status_code == 200, url


def test_the_charts_page_costs_the_same_queries_with_more_data(client, analyst):
    client.force_login(analyst)
    add_rows(1, analyst)
    few = count_queries(client, reverse("cooperation:charts"), {})
    add_rows(6, analyst)

    assert count_queries(client, reverse("cooperation:charts"), {}) == few


def test_partners_may_not_open_the_charts_page(client, partner):
    client.force_login(partner)

    assert client.get(reverse("cooperation:charts")).status_code == 403


def test_a_bad_query_string_is_ignored_not_a_500(client, analyst):
    client.force_login(analyst)

    assert client.get(reverse("cooperation:charts"), {"year": "x" * 500}).status_code == 200
    assert client.post(reverse("cooperation:charts")).status_code == 405


def test_a_recommendation_page_draws_its_neighbourhood(client, analyst, curator):
    deal = DealFactory(title="Submarine deal")
    gone = DealFactory(title="Trashed deal")
    challenge = ChallengeFactory(title="Costs <b>rise</b>", affects_deals=[deal, gone])
    rec = RecommendationFactory(title="Share costs", addresses=[challenge])
    tracked_delete(instance=gone, user=curator)
    client.force_login(analyst)

    response = client.get(rec.get_absolute_url())

    (graph,) = svgs(response)
    assert set(links(graph)) == {
        rec.get_absolute_url(),
        challenge.get_absolute_url(),
        deal.get_absolute_url(),
    }
    page = response.content.decode()
    assert "Trashed deal" not in page
    assert "Costs <b>rise</b>" not in page and "Costs &lt;b&gt;rise&lt;/b&gt;" in page
    assert "The same records as a list" in page


def test_a_challenge_page_draws_its_neighbourhood(client, analyst):
    challenge = ChallengeFactory()
    rec = RecommendationFactory(addresses=[challenge])
    client.force_login(analyst)

    (graph,) = svgs(client.get(challenge.get_absolute_url()))

    assert set(links(graph)) == {rec.get_absolute_url(), challenge.get_absolute_url()}


def test_deal_pages_draw_no_graph(client, analyst):
    deal = DealFactory()
    client.force_login(analyst)

    assert svgs(client.get(deal.get_absolute_url())) == []
