"""The record page's statement, compiled once per kind and kind of reader (page_record):
each viewer still gets their own watch button and bell, and the same record as the
statement built for them alone would give."""

from __future__ import annotations

import pytest

from cooperation.models import Notification
from cooperation.services import (
    annotation_create,
    evidence_attach,
    excerpt_create,
    tracked_delete,
)
from cooperation.services.notifications import watch_toggle
from cooperation.staff_statements import VIEWER
from cooperation.views import records as record_views
from tests.factories import AgreementFactory, RecommendationFactory, SourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_statements")]


@pytest.fixture
def built(monkeypatch):
    """How many times the page's queryset was built (once per statement kept)."""
    calls = []
    real = record_views._record_statement

    def counting(kind, user):
        calls.append(user.pk)
        return real(kind, user)

    monkeypatch.setattr(record_views, "_record_statement", counting)
    return calls


def _page(client, user, record):
    client.force_login(user)
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    return response.context


def test_each_viewer_gets_their_own_watch_and_bell_from_the_one_kept_statement(
    client, curator, other_analyst, analyst, built
):
    record = RecommendationFactory(title="Undersea cables")
    watch_toggle(user=curator, record=record, watch=True)
    watch_toggle(user=other_analyst, record=record, watch=True)
    annotation_create(author=analyst, body="Cable landing sites?", record=record)
    watch_toggle(user=other_analyst, record=record, watch=False)
    Notification.objects.filter(recipient=other_analyst).update(read_at=None)
    unread = {
        user: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        for user in (curator, other_analyst, analyst)
    }
    assert unread[curator] >= 1  # the note reached the watcher

    pages = {user: _page(client, user, record) for user in (curator, other_analyst, analyst)}
    again = _page(client, curator, record)

    assert pages[curator]["record"].viewer_watches is True
    assert pages[other_analyst]["record"].viewer_watches is False
    assert pages[analyst]["record"].viewer_watches is False
    for user, context in pages.items():
        assert context["unread_notifications"] == unread[user], user
    assert again["record"].viewer_watches is True
    # One statement for all three (staff read the same records), built once with the
    # stand-in id, never a viewer's own.
    assert built == [VIEWER]


PREFETCHED = "_prefetched_objects_cache"


def _evidence(record) -> list[tuple]:
    return [
        (link.pk, link.excerpt_id, link.excerpt.source.title)
        for link in record.spine.evidence_links.all()
    ]


@pytest.mark.parametrize("factory", [RecommendationFactory, AgreementFactory])
def test_the_kept_statement_reads_the_record_as_its_own_statement_would(curator, analyst, factory):
    record = factory(title="Space situational awareness")
    source = SourceFactory(text="India and Japan track objects in orbit together. " * 10)
    for start in (0, 60):
        excerpt = excerpt_create(source=source, start=start, end=start + 30, user=analyst)
        evidence_attach(record=record, excerpt=excerpt, user=analyst, note="Shows it.")
    watch_toggle(user=analyst, record=record, watch=True)
    kind = record_views._kind(record._meta.model_name)
    for user in (curator, analyst, curator):
        kept = record_views.page_record(kind, user, record.slug)
        own = record_views._detail_queryset(kind, user).filter(slug=record.slug).first()
        assert kept is not None and kept.pk == record.pk
        # Every column, the JSON ones (links, identifiers, claims, tracking lists) included.
        mine = {k: v for k, v in vars(kept).items() if k not in ("_state", PREFETCHED)}
        theirs = {k: v for k, v in vars(own).items() if k not in ("_state", PREFETCHED)}
        assert mine == theirs, user
        assert any(k.startswith("_rows_") for k in mine)
        assert _evidence(kept) == _evidence(own) != []
        assert kept.viewer_watches is (user == analyst)


def test_a_slug_no_live_record_of_the_kind_has_reads_nothing(client, curator, analyst):
    agreement = AgreementFactory(title="Defence equipment transfer")
    gone = RecommendationFactory(title="Logistics pact")
    tracked_delete(instance=gone, user=curator, reason="Duplicate")
    recommendations = record_views._kind("recommendation")

    assert record_views.page_record(recommendations, analyst, agreement.slug) is None
    assert record_views.page_record(recommendations, analyst, gone.slug) is None
    assert record_views.page_record(recommendations, analyst, "no-such-record") is None
    client.force_login(analyst)
    assert client.get(gone.get_absolute_url()).status_code == 404


def test_a_reader_outside_staff_is_never_given_the_kept_statement(partner, curator, built):
    # Their statement would also depend on their organisation (which notes count on the
    # bell): it is built for them each time, never kept nor taken from staff's.
    record = RecommendationFactory(title="Rare earths", visibility="published")
    kind = record_views._kind("recommendation")

    record_views.page_record(kind, curator, record.slug)
    assert built == [VIEWER]
    found = record_views.page_record(kind, partner, record.slug)

    assert found is not None and found.pk == record.pk
    assert built == [VIEWER, partner.pk]
