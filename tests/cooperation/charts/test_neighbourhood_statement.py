"""The neighbourhood's deals and agreements, read by a statement compiled once per kind of
page for staff (charts/data._affected_of_kind): every record still gets its own, the
same as the statement built for its challenges alone gives."""

from __future__ import annotations

import pytest

from cooperation.charts import data
from cooperation.choices import Visibility
from cooperation.models import Agreement, Deal
from cooperation.services import tracked_delete
from portal import statements
from tests.factories import AgreementFactory, ChallengeFactory, DealFactory, RecommendationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_statements")]

KINDS = ((Deal, "affects_deals"), (Agreement, "affects_agreements"))


@pytest.fixture
def built(monkeypatch):
    """The kinds whose queryset was built, once per build."""
    calls = []
    real = data._affected_queryset

    def counting(user, model, field_name, challenges):
        calls.append(model)
        return real(user, model, field_name, challenges)

    monkeypatch.setattr(data, "_affected_queryset", counting)
    return calls


def _ordinary(user, challenge_ids) -> list[tuple]:
    """What the statement built for these challenge ids gives: (kind, id, title, links)."""
    rows = []
    for model, field_name in KINDS:
        for found in data._affected_queryset(user, model, field_name, challenge_ids):
            rows.append((model, found.pk, found.title, found.linking_challenges))
    return rows


def _kept(user, record, challenge_ids) -> list[tuple]:
    nodes, _ = data._affected(user, record, challenge_ids)
    return [(type(n), n.pk, n.title, n.linking_challenges) for n in nodes]


def _links(rows) -> list[tuple]:
    """Rows with their "link:challenge" pairs in a set (StringAgg gives no order)."""
    return [(kind, pk, title, set((links or "").split(","))) for kind, pk, title, links in rows]


def _world():
    deals = [DealFactory(title=f"Deal {n}") for n in range(3)]
    treaty = AgreementFactory(title="Treaty")
    costs = ChallengeFactory(title="Costs", affects_deals=deals[:2], affects_agreements=[treaty])
    delays = ChallengeFactory(title="Delays", affects_deals=deals[1:])
    alone = ChallengeFactory(title="Alone", affects_deals=[deals[0]])
    first = RecommendationFactory(title="First", addresses=[costs, delays])
    second = RecommendationFactory(title="Second", addresses=[alone])
    return first, second, costs, delays, alone


def test_each_recommendation_gets_its_own_from_one_kept_statement_per_kind(analyst, curator, built):
    first, second, costs, delays, alone = _world()

    for user, record, challenges in (
        (analyst, first, [costs, delays]),
        (curator, second, [alone]),
        (analyst, first, [costs, delays]),
    ):
        ids = [c.pk for c in challenges]
        kept = _kept(user, record, ids)
        assert kept  # each has some
        assert _links(kept) == _links(_ordinary(user, ids))

    # Once per kind, for every staff reader and record; the comparisons' own builds after.
    assert built[:2] == [Deal, Agreement]
    assert len(built) == 2 + 3 * 2


def test_a_challenges_own_from_the_kept_statement(analyst, built):
    _, _, costs, delays, _ = _world()

    for challenge in (costs, delays, costs):
        kept = _kept(analyst, challenge, [challenge.pk])
        assert _links(kept) == _links(_ordinary(analyst, [challenge.pk]))
    assert built[:2] == [Deal, Agreement]
    assert len(built) == 2 + 3 * 2
    around = data.neighbourhood(analyst, delays)
    assert [n.title for n in around.columns[2][1]] == ["Deal 1", "Deal 2"]


def test_a_trashed_challenge_brings_nothing_to_a_recommendations_neighbourhood(analyst, curator):
    first, _, _, delays, _ = _world()
    tracked_delete(instance=delays, user=curator)

    around = data.neighbourhood(analyst, first)

    assert [n.title for n in around.columns[1][1]] == ["Costs"]
    assert [n.title for n in around.columns[2][1]] == ["Deal 0", "Deal 1", "Treaty"]
    assert {edge for edge in around.edges if edge[0] == f"challenge-{delays.pk}"} == set()


def test_drafts_are_drawn_for_staff(analyst):
    draft = DealFactory(title="Draft deal", visibility=Visibility.DRAFT)
    costs = ChallengeFactory(title="Costs", visibility=Visibility.DRAFT, affects_deals=[draft])
    rec = RecommendationFactory(addresses=[costs])

    assert [n.title for n in data.neighbourhood(analyst, rec).columns[2][1]] == ["Draft deal"]


def test_a_partner_never_gets_the_kept_statement(partner, monkeypatch):
    deal = DealFactory(title="Open deal", visibility=Visibility.PUBLISHED)
    hidden = DealFactory(title="Hidden deal", visibility=Visibility.DRAFT)
    costs = ChallengeFactory(visibility=Visibility.PUBLISHED, affects_deals=[deal, hidden])
    rec = RecommendationFactory(visibility=Visibility.PUBLISHED, addresses=[costs])

    def refuse(*args, **kwargs):
        raise AssertionError("a partner's neighbourhood was read by a kept statement")

    monkeypatch.setattr(statements, "frozen", refuse)
    around = data.neighbourhood(partner, rec)
    assert [n.title for n in around.columns[2][1]] == ["Open deal"]


def test_record_pages_draw_their_own_neighbourhood_from_the_kept_statements(client, curator, built):
    """The page's links come from its own statement's JSON columns (the challenges), the
    deals and agreements from the kept statements: two pages, each its own."""
    first, second, *_ = _world()
    client.force_login(curator)

    drawn = {}
    for record in (first, second, first):
        response = client.get(record.get_absolute_url())
        assert response.status_code == 200
        around = response.context["neighbourhood"]
        drawn[record.title] = [[n.title for n in nodes] for _, nodes in around.columns]
        assert response.context["neighbourhood_svg"]

    assert drawn == {
        "First": [["First"], ["Costs", "Delays"], ["Deal 0", "Deal 1", "Deal 2", "Treaty"]],
        "Second": [["Second"], ["Alone"], ["Deal 0"]],
    }
    assert built == [Deal, Agreement]
