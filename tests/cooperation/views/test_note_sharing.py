"""A curator shares a partners thread with chosen partner organisations from the note, through
cooperation.services.annotation_share; the page shows the thread's history, the choice is
in it, and only those the table allows (the `share` action) get the button or the page."""

from __future__ import annotations

import pytest

from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.selectors import annotations_visible_to
from cooperation.services import annotation_create, record_set_visibility
from tests.factories import (
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    OrganisationFactory,
    PartnerFactory,
    partner_note_create,
)


@pytest.fixture
def scene(db):
    curator = CuratorFactory()
    record = record_set_visibility(
        record=AgreementFactory(), user=curator, visibility=Visibility.PUBLISHED
    )
    org_a, org_b, org_c = (OrganisationFactory(name=f"Org {x}") for x in "ABC")
    partners = {org.name: PartnerFactory(organisation=org) for org in (org_a, org_b, org_c)}
    note = partner_note_create(author=partners["Org A"], body="Question", record=record)
    return {
        "curator": curator,
        "record": record,
        "orgs": (org_a, org_b, org_c),
        "note": note,
        "partners": partners,
    }


def _url(note) -> str:
    return f"/notes/{note.pk}/share/"


def test_a_curator_shares_a_partner_thread_with_chosen_organisations(client, scene):
    note, (org_a, org_b, _) = scene["note"], scene["orgs"]
    client.force_login(scene["curator"])
    page = client.get(_url(note)).content.decode()
    assert "Org B" in page and "Org C" in page
    assert f'value="{org_a.pk}"' not in page  # it always reads its own thread

    response = client.post(_url(note), {"organisations": [org_b.pk]})

    assert response.status_code == 302
    assert annotations_visible_to(scene["partners"]["Org B"]).filter(pk=note.pk).exists()
    assert not annotations_visible_to(scene["partners"]["Org C"]).filter(pk=note.pk).exists()
    latest = note.history.order_by("-history_date").first()
    assert latest.history_change_reason == "Shared with Org B"
    assert latest.history_user_id == scene["curator"].pk
    page = client.get(_url(note)).content.decode()
    assert "Shared with Org B" in page  # the page shows the history
    assert "checked" in page  # the current choice is ticked


def test_unsharing_is_a_choice_too(client, scene):
    note, (_, org_b, _) = scene["note"], scene["orgs"]
    client.force_login(scene["curator"])
    client.post(_url(note), {"organisations": [org_b.pk]})
    client.post(_url(note), {})
    assert not annotations_visible_to(scene["partners"]["Org B"]).filter(pk=note.pk).exists()
    assert note.history.order_by("-history_date").first().history_change_reason == (
        "Shared with no other organisation"
    )


def test_the_record_page_offers_share_to_whom_the_table_allows(client, scene):
    url = scene["record"].get_absolute_url()
    client.force_login(scene["curator"])
    assert _url(scene["note"]) in client.get(url).content.decode()
    client.force_login(AnalystFactory())
    assert _url(scene["note"]) not in client.get(url).content.decode()


def test_an_analyst_may_not_share(client, scene):
    client.force_login(AnalystFactory())
    assert client.get(_url(scene["note"])).status_code == 403
    response = client.post(_url(scene["note"]), {"organisations": [scene["orgs"][1].pk]})
    assert response.status_code == 403
    assert not scene["note"].shared_with.exists()


def test_a_team_note_cannot_be_shared(client, scene, analyst):
    team = annotation_create(author=analyst, record=scene["record"], body="Ours")
    assert team.visibility == AnnotationVisibility.TEAM
    client.force_login(scene["curator"])
    assert client.get(_url(team)).status_code == 403


def test_bad_input_is_a_form_error_not_a_500(client, scene):
    client.force_login(scene["curator"])
    for organisations in (["nope"], [999999], [scene["orgs"][0].pk]):
        response = client.post(_url(scene["note"]), {"organisations": organisations})
        assert response.status_code == 400, organisations
    assert not scene["note"].shared_with.exists()


def test_a_partner_cannot_reach_the_page(client, scene):
    client.force_login(scene["partners"]["Org A"])
    assert client.get(_url(scene["note"])).status_code in (302, 403)
