"""History pages and restoring an earlier version (cooperation/views/records.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.models import Agreement, Recommendation
from cooperation.services import recommendation_transition, tracked_delete, tracked_update
from tests.factories import ActorFactory, AgreementFactory, RecommendationFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db


def _history_url(record) -> str:
    return reverse(f"cooperation:{record._meta.model_name}_history", kwargs={"slug": record.slug})


def _restore_url(record, history_id: int) -> str:
    return reverse(
        f"cooperation:{record._meta.model_name}_restore",
        kwargs={"slug": record.slug, "history_id": history_id},
    )


def _edited_agreement(analyst, other_analyst):
    india, japan = ActorFactory(name="India"), ActorFactory(name="Japan")
    record = AgreementFactory(title="First title", kind="mou", actors=[india])
    tracked_update(
        instance=record,
        user=other_analyst,
        data={"title": "Second title", "kind": "declaration", "actors": [japan]},
        expected_version=1,
        reason="Renamed after reading the brief",
    )
    return record


def test_history_shows_who_when_why_and_field_differences_with_labels(
    client, analyst, other_analyst
):
    record = _edited_agreement(analyst, other_analyst)
    client.force_login(analyst)

    response = client.get(_history_url(record))

    assert response.status_code == 200
    latest, first = response.context["versions"]
    assert (latest.row.version, first.row.version) == (2, 1)
    changes = {change.name: change for change in latest.changes}
    assert set(changes) == {"title", "kind", "actors"}
    assert (changes["title"].before, changes["title"].after) == ("First title", "Second title")
    # Labels, not codes.
    assert changes["kind"].before == "Memorandum of understanding or cooperation"
    assert changes["kind"].after == "Declaration"
    assert (changes["actors"].added, changes["actors"].removed) == (["Japan"], ["India"])
    html = response.content.decode()
    assert "Renamed after reading the brief" in html
    assert "Otto Other" in html
    assert "<strong>Added:</strong> Japan" in html
    assert "<strong>Removed:</strong> India" in html


def test_history_shows_analysts_no_restore_and_curators_a_restore_per_earlier_version(
    client, analyst, other_analyst, curator
):
    record = _edited_agreement(analyst, other_analyst)
    first_row = history_rows(record)[-1]
    client.force_login(analyst)
    assert (
        _restore_url(record, first_row.history_id)
        not in client.get(_history_url(record)).content.decode()
    )

    client.force_login(curator)
    html = client.get(_history_url(record)).content.decode()
    assert _restore_url(record, first_row.history_id) in html
    latest_row = history_rows(record)[0]
    assert _restore_url(record, latest_row.history_id) not in html


def test_restore_confirms_then_creates_a_new_version(client, analyst, other_analyst, curator):
    record = _edited_agreement(analyst, other_analyst)
    first_row = history_rows(record)[-1]
    client.force_login(curator)

    confirm = client.get(_restore_url(record, first_row.history_id))
    assert confirm.status_code == 200
    assert {c.name for c in confirm.context["changes"]} == {"title", "kind", "actors"}
    assert Agreement.objects.get(pk=record.pk).version == 2  # a GET changes nothing

    response = client.post(_restore_url(record, first_row.history_id), {"expected_version": 2})

    assert response.status_code == 302
    restored = Agreement.objects.get(pk=record.pk)
    assert (restored.title, restored.kind, restored.version) == ("First title", "mou", 3)
    assert [a.name for a in restored.actors.all()] == ["India"]
    assert len(history_rows(record)) == 3  # the versions in between stay


def test_restore_is_refused_to_analysts(client, analyst, other_analyst):
    record = _edited_agreement(analyst, other_analyst)
    first_row = history_rows(record)[-1]
    client.force_login(analyst)

    assert client.get(_restore_url(record, first_row.history_id)).status_code == 403
    response = client.post(_restore_url(record, first_row.history_id), {"expected_version": 2})

    assert response.status_code == 403
    assert Agreement.objects.get(pk=record.pk).version == 2


def test_restore_with_a_stale_version_changes_nothing(client, analyst, other_analyst, curator):
    record = _edited_agreement(analyst, other_analyst)
    first_row = history_rows(record)[-1]
    client.force_login(curator)

    response = client.post(_restore_url(record, first_row.history_id), {"expected_version": 1})

    assert response.status_code == 302
    assert Agreement.objects.get(pk=record.pk).title == "Second title"


def test_restore_of_another_records_version_is_404(client, curator):
    record, other = AgreementFactory(), AgreementFactory()
    other_row = history_rows(other)[0]
    client.force_login(curator)

    assert client.post(_restore_url(record, other_row.history_id)).status_code == 404


def test_history_of_a_recommendation_shows_status_moves(client, analyst, curator):
    rec = RecommendationFactory()
    recommendation_transition(
        recommendation=rec, to_status="under_review", user=curator, note="Looking at it."
    )
    client.force_login(analyst)

    latest = client.get(_history_url(rec)).context["versions"][0]

    [change] = latest.changes
    assert (change.label, change.before, change.after) == ("Status", "Proposed", "Under review")


def test_restore_confirm_never_offers_to_move_a_recommendation_status(client, curator):
    rec = RecommendationFactory(title="Before")
    tracked_update(instance=rec, user=curator, data={"title": "After"}, expected_version=1)
    recommendation_transition(
        recommendation=rec, to_status="under_review", user=curator, note="Looking at it."
    )
    first_row = history_rows(rec)[-1]
    client.force_login(curator)

    confirm = client.get(_restore_url(rec, first_row.history_id))
    client.post(_restore_url(rec, first_row.history_id), {"expected_version": 3})

    assert [c.name for c in confirm.context["changes"]] == ["title"]
    saved = Recommendation.objects.get(pk=rec.pk)
    assert (saved.title, saved.status) == ("Before", "under_review")


def test_history_of_a_trashed_record_is_readable(client, curator):
    record = AgreementFactory()
    tracked_delete(instance=record, user=curator)
    client.force_login(curator)

    response = client.get(_history_url(record))

    assert response.status_code == 200
    assert response.context["versions"][0].kind_label == "Moved to trash"


def test_history_query_count_does_not_grow_with_versions(client, analyst):
    actors = [ActorFactory() for _ in range(3)]

    def build(n):
        record = AgreementFactory(actors=actors[:1])
        for i in range(n):
            tracked_update(
                instance=record,
                user=analyst,
                data={"title": f"Title {i}", "actors": actors[: 1 + i % 3]},
                expected_version=None,
            )
        return record

    short, long = build(1), build(12)
    client.force_login(analyst)
    client.get(_history_url(short))
    counts = []
    for record in (short, long):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_history_url(record))
        counts.append(len(queries))

    assert len(response.context["versions"]) == 13
    assert counts[0] == counts[1]


def test_history_names_foreign_keys_and_dates_not_ids(client, analyst):
    from tests.factories import TEST_BASIS, DealFactory

    japan, france = ActorFactory(name="Japan"), ActorFactory(name="France")
    deal = DealFactory(supplier=japan)
    tracked_update(
        instance=deal,
        user=analyst,
        data={"supplier": france, "period_start": "2015-03-01", "status": "stalled"},
        expected_version=1,
        basis=TEST_BASIS,
    )
    client.force_login(analyst)

    latest = client.get(_history_url(deal)).context["versions"][0]

    changes = {c.name: (c.before, c.after) for c in latest.changes}
    assert changes == {
        "supplier": ("Japan", "France"),
        "period_start": ("—", "1 March 2015"),
        "status": ("Proposed", "Stalled"),
    }
