"""The record page's query budget (issue 15: at most 6 statements a request, warm).

Counted as the bench counts them: every statement of the second of two requests, the
user and their roles included, with sessions read as production reads them with its Redis
cache (`cached_db`, portal/settings.py; the tests' in-memory cache stands in for Redis):
from the cache, the database only on a miss. Each kind of record is filled with what its
page shows (links both ways, evidence, notes and replies, tags, status history,
proposals, responses), so a statement per row would show as more than the budget.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.services import (
    annotation_create,
    evidence_attach,
    excerpt_create,
    recommendation_response_record,
    status_proposal_create,
)
from cooperation.services.notifications import watch_toggle
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
    TagFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

BUDGET = 6


def _filled(kind: str, viewer, author):
    actor, topic, tag = ActorFactory(), TopicFactory(), TagFactory()
    agreement = AgreementFactory(actors=[actor], parties=[actor], topics=[topic], tags=[tag])
    deal = DealFactory(supplier=actor, recipient=actor, governed_by=[agreement], actors=[actor])
    challenge = ChallengeFactory(affects_deals=[deal], affects_agreements=[agreement])
    recommendation = RecommendationFactory(
        owner=author, addressed_to=[actor], addresses=[challenge], actors=[actor], tags=[tag]
    )
    record = {
        "agreement": agreement,
        "deal": deal,
        "challenge": challenge,
        "recommendation": recommendation,
    }[kind]
    source = SourceFactory(text="India and Japan agreed on much. " * 40)
    for i in range(2):
        excerpt = excerpt_create(source=source, start=i * 40, end=i * 40 + 20, user=author)
        evidence_attach(record=record, excerpt=excerpt, user=author, note="Shows it.")
    note = annotation_create(author=author, body="A first note", record=record)
    annotation_create(author=viewer, parent=note, body="A reply")
    annotation_create(author=viewer, body="Another note", record=record)
    if kind == "recommendation":
        status_proposal_create(
            recommendation=record, to_status="under_review", user=author, note="Ready"
        )
        recommendation_response_record(
            recommendation=record,
            user=author,
            classification="accepted",
            responded_on="2025-03",
            note="They agree",
        )
    watch_toggle(user=viewer, record=record, watch=True)
    return record


def _queries(client, url: str) -> list[str]:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("kind", ["recommendation", "challenge", "agreement", "deal"])
@pytest.mark.parametrize("role", ["curator", "analyst"])
def test_record_page_costs_at_most_six_statements(
    client, request, settings, other_analyst, role, kind
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    user = request.getfixturevalue(role)
    record = _filled(kind, user, other_analyst)
    client.force_login(user)
    sql = _queries(client, record.get_absolute_url())
    listing = "\n".join(f"{i + 1}. {s[:300]}" for i, s in enumerate(sql))
    assert len(sql) <= BUDGET, f"{len(sql)} statements:\n{listing}"
