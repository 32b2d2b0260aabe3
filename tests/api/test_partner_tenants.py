"""Partner organisations are separate tenants: their notes reach their own members and staff,
never another organisation, unless a curator shares them (docs/partner-guide.md)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.choices import AnnotationVisibility
from cooperation.models import Annotation
from cooperation.services import annotation_create, annotation_share
from tests.api.conftest import client_for
from tests.factories import OrganisationFactory, PartnerFactory, partner_note_create


@pytest.fixture
def tenants(db):
    org_a, org_b = OrganisationFactory(name="Org A"), OrganisationFactory(name="Org B")
    return {
        "a": PartnerFactory(organisation=org_a),
        "a2": PartnerFactory(organisation=org_a),
        "b": PartnerFactory(organisation=org_b),
        "org_a": org_a,
        "org_b": org_b,
    }


def _ids(user) -> set[int]:
    response = client_for(user).get("/api/v1/annotations/")
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_partners_note_is_read_by_its_organisation_and_staff_only(world, tenants, analyst):
    published = world.records["agreements"]["published"]
    response = client_for(tenants["a"]).post(
        "/api/v1/annotations/",
        {"target_type": "agreement", "target_id": published.pk, "body": "Org A thinks so"},
        format="json",
    )
    assert response.status_code == 201, response.content
    note_id = response.json()["id"]
    assert note_id in _ids(tenants["a"]) and note_id in _ids(tenants["a2"])
    assert note_id in _ids(analyst)
    assert note_id not in _ids(tenants["b"])
    assert client_for(tenants["b"]).get(f"/api/v1/annotations/{note_id}/").status_code == 404
    # Nor can B reply into A's thread: it does not exist for B.
    reply = client_for(tenants["b"]).post(
        "/api/v1/annotations/", {"parent": note_id, "body": "Seen"}, format="json"
    )
    assert reply.status_code == 404


def test_staff_reply_in_a_partner_thread_stays_in_that_organisation(world, tenants, analyst):
    published = world.records["agreements"]["published"]
    root = partner_note_create(author=tenants["a"], body="Question", record=published)
    reply = annotation_create(
        author=analyst, body="Answer", parent=root, visibility=AnnotationVisibility.PARTNERS
    )
    assert reply.organisation_id == tenants["org_a"].pk
    assert reply.pk in _ids(tenants["a"])
    assert reply.pk not in _ids(tenants["b"])


def test_staff_partners_notes_reach_every_organisation_until_a_curator_restricts_them(
    world, tenants, curator
):
    note = world.notes["partners_on_published"]
    assert note.pk in _ids(tenants["a"]) and note.pk in _ids(tenants["b"])
    annotation_share(annotation=note, user=curator, organisations=[tenants["org_a"]])
    assert note.pk in _ids(tenants["a"])
    assert note.pk not in _ids(tenants["b"])
    annotation_share(annotation=note, user=curator, organisations=[])
    assert note.pk in _ids(tenants["b"])
    reasons = list(
        Annotation.history.filter(id=note.pk)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons[-2:] == ["Shared with Org A", "Open to every partner organisation"]


def test_a_curator_shares_a_partners_thread_with_another_organisation(world, tenants, curator):
    published = world.records["agreements"]["published"]
    root = partner_note_create(author=tenants["a"], body="Our view", record=published)
    reply = annotation_create(
        author=curator, body="Thanks", parent=root, visibility=AnnotationVisibility.PARTNERS
    )
    assert root.pk not in _ids(tenants["b"])
    annotation_share(annotation=root, user=curator, organisations=[tenants["org_b"]])
    assert {root.pk, reply.pk} <= _ids(tenants["b"])
    row = Annotation.history.filter(id=root.pk).latest("history_id")
    assert row.history_change_reason == "Shared with Org B"
    assert row.history_user_id == curator.pk


def test_only_curators_share_and_only_whole_partner_threads(world, tenants, analyst, curator):
    note = world.notes["partners_on_published"]
    with pytest.raises(PermissionDenied):
        annotation_share(annotation=note, user=analyst, organisations=[tenants["org_b"]])
    with pytest.raises(PermissionDenied):
        annotation_share(annotation=note, user=tenants["a"], organisations=[tenants["org_a"]])
    with pytest.raises(ValidationError):
        annotation_share(
            annotation=world.notes["team_on_published"],
            user=curator,
            organisations=[tenants["org_b"]],
        )
