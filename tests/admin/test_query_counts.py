"""Admin lists cost the same number of queries whether they show one row or fifty."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.models import Annotation
from cooperation.services import annotation_create, evidence_attach, excerpt_create
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    CuratorFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "agreement",
    "deal",
    "challenge",
    "recommendation",
    "source",
    "excerpt",
    "actor",
    "topic",
    "annotation",
]


def _add_rows(n: int, author) -> None:
    source = SourceFactory(
        text=f"Brief of {n} rows. " + "India and Japan agreed on many things. " * 60
    )
    for i in range(n):
        actor = ActorFactory()
        agreement = AgreementFactory(actors=[actor])
        deal = DealFactory(supplier=actor, recipient=actor, governed_by=[agreement])
        ChallengeFactory(affects_deals=[deal])
        recommendation = RecommendationFactory(owner=author)
        excerpt = excerpt_create(source=source, start=i * 10, end=i * 10 + 30, user=None)
        evidence_attach(record=agreement, excerpt=excerpt, user=None)
        annotation_create(author=author, body=f"Note {i}", excerpt=excerpt)
        annotation_create(author=author, body=f"On record {i}", record=recommendation)
        SourceFactory()


def _count(client, name: str) -> int:
    url = reverse(f"admin:cooperation_{name}_changelist")
    client.get(url)  # warm the per-process caches (content types) so only the page counts
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_admin_changelists_have_constant_query_counts(client):
    curator = CuratorFactory()
    client.force_login(curator)
    _add_rows(1, curator)
    small = {name: _count(client, name) for name in ADMIN_LISTS}
    _add_rows(20, curator)
    assert Annotation.objects.count() == 42
    large = {name: _count(client, name) for name in ADMIN_LISTS}
    assert large == small
