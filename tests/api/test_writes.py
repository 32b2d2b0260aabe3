"""Writes go through the services: records, excerpts, notes, transitions; and who may do which."""

from __future__ import annotations

import pytest

from cooperation.choices import AnnotationVisibility, ProposalState, RecommendationStatus
from cooperation.models import Agreement, Annotation, Excerpt, Recommendation, StatusProposal
from tests.api.conftest import RECORDS, RESOURCES, client_for
from tests.factories import API_BASIS, ActorFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

NEW_RECORDS = {
    "agreements": {"title": "New accord", "slug": "new-accord", "kind": "mou", **API_BASIS},
    "deals": {"title": "New deal", "slug": "new-deal", "kind": "co_production", **API_BASIS},
    "challenges": {"title": "New hurdle", "slug": "new-hurdle", "category": "cost", **API_BASIS},
    "recommendations": {"title": "Do it", "slug": "do-it", "priority": "high", **API_BASIS},
}


def _etag(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"]


@pytest.mark.parametrize("name", RECORDS)
def test_analysts_create_change_and_trash_records_with_history(world, analyst, curator, name):
    client = client_for(analyst)
    data = {**NEW_RECORDS[name], "actors": ["india"], "topics": ["space"]}
    created = client.post(f"/api/v1/{name}/", data, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["version"] == 1 and body["visibility"] == "draft"
    assert [a["slug"] for a in body["actors"]] == ["india"]
    assert created["Location"] == body["url"]
    path = f"/api/v1/{name}/{body['id']}/"

    changed = client.patch(
        path, {"summary": "Now with a summary"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2

    model = {
        "agreements": Agreement,
        "recommendations": Recommendation,
    }.get(name)
    # Curators move records to the trash (analysts may not); If-Match is required there too.
    curator_client = client_for(curator)
    assert curator_client.delete(path).status_code == 428
    deleted = curator_client.delete(path, HTTP_IF_MATCH=changed["ETag"])
    assert deleted.status_code == 204
    assert client.get(path).status_code == 404
    if model is not None:
        record = model.all_objects.get(pk=body["id"])
        assert record.is_deleted
        assert [row.history_type for row in history_rows(record)] == ["-", "~", "+"]


def test_put_replaces_a_record_and_needs_every_required_field(world, analyst):
    client = client_for(analyst)
    agreement = world.records["agreements"]["internal"]
    path = f"/api/v1/agreements/{agreement.pk}/"
    etag = _etag(client, path)
    incomplete = client.put(path, {"title": "Only a title"}, format="json", HTTP_IF_MATCH=etag)
    assert incomplete.status_code == 400
    # The slug is optional (a new record takes one from its title; a replaced one keeps its own).
    assert set(incomplete.json()["errors"]) >= {"kind"}
    full = {"title": "Replaced", "slug": agreement.slug, "kind": "declaration", "summary": ""}
    full |= API_BASIS
    replaced = client.put(path, full, format="json", HTTP_IF_MATCH=etag)
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["kind"] == "declaration"


def test_validation_errors_name_the_fields(world, analyst):
    client = client_for(analyst)
    response = client.post(
        "/api/v1/deals/",
        {
            "title": "",
            "slug": world.records["deals"]["published"].slug,
            "kind": "bribery",
            "actors": ["nobody"],
            "period_start": "2024-05-01",
            "period_end": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "Invalid input."
    assert set(body["errors"]) >= {"title", "slug", "kind", "actors"}
    assert all(isinstance(m, list) for m in body["errors"].values())


def test_a_service_validation_error_keeps_its_field_name(world, analyst):
    client = client_for(analyst)
    deal = world.records["deals"]["internal"]
    path = f"/api/v1/deals/{deal.pk}/"
    response = client.patch(
        path,
        {"period_start": "2024-05-01", "period_end": "2024-01-01"},
        format="json",
        HTTP_IF_MATCH=_etag(client, path),
    )
    assert response.status_code == 400
    assert "period_end" in response.json()["errors"]


def test_malformed_json_is_a_400_in_the_error_format(analyst):
    response = client_for(analyst).generic(
        "POST", "/api/v1/actors/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_analysts_cannot_publish_but_curators_can(world, analyst, curator):
    agreement = world.records["agreements"]["internal"]
    path = f"/api/v1/agreements/{agreement.pk}/"
    for user, expected in ((analyst, 403), (curator, 200)):
        client = client_for(user)
        response = client.patch(
            path, {"visibility": "published"}, format="json", HTTP_IF_MATCH=_etag(client, path)
        )
        assert response.status_code == expected, response.json()
    agreement.refresh_from_db()
    assert agreement.visibility == "published"


def test_an_if_match_with_weak_stale_or_malformed_etags_is_412(world, analyst):
    client = client_for(analyst)
    actor_path = f"/api/v1/actors/{world.actor.pk}/"
    etag = _etag(client, actor_path)
    # '"²"': "²".isdigit() is true but int("²") fails; it must be a 412, not a 500.
    for header in (f"W/{etag}", '"99-x", "1-y"', "garbage", '"²"', etag.strip('"')):
        response = client.patch(actor_path, {"name": "X"}, format="json", HTTP_IF_MATCH=header)
        assert response.status_code == 412, header


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_if_match_star_writes_whatever_is_current(world, curator, method):
    """RFC 9110 §13.1.1: `*` matches any current representation; the client chose to overwrite."""
    client = client_for(curator)
    actor = ActorFactory(slug="star", name="Star")
    response = getattr(client, method)(
        f"/api/v1/actors/{actor.pk}/",
        {"name": "Overwritten", "slug": "star", "kind": actor.kind},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Overwritten"


def test_an_if_match_star_does_not_match_what_is_in_the_trash(world, curator):
    client = client_for(curator)
    path = f"/api/v1/agreements/{world.records['agreements']['internal'].pk}/"
    assert client.delete(path, HTTP_IF_MATCH="*").status_code == 204
    again = client.delete(path, HTTP_IF_MATCH="*")
    assert again.status_code == 412, again.content


def test_excerpts_are_made_by_position_or_by_quote_and_their_span_is_fixed(world, analyst):
    client = client_for(analyst)
    source = world.internal_source
    by_position = client.post(
        "/api/v1/excerpts/", {"source": source.pk, "start": 30, "end": 40}, format="json"
    )
    assert by_position.status_code == 201, by_position.json()
    assert by_position.json()["exact"] == source.text[30:40]
    quote = source.text[50:70]
    by_quote = client.post(
        "/api/v1/excerpts/", {"source": source.pk, "exact": quote}, format="json"
    )
    assert by_quote.status_code == 201, by_quote.json()
    assert (by_quote.json()["start"], by_quote.json()["end"]) == (50, 70)
    wrong = client.post(
        "/api/v1/excerpts/",
        {"source": source.pk, "start": 30, "end": 40, "exact": "not this"},
        format="json",
    )
    assert wrong.status_code == 400 and "exact" in wrong.json()["errors"]
    path = f"/api/v1/excerpts/{by_position.json()['id']}/"
    noted = client.patch(
        path, {"note": "Key line"}, format="json", HTTP_IF_MATCH=by_position["ETag"]
    )
    assert noted.status_code == 200 and noted.json()["note"] == "Key line"
    assert Excerpt.objects.get(pk=by_position.json()["id"]).start == 30


def test_curators_move_a_recommendations_status(world, curator):
    recommendation = world.records["recommendations"]["internal"]
    client = client_for(curator)
    response = client.post(
        f"/api/v1/recommendations/{recommendation.pk}/transition/",
        {"to": "under_review", "note": "Tabled", "evidence_url": "https://example.org/minutes"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["from_status"] == "proposed"
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.UNDER_REVIEW
    not_allowed = client.post(
        f"/api/v1/recommendations/{recommendation.pk}/transition/",
        {"to": "implemented", "note": "Skip ahead"},
        format="json",
    )
    assert not_allowed.status_code == 400 and "to" in not_allowed.json()["errors"]


def test_a_transition_with_a_stale_if_match_is_412(world, curator):
    recommendation = world.records["recommendations"]["internal"]
    client = client_for(curator)
    path = f"/api/v1/recommendations/{recommendation.pk}/"
    etag = _etag(client, path)
    move = {"to": "under_review", "note": "Tabled"}
    assert (
        client.post(f"{path}transition/", move, format="json", HTTP_IF_MATCH=etag).status_code
        == 201
    )
    back = {"to": "proposed", "note": "Back"}
    stale = client.post(f"{path}transition/", back, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412


def test_analysts_propose_a_status_change_instead(world, analyst):
    recommendation = world.records["recommendations"]["internal"]
    response = client_for(analyst).post(
        f"/api/v1/recommendations/{recommendation.pk}/transition/",
        {"to": "deferred", "note": "No budget this year"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    assert response.json()["state"] == ProposalState.OPEN
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.PROPOSED
    assert StatusProposal.objects.get().to_status == "deferred"


def test_staff_post_edit_resolve_and_delete_their_notes(world, analyst, other_analyst):
    client = client_for(analyst)
    agreement = world.records["agreements"]["internal"]
    created = client.post(
        "/api/v1/annotations/",
        {"target_type": "agreement", "target_id": agreement.pk, "body": "Check the date"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["visibility"] == AnnotationVisibility.TEAM
    assert created.json()["target"]["type"] == "agreement"
    path = f"/api/v1/annotations/{created.json()['id']}/"
    edited = client.patch(
        path, {"body": "Checked", "resolved": True}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["body"] == "Checked" and edited.json()["resolved"] is True
    other = client_for(other_analyst)
    assert (
        other.patch(path, {"body": "Mine now"}, format="json", HTTP_IF_MATCH=edited["ETag"])
    ).status_code == 403
    assert client.delete(path, HTTP_IF_MATCH=created["ETag"]).status_code == 412
    assert client.delete(path, HTTP_IF_MATCH=edited["ETag"]).status_code == 204
    assert Annotation.all_objects.get(pk=created.json()["id"]).is_deleted


# ---- partners ------------------------------------------------------------------------------


def test_a_write_enabled_partner_posts_partner_notes_on_what_it_can_see(world, partner):
    client = client_for(partner, write=True)
    agreement = world.records["agreements"]["published"]
    response = client.post(
        "/api/v1/annotations/",
        {"target_type": "agreement", "target_id": agreement.pk, "body": "Our ministry agrees."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    note = Annotation.objects.get(pk=response.json()["id"])
    assert note.visibility == AnnotationVisibility.PARTNERS and note.author == partner
    assert [row.history_type for row in history_rows(note)] == ["+"]

    reply = client.post(
        "/api/v1/annotations/",
        {"parent": world.notes["partners_on_excerpt"].pk, "body": "Agreed."},
        format="json",
    )
    assert reply.status_code == 201, reply.json()

    internal = world.records["agreements"]["internal"]
    hidden = client.post(
        "/api/v1/annotations/",
        {"target_type": "agreement", "target_id": internal.pk, "body": "?"},
        format="json",
    )
    assert hidden.status_code == 404
    team = client.post(
        "/api/v1/annotations/",
        {
            "target_type": "agreement",
            "target_id": agreement.pk,
            "body": "?",
            "visibility": "team",
        },
        format="json",
    )
    assert team.status_code == 400 and "visibility" in team.json()["errors"]


def test_a_write_enabled_partner_may_do_nothing_else(world, partner):
    client = client_for(partner, write=True)
    note = world.notes["partners_on_published"]
    recommendation = world.records["recommendations"]["published"]
    refused = [
        client.post("/api/v1/agreements/", NEW_RECORDS["agreements"], format="json"),
        client.post("/api/v1/actors/", {"name": "X", "slug": "x"}, format="json"),
        client.patch(f"/api/v1/annotations/{note.pk}/", {"body": "x"}, format="json"),
        client.delete(f"/api/v1/annotations/{note.pk}/"),
        client.post(
            f"/api/v1/recommendations/{recommendation.pk}/transition/",
            {"to": "under_review", "note": "Please"},
            format="json",
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)


def test_a_read_only_partner_token_cannot_post_notes(world, partner):
    client = client_for(partner, write=False)
    agreement = world.records["agreements"]["published"]
    response = client.post(
        "/api/v1/annotations/",
        {"target_type": "agreement", "target_id": agreement.pk, "body": "Hello"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."


@pytest.mark.parametrize("name", [n for n in RESOURCES if n != "annotations"])
def test_partners_cannot_create_anything_but_notes(world, partner, name):
    response = client_for(partner, write=True).post(f"/api/v1/{name}/", {}, format="json")
    assert response.status_code in (403, 405)


def test_a_write_with_the_etag_of_a_record_trashed_since_is_412_not_404(world, curator):
    client = client_for(curator)
    agreement = world.records["agreements"]["internal"]
    path = f"/api/v1/agreements/{agreement.pk}/"
    etag = _etag(client, path)
    assert client.delete(path, HTTP_IF_MATCH=etag).status_code == 204

    again = client.delete(path, HTTP_IF_MATCH=etag)
    edit = client.patch(path, {"title": "Too late"}, format="json", HTTP_IF_MATCH=etag)
    read = client.get(path)

    assert (again.status_code, edit.status_code, read.status_code) == (412, 412, 404)
    assert "trash" in again.json()["detail"]
    assert Agreement.all_objects.get(pk=agreement.pk).title == agreement.title
    assert len(history_rows(Agreement.all_objects.get(pk=agreement.pk))) == agreement.version + 1


@pytest.mark.parametrize("name", RECORDS)
def test_a_new_record_without_a_slug_gets_one_from_its_title_unique_across_the_trash(
    world, analyst, name
):
    client = client_for(analyst)
    data = {k: v for k, v in NEW_RECORDS[name].items() if k != "slug"}
    data["title"] = "Joint Working Group on Space"

    first = client.post(f"/api/v1/{name}/", data, format="json")
    second = client.post(f"/api/v1/{name}/", data, format="json")
    chosen = client.post(f"/api/v1/{name}/", {**data, "slug": "my-own"}, format="json")

    assert (first.status_code, second.status_code, chosen.status_code) == (201, 201, 201), (
        first.json()
    )
    assert first.json()["slug"] == "joint-working-group-on-space"
    assert second.json()["slug"] == "joint-working-group-on-space-2"
    assert chosen.json()["slug"] == "my-own"
