"""API fixtures: tokens per role, API clients that authenticate with them, and a small world
of published and internal records, sources, excerpts and notes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from rest_framework.test import APIClient

from accounts.services import api_token_create
from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.services import (
    annotation_create,
    evidence_attach,
    record_set_visibility,
    tracked_update,
)
from cooperation.services.tags import annotation_tags_set, tag_create
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    PartnerFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)

RESOURCES = (
    "sources",
    "excerpts",
    "actors",
    "topics",
    "tags",
    "agreements",
    "deals",
    "challenges",
    "recommendations",
    "annotations",
)
RECORDS = ("agreements", "deals", "challenges", "recommendations")


def make_token(user, *, write=False, expires_days=None) -> str:
    return api_token_create(user=user, name="test", can_write=write, expires_days=expires_days)[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def client_for(user=None, *, write=True) -> APIClient:
    """An APIClient authenticating as `user` with a real Bearer token (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.credentials(**bearer(make_token(user, write=write)))
    return client


@pytest.fixture
def partner_writer(db):
    return PartnerFactory(full_name="Wendy Writer")


@dataclass
class World:
    """One published and one internal of everything a partner's visibility decides."""

    actor: object
    topic: object
    tag: object  # on a published record: partners may read it
    published_source: object
    internal_source: object
    published_excerpt: object  # in the published source
    cited_excerpt: object  # in the internal source, evidence for a published record
    hidden_excerpt: object  # in the internal source, backing nothing published
    records: dict  # resource name -> {"published": obj, "internal": obj}
    notes: dict  # name -> annotation


def _publish(record, curator):
    return record_set_visibility(record=record, user=curator, visibility=Visibility.PUBLISHED)


@pytest.fixture
def world(db, curator, analyst) -> World:
    actor, topic = ActorFactory(slug="india", name="India"), TopicFactory(slug="space")
    published_source = SourceFactory(title="Published brief")
    tracked_update(
        instance=published_source,
        user=curator,
        data={"visibility": Visibility.PUBLISHED},
        expected_version=None,
    )
    internal_source = SourceFactory(title="Internal brief")
    published_excerpt = ExcerptFactory(source=published_source, start=0, end=12)
    cited_excerpt = ExcerptFactory(source=internal_source, start=0, end=12)
    hidden_excerpt = ExcerptFactory(source=internal_source, start=14, end=24)

    # A tag partners may read (on a published record) and one only the team's note carries.
    public_tag = tag_create(user=analyst, name="Public tag")
    team_tag = tag_create(user=analyst, name="Team tag")
    agreement = AgreementFactory(actors=[actor], topics=[topic], parties=[actor], tags=[public_tag])
    deal = DealFactory(actors=[actor], supplier=actor, governed_by=[agreement])
    challenge = ChallengeFactory(topics=[topic], affects_deals=[deal])
    recommendation = RecommendationFactory(addressed_to=[actor], addresses=[challenge])
    records = {}
    for name, record in zip(RECORDS, (agreement, deal, challenge, recommendation), strict=True):
        published = _publish(record, curator)
        internal = {
            "agreements": AgreementFactory,
            "deals": DealFactory,
            "challenges": ChallengeFactory,
            "recommendations": RecommendationFactory,
        }[name](title=f"Internal {name}")
        records[name] = {"published": published, "internal": internal}
    evidence_attach(record=records["agreements"]["published"], excerpt=cited_excerpt, user=curator)
    evidence_attach(record=records["agreements"]["internal"], excerpt=hidden_excerpt, user=curator)

    def note(visibility, *, record=None, excerpt=None, author=analyst):
        return annotation_create(
            author=author,
            body=f"A {visibility} note",
            record=record,
            excerpt=excerpt,
            visibility=visibility,
        )

    notes = {
        "partners_on_published": note(
            AnnotationVisibility.PARTNERS, record=records["agreements"]["published"]
        ),
        "partners_on_excerpt": note(AnnotationVisibility.PARTNERS, excerpt=published_excerpt),
        "team_on_published": note(
            AnnotationVisibility.TEAM, record=records["agreements"]["published"]
        ),
        "partners_on_internal": note(
            AnnotationVisibility.PARTNERS, record=records["agreements"]["internal"]
        ),
        "private": note(AnnotationVisibility.PRIVATE, record=records["deals"]["published"]),
    }
    annotation_tags_set(annotation=notes["team_on_published"], user=analyst, tags=[team_tag])
    return World(
        actor=actor,
        topic=topic,
        tag=public_tag,
        published_source=published_source,
        internal_source=internal_source,
        published_excerpt=published_excerpt,
        cited_excerpt=cited_excerpt,
        hidden_excerpt=hidden_excerpt,
        records=records,
        notes=notes,
    )


@pytest.fixture
def http(live_server):
    """Real HTTP to the live server: `http(method, path, token=None, **requests_kwargs)`."""

    def call(method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method, live_server.url + path, headers=headers, timeout=30, **kwargs
        )

    return call
