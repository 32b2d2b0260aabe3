"""Data and measuring helpers shared by the list, dashboard and search view tests."""

from __future__ import annotations

import csv
import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.choices import AnnotationVisibility
from cooperation.services import annotation_create, excerpt_create, status_proposal_create
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)


def add_rows(n: int, user) -> None:
    """`n` of every kind, each with the links its list row and CSV row show."""
    source = SourceFactory(text=f"Brief of {n} rows. " + "India and Japan agreed on much. " * 60)
    for i in range(n):
        actor, topic = ActorFactory(), TopicFactory()
        agreement = AgreementFactory(actors=[actor], topics=[topic], parties=[actor])
        deal = DealFactory(supplier=actor, recipient=actor, governed_by=[agreement], actors=[actor])
        challenge = ChallengeFactory(affects_deals=[deal], affects_agreements=[agreement])
        recommendation = RecommendationFactory(
            owner=user,
            addressed_to=[actor],
            addresses=[challenge],
            actors=[actor],
            target_date=datetime.date(2020, 1, 1),
        )
        ChallengeFactory()  # unaddressed
        excerpt = excerpt_create(source=source, start=i * 10, end=i * 10 + 30, user=None)
        annotation_create(author=user, body=f"Note on a passage {i}", excerpt=excerpt)
        annotation_create(author=user, body=f"Note on a record {i}", record=recommendation)
        annotation_create(
            author=user,
            body=f"Private note {i}",
            record=agreement,
            visibility=AnnotationVisibility.PRIVATE,
        )
        status_proposal_create(
            recommendation=recommendation, to_status="under_review", user=user, note="Ready"
        )
        SourceFactory()


def count_queries(client, url: str, data=None, *, stream: bool = False) -> int:
    """Queries one GET costs, after a first GET has warmed per-process caches."""
    _get(client, url, data, stream)
    with CaptureQueriesContext(connection) as queries:
        _get(client, url, data, stream)
    return len(queries)


def _get(client, url, data, stream):
    response = client.get(url, data or {})
    assert response.status_code == 200, response.content[:500]
    if stream:
        b"".join(response.streaming_content)
    return response


def csv_table(response) -> list[list[str]]:
    """The rows of a streamed CSV response (header first), BOM removed."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))
