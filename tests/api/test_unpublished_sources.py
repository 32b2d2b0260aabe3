"""Partners learn nothing of an unpublished source, even through a published record citing
it; the curator who publishes such a record is warned (admin, web page and API)."""

from __future__ import annotations

import pytest
from django.test import Client

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.services import (
    evidence_attach,
    recommendation_transition,
    record_set_visibility,
    tracked_update,
)
from tests.api.conftest import client_for
from tests.factories import AgreementFactory, ExcerptFactory, SourceFactory

SECRET_TITLE = "Unreleased ministry minutes"
SECRET_REF = "SECRET/REF/77"


@pytest.fixture
def secret(db, curator):
    source = SourceFactory(
        title=SECRET_TITLE, text="Covert passage about the minutes.\n\nNothing else."
    )
    source = tracked_update(
        instance=source,
        user=curator,
        data={"reference_code": SECRET_REF},
        expected_version=None,
    )
    return ExcerptFactory(source=source, start=0, end=14)


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_partners_see_a_published_record_without_unpublished_evidence(
    world, secret, partner, curator
):
    agreement = world.records["agreements"]["published"]
    evidence_attach(record=agreement, excerpt=secret, user=curator)
    recommendation = world.records["recommendations"]["published"]
    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Per the minutes",
        evidence_excerpt=secret,
    )
    client = client_for(partner, write=False)
    pages = [
        "/api/v1/agreements/",
        f"/api/v1/agreements/{agreement.pk}/",
        "/api/v1/agreements/export/",
        "/api/v1/recommendations/",
        f"/api/v1/recommendations/{recommendation.pk}/",
        f"/api/v1/recommendations/{recommendation.pk}/history/",
        "/api/v1/recommendations/export/",
        "/api/v1/excerpts/",
        "/api/v1/sources/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text = _text(response)
        for secret_text in (SECRET_TITLE, SECRET_REF, secret.exact):
            assert secret_text not in text, (page, secret_text)
    detail = client.get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert all(e["source"] != secret.source_id for e in detail["evidence"])
    assert all(e["excerpt"] not in (secret.pk, world.cited_excerpt.pk) for e in detail["evidence"])
    history = client.get(f"/api/v1/recommendations/{recommendation.pk}/history/").json()
    assert [c["evidence_excerpt"] for c in history["status_changes"]][-1] is None
    listed = client.get("/api/v1/recommendations/").json()["results"]
    [row] = [r for r in listed if r["id"] == recommendation.pk]
    assert row["status_history"][-1]["evidence_excerpt"] is None
    assert client.get(f"/api/v1/excerpts/{secret.pk}/").status_code == 404
    assert client.get(f"/api/v1/sources/{secret.source_id}/").status_code == 404


def test_staff_still_see_all_evidence(world, secret, analyst, curator):
    agreement = world.records["agreements"]["published"]
    evidence_attach(record=agreement, excerpt=secret, user=curator)
    detail = client_for(analyst).get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert secret.pk in {e["excerpt"] for e in detail["evidence"]}


@pytest.fixture
def citing_draft(db, secret, curator):
    record = AgreementFactory(title="Cites the minutes")
    evidence_attach(record=record, excerpt=secret, user=curator)
    return record


def test_the_api_warns_the_curator_who_publishes(citing_draft, curator):
    response = client_for(curator).patch(
        f"/api/v1/agreements/{citing_draft.pk}/",
        {"visibility": Visibility.PUBLISHED},
        format="json",
        HTTP_IF_MATCH=f'"{citing_draft.version}"',
    )
    if response.status_code == 412:  # the ETag's exact form is the conditional module's
        etag = client_for(curator).get(f"/api/v1/agreements/{citing_draft.pk}/")["ETag"]
        response = client_for(curator).patch(
            f"/api/v1/agreements/{citing_draft.pk}/",
            {"visibility": Visibility.PUBLISHED},
            format="json",
            HTTP_IF_MATCH=etag,
        )
    assert response.status_code == 200, response.content
    [warning] = response.json()["warnings"]
    assert SECRET_TITLE in warning and SECRET_REF in warning
    # A later read carries no warning.
    again = client_for(curator).get(f"/api/v1/agreements/{citing_draft.pk}/").json()
    assert again["warnings"] == []


def test_the_web_page_warns_the_curator_who_publishes(citing_draft, curator):
    client = Client()
    client.force_login(curator)
    response = client.post(
        f"/agreements/{citing_draft.slug}/visibility/",
        {"visibility": Visibility.PUBLISHED, "expected_version": citing_draft.version},
        follow=True,
    )
    text = response.content.decode()
    assert "Visibility is now published" in text
    assert SECRET_TITLE in text and "without its evidence from unpublished sources" in text


def test_the_admin_warns_the_curator_who_publishes(citing_draft, curator):
    client = Client()
    client.force_login(curator)
    response = client.post(
        "/admin/cooperation/agreement/",
        {"action": "publish", "_selected_action": [citing_draft.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Published 1." in text
    assert "without its evidence from unpublished sources" in text


def test_no_warning_when_all_evidence_is_published(world, curator):
    record = AgreementFactory(title="Cites the published brief")
    evidence_attach(record=record, excerpt=world.published_excerpt, user=curator)
    from cooperation.selectors import publish_warning

    published = record_set_visibility(record=record, user=curator, visibility=Visibility.PUBLISHED)
    assert publish_warning(published) is None
