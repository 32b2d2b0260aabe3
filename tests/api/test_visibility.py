"""What each role reads: partners published things only (the rest is 404), staff everything
internal except other people's private notes."""

from __future__ import annotations

import pytest

from cooperation.services import evidence_attach
from tests.api.conftest import RECORDS, client_for

pytestmark = pytest.mark.django_db


def _ids(client, path):
    response = client.get(path, {"page_size": 200})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("name", RECORDS)
def test_partners_read_published_records_only(world, partner, name):
    client = client_for(partner, write=False)
    published, internal = world.records[name]["published"], world.records[name]["internal"]
    assert _ids(client, f"/api/v1/{name}/") == {published.pk}
    assert client.get(f"/api/v1/{name}/{published.pk}/").status_code == 200
    hidden = client.get(f"/api/v1/{name}/{internal.pk}/")
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == "Not found."
    assert hidden.json()["code"] == "not_found"
    exported = b"".join(client.get(f"/api/v1/{name}/export/").streaming_content).decode()
    assert published.title in exported and internal.title not in exported


@pytest.mark.parametrize("name", RECORDS)
def test_staff_read_internal_records(world, analyst, name):
    client = client_for(analyst)
    expected = {world.records[name]["published"].pk, world.records[name]["internal"].pk}
    assert _ids(client, f"/api/v1/{name}/") == expected


def test_partners_read_published_sources_and_their_excerpts_only(world, partner):
    client = client_for(partner)
    assert _ids(client, "/api/v1/sources/") == {world.published_source.pk}
    assert client.get(f"/api/v1/sources/{world.internal_source.pk}/").status_code == 404
    # An excerpt of an unpublished source is not shown even when a published record cites it.
    assert _ids(client, "/api/v1/excerpts/") == {world.published_excerpt.pk}
    for hidden in (world.cited_excerpt, world.hidden_excerpt):
        assert client.get(f"/api/v1/excerpts/{hidden.pk}/").status_code == 404


def test_partners_read_partner_notes_on_what_they_can_see(world, partner):
    client = client_for(partner)
    notes = world.notes
    assert _ids(client, "/api/v1/annotations/") == {
        notes["partners_on_published"].pk,
        notes["partners_on_excerpt"].pk,
    }
    for hidden in ("team_on_published", "partners_on_internal", "private"):
        assert client.get(f"/api/v1/annotations/{notes[hidden].pk}/").status_code == 404


def test_staff_read_all_notes_but_other_peoples_private_ones(world, analyst, other_analyst):
    every = {note.pk for note in world.notes.values()}
    assert _ids(client_for(analyst), "/api/v1/annotations/") == every
    assert _ids(client_for(other_analyst), "/api/v1/annotations/") == every - {
        world.notes["private"].pk
    }


def test_links_to_records_a_partner_cannot_see_are_left_out(world, partner, analyst, curator):
    from cooperation.services import tracked_update

    deal = world.records["deals"]["published"]
    hidden_agreement = world.records["agreements"]["internal"]
    shown_agreement = world.records["agreements"]["published"]
    tracked_update(
        instance=deal,
        user=curator,
        data={"governed_by": [shown_agreement, hidden_agreement]},
        expected_version=None,
    )
    for user, expected in (
        (partner, {shown_agreement.slug}),
        (analyst, {shown_agreement.slug, hidden_agreement.slug}),
    ):
        body = client_for(user).get(f"/api/v1/deals/{deal.pk}/").json()
        assert {link["slug"] for link in body["governed_by"]} == expected


def test_a_record_reads_with_typed_links_and_evidence(world, partner, curator):
    agreement = world.records["agreements"]["published"]
    evidence_attach(record=agreement, excerpt=world.published_excerpt, user=curator)
    body = client_for(partner).get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert body["actors"] == [
        {
            "id": world.actor.pk,
            "slug": "india",
            "name": "India",
            "url": f"http://testserver/api/v1/actors/{world.actor.pk}/",
        }
    ]
    assert body["url"] == f"http://testserver/api/v1/agreements/{agreement.pk}/"
    assert body["web_url"] == f"http://testserver{agreement.get_absolute_url()}"
    # The evidence from the unpublished source is left out (test_unpublished_sources.py).
    [evidence] = body["evidence"]
    excerpt = world.published_excerpt
    assert evidence["excerpt"] == excerpt.pk
    assert evidence["exact"] == excerpt.exact
    assert (evidence["start"], evidence["end"]) == (excerpt.start, excerpt.end)
    # The partner may follow the evidence link.
    assert client_for(partner).get(evidence["url"]).status_code == 200


def test_a_recommendation_reads_with_its_status_history(world, partner):
    recommendation = world.records["recommendations"]["published"]
    client = client_for(partner)
    body = client.get(f"/api/v1/recommendations/{recommendation.pk}/").json()
    assert body["status"] == "proposed"
    assert [c["to_status"] for c in body["status_history"]] == ["proposed"]
    assert set(body["allowed_transitions"]) == {"under_review", "rejected", "deferred"}
    history = client.get(f"/api/v1/recommendations/{recommendation.pk}/history/").json()
    assert [c["to_status"] for c in history["status_changes"]] == ["proposed"]
    assert history["versions"] == []  # earlier versions may hold drafts: staff only


def test_staff_read_a_recommendations_versions(world, analyst):
    recommendation = world.records["recommendations"]["published"]
    history = client_for(analyst).get(f"/api/v1/recommendations/{recommendation.pk}/history/")
    versions = history.json()["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["visibility"] == "published"


def test_trashed_records_are_404_for_everyone(world, curator):
    from cooperation.services import tracked_delete

    agreement = world.records["agreements"]["internal"]
    tracked_delete(instance=agreement, user=curator)
    assert client_for(curator).get(f"/api/v1/agreements/{agreement.pk}/").status_code == 404


def test_filters_never_reveal_what_a_partner_cannot_see(world, partner, analyst):
    hidden = world.records["agreements"]["internal"]
    shown = world.records["agreements"]["published"]
    partner_client, analyst_client = client_for(partner), client_for(analyst)
    for slug, partner_status in ((hidden.slug, 400), ("never-existed", 400), (shown.slug, 200)):
        response = partner_client.get("/api/v1/deals/", {"governed_by": slug})
        assert response.status_code == partner_status, slug
    assert analyst_client.get("/api/v1/deals/", {"governed_by": hidden.slug}).status_code == 200
    internal_source = world.internal_source.pk
    assert partner_client.get("/api/v1/excerpts/", {"source": internal_source}).status_code == 400
    assert analyst_client.get("/api/v1/excerpts/", {"source": internal_source}).status_code == 200
