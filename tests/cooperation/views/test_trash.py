"""Moving records to the trash and restoring them (cooperation/views/records.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.models import Agreement, Challenge, Deal, Recommendation
from cooperation.services import tracked_delete, tracked_update
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db

TRASH = reverse("cooperation:trash")


def _delete_url(record) -> str:
    return reverse(f"cooperation:{record._meta.model_name}_delete", kwargs={"slug": record.slug})


def _restore_url(record) -> str:
    return reverse(
        "cooperation:trash_restore", kwargs={"model": record._meta.model_name, "pk": record.pk}
    )


@pytest.mark.parametrize(
    "factory", [AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory]
)
def test_curator_confirms_then_moves_each_kind_to_the_trash(client, curator, factory):
    record = factory()
    client.force_login(curator)

    confirm = client.get(_delete_url(record))
    assert confirm.status_code == 200 and "Move to trash" in confirm.content.decode()
    assert not type(record).all_objects.get(pk=record.pk).is_deleted

    response = client.post(_delete_url(record), {"expected_version": record.version})

    assert response.status_code == 302
    trashed = type(record).all_objects.get(pk=record.pk)
    assert trashed.is_deleted and trashed.deleted_by == curator


def test_analyst_cannot_move_to_trash_or_see_the_trash(client, analyst, curator):
    record = AgreementFactory()
    gone = DealFactory()
    tracked_delete(instance=gone, user=curator)
    client.force_login(analyst)

    assert client.get(_delete_url(record)).status_code == 403
    assert client.post(_delete_url(record)).status_code == 403
    assert client.get(TRASH).status_code == 403
    assert client.post(_restore_url(gone)).status_code == 403
    assert not Agreement.all_objects.get(pk=record.pk).is_deleted
    assert Deal.all_objects.get(pk=gone.pk).is_deleted


def test_trash_with_a_stale_version_changes_nothing(client, curator, analyst):
    record = AgreementFactory()
    tracked_update(instance=record, user=analyst, data={"title": "Moved on"}, expected_version=1)
    client.force_login(curator)

    response = client.post(_delete_url(record), {"expected_version": 1}, follow=True)

    assert "changed this record meanwhile" in response.content.decode()
    assert not Agreement.all_objects.get(pk=record.pk).is_deleted


def test_blocked_trash_shows_the_services_message(client, curator, monkeypatch):
    record = ChallengeFactory()
    monkeypatch.setattr(Challenge, "delete_blocker", lambda self: "Still needed by X.")
    client.force_login(curator)

    confirm = client.get(_delete_url(record))
    response = client.post(_delete_url(record), follow=True)

    assert "Still needed by X." in confirm.content.decode()
    assert "Still needed by X." in response.content.decode()
    assert not Challenge.all_objects.get(pk=record.pk).is_deleted


def test_trash_lists_every_kind_with_who_and_when_and_restores(client, curator):
    records = [AgreementFactory(), DealFactory(), ChallengeFactory(), RecommendationFactory()]
    for record in records:
        tracked_delete(instance=record, user=curator)
    live = AgreementFactory(title="Still live")
    client.force_login(curator)

    response = client.get(TRASH)

    html = response.content.decode()
    assert [record for _kind, record in response.context["rows"]] == records[::-1]
    for record in records:
        assert record.title in html and _restore_url(record) in html
    assert "Chandra Curator" in html
    assert live.title not in html

    restored = client.post(_restore_url(records[3]), {"next": TRASH})

    assert restored.status_code == 302 and restored["Location"] == TRASH
    rec = Recommendation.objects.get(pk=records[3].pk)
    assert rec.version == 3 and rec.deleted_by is None


def test_trash_restore_ignores_an_outside_next(client, curator):
    record = AgreementFactory()
    tracked_delete(instance=record, user=curator)
    client.force_login(curator)

    response = client.post(_restore_url(record), {"next": "https://evil.example/"})

    assert response["Location"] == TRASH


def test_trash_restore_of_an_unknown_kind_is_404(client, curator):
    client.force_login(curator)

    assert client.post("/trash/source/1/restore/").status_code == 404


def test_trash_is_paginated_with_constant_queries(client, curator):
    def trash(n):
        for _ in range(n):
            tracked_delete(instance=AgreementFactory(), user=curator)
            tracked_delete(instance=RecommendationFactory(), user=curator)

    client.force_login(curator)
    trash(1)
    client.get(TRASH)
    with CaptureQueriesContext(connection) as few:
        client.get(TRASH)
    trash(20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(TRASH)

    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.count == 42
    assert len(few) == len(many)
    second = client.get(TRASH, {"page": 2})
    assert len(second.context["rows"]) == 17
