"""A partner's password session grants no more than a read-only token: writes need a
write-enabled token, whatever the route."""

from __future__ import annotations

from rest_framework.test import APIClient

from cooperation.models import Annotation
from tests.api.conftest import client_for


def _note(world) -> dict:
    published = world.records["agreements"]["published"]
    return {"target_type": "agreement", "target_id": published.pk, "body": "From a session"}


def test_a_partner_session_reads_but_does_not_post_notes(world, partner):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(partner)
    assert client.get("/api/v1/annotations/").status_code == 200
    before = Annotation.all_objects.count()
    response = client.post("/api/v1/annotations/", _note(world), format="json")
    assert response.status_code == 403
    assert "write-enabled API token" in response.json()["detail"]
    assert Annotation.all_objects.count() == before


def test_every_partner_write_from_a_session_is_refused(world, partner):
    client = APIClient()
    client.force_login(partner)
    note = world.notes["partners_on_published"]
    published = world.records["agreements"]["published"]
    for method, url in (
        ("post", "/api/v1/annotations/"),
        ("patch", f"/api/v1/annotations/{note.pk}/"),
        ("delete", f"/api/v1/annotations/{note.pk}/"),
        ("patch", f"/api/v1/agreements/{published.pk}/"),
        (
            "post",
            f"/api/v1/recommendations/{world.records['recommendations']['published'].pk}/transition/",
        ),
    ):
        response = getattr(client, method)(url, {"body": "x"}, format="json", HTTP_IF_MATCH="*")
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert response.status_code != 201


def test_the_same_partner_posts_with_a_write_token_but_not_a_read_token(world, partner):
    assert (
        client_for(partner, write=False)
        .post("/api/v1/annotations/", _note(world), format="json")
        .status_code
        == 403
    )
    assert (
        client_for(partner, write=True)
        .post("/api/v1/annotations/", _note(world), format="json")
        .status_code
        == 201
    )


def test_staff_sessions_still_write(world, analyst):
    client = APIClient()
    client.force_login(analyst)
    response = client.post("/api/v1/annotations/", _note(world), format="json")
    assert response.status_code == 201
