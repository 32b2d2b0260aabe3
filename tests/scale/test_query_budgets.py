"""Query budgets: every workspace page and every API list, detail and export costs the same
number of queries with one object as with a dozen.

The sweep is generic: it walks the workspace's URL patterns (the access sweep's
`cooperation_patterns` and `url_for`) and the API router's registry, so a page or an
endpoint added later is measured without editing this file. A pattern the sweep does not
measure must be in EXEMPT with the reason; a pattern in neither fails the sweep.

"One and a dozen" means: the objects each URL names (its subject) start with one of every
related thing (evidence, notes, replies, versions, status changes, links both ways, list
rows, trash) and then grow to twelve; a page whose query count moves with them has an
N+1 (twelve shows one as surely as fifty did, in a quarter of the time).
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import URLPattern, reverse
from rest_framework.test import APIClient

from accounts.middleware import LAST_SEEN_KEY
from accounts.services import api_token_create, api_token_touch
from cooperation.api.urls import router
from cooperation.choices import AnnotationVisibility, RecommendationStatus, Visibility
from cooperation.services import (
    annotation_create,
    evidence_attach,
    excerpt_create,
    recommendation_transition,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from cooperation.services.jobs import import_job_create
from cooperation.services.tags import tag_create
from tests.cooperation.views.helpers import count_queries
from tests.cooperation.views.test_access import cooperation_patterns, url_for
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
    update_with_basis,
)

pytestmark = pytest.mark.django_db

MANY = 12
# Published, and notes for partners, so a partner's API client reads the same world.
PUBLISHED = Visibility.PUBLISHED
PARTNERS = AnnotationVisibility.PARTNERS

# Every word the search page looks for appears in every kind it searches.
PHRASE = "India and Japan agree on a brief. "
SEARCH = {"q": "brief"}
# A page size the lists offer that holds the whole large world, so every row is rendered.
WEB_PARAMS = {"per_page": "25"}

# Workspace patterns the sweep does not GET, and why.
_ACTION = "POST-only action on one object: it redirects, renders no list"
EXEMPT = {
    "recommendation_transition": _ACTION,
    "recommendation_propose": _ACTION,
    "recommendation_response": _ACTION,
    "proposal_decide": _ACTION,
    "annotation_detail": "redirects to the page of what the note is about (measured there)",
    "annotation_delete": _ACTION,
    "annotation_resolve": _ACTION,
    "source_selection": "POST-only: checks one selection against the stored text (JSON)",
    "source_make_evidence": _ACTION,
    "source_annotate": _ACTION,
    "trash_restore": _ACTION,
    "job_retry": _ACTION,
    "notifications_read": _ACTION,
    "notifications_read_all": _ACTION,
    "notifications_settings": _ACTION,
    "savedview_open": "redirects to the list with the saved filters (measured there)",
    **{
        f"savedview_{action}": _ACTION
        for action in ("create", "rename", "update", "share", "delete")
    },
    "lookup_actors_create": "POST-only: creates one actor for a form's picker (JSON)",
    "lookup_topics_create": "POST-only: creates one topic for a form's picker (JSON)",
    "lookup_tags_create": "POST-only: creates one tag for a form's picker (JSON)",
    **{
        f"{kind}_{action}": _ACTION
        for kind in ("agreement", "deal", "challenge", "recommendation")
        for action in (
            "restore",
            "delete",
            "visibility",
            "evidence_detach",
            "watch",
            "identifier_add",
            "identifier_remove",
            "claim_add",
            "claim_rank",
        )
    },
    **{
        f"{kind}_bulk": "POST-only bulk action: one service call (its own transaction and "
        "history row) per selected row, so its cost grows with the rows by design"
        for kind in ("agreement", "deal", "challenge", "recommendation")
    },
}
# API routes (router names) that are not GET endpoints.
API_EXEMPT = {
    "recommendation-transition": "POST-only: moves one recommendation's status",
    **{
        f"{basename}-{verb}-identifier": "POST-only: adds or removes an external identifier"
        for basename in ("actor", "agreement", "deal", "challenge", "recommendation")
        for verb in ("add", "remove")
    },
    **{
        f"{basename}-claim-rank": "POST-only: ranks one claim"
        for basename in ("agreement", "deal", "challenge", "recommendation")
    },
}


def web_patterns() -> list[URLPattern]:
    return [p for p in cooperation_patterns() if p.name not in EXEMPT]


def api_routes() -> list[URLPattern]:
    return [p for p in router.urls if p.name not in API_EXEMPT]


# -- the data --------------------------------------------------------------------------------


def _span(i: int) -> dict:
    return {"start": i * len(PHRASE), "end": (i + 1) * len(PHRASE) - 1}


class Growth:
    """The subjects every URL names, and `grow(k)` which adds k of everything around them."""

    def __init__(self, curator, analyst):
        self.curator, self.analyst = curator, analyst
        self.source = SourceFactory(
            title="Subject brief", text=PHRASE * (MANY + 5), visibility=PUBLISHED
        )
        self.actors, self.topics, self.tags = [], [], []
        self.agreements, self.deals, self.challenges = [], [], []
        self.excerpts = []
        self.subjects = {
            "agreement": AgreementFactory(title="Subject agreement", visibility=PUBLISHED),
            "deal": DealFactory(title="Subject deal", visibility=PUBLISHED),
            "challenge": ChallengeFactory(title="Subject challenge", visibility=PUBLISHED),
            "recommendation": RecommendationFactory(
                title="Subject recommendation",
                target_date=datetime.date(2020, 1, 1),
                visibility=PUBLISHED,
            ),
        }
        self.note = None
        self.links = {}
        self.trashed = None
        self.job = None
        self.proposal = None
        self.size = 0

    def grow(self, k: int) -> None:
        for _ in range(k):
            self._one_more()
        self._relink()

    def _one_more(self) -> None:
        i, user, s = self.size, self.analyst, self.subjects
        self.size += 1
        actor, topic = ActorFactory(), TopicFactory()
        tag = tag_create(user=user, name=f"Tag {i}")
        agreement = AgreementFactory(
            actors=[actor], topics=[topic], parties=[actor], tags=[tag], visibility=PUBLISHED
        )
        deal = DealFactory(
            supplier=actor,
            recipient=actor,
            governed_by=[agreement, s["agreement"]],
            actors=[actor],
            topics=[topic],
            visibility=PUBLISHED,
        )
        challenge = ChallengeFactory(
            affects_deals=[deal, s["deal"]],
            affects_agreements=[agreement, s["agreement"]],
            visibility=PUBLISHED,
        )
        recommendation = RecommendationFactory(
            owner=user,
            addressed_to=[actor],
            addresses=[challenge, s["challenge"]],
            actors=[actor],
            topics=[topic],
            target_date=datetime.date(2020, 1, 1),
            visibility=PUBLISHED,
        )
        self.actors.append(actor)
        self.topics.append(topic)
        self.tags.append(tag)
        self.agreements.append(agreement)
        self.deals.append(deal)
        self.challenges.append(challenge)
        SourceFactory(title=f"Another brief {i}")

        excerpt = excerpt_create(source=self.source, user=None, **_span(i))
        self.excerpts.append(excerpt)
        annotation_create(
            author=user, body=f"A note on the brief {i}", excerpt=excerpt, visibility=PARTNERS
        )
        for kind, record in s.items():
            self.links.setdefault(kind, evidence_attach(record=record, excerpt=excerpt, user=None))
            if i:
                evidence_attach(record=record, excerpt=excerpt, user=None)
            annotation_create(
                author=user, body=f"A brief remark {i}", record=record, visibility=PARTNERS
            )
        annotation_create(author=user, body=f"A brief remark {i}", record=recommendation)
        if self.note is None:
            # The curator's own, so its edit page opens for the curator the sweep logs in as.
            self.note = annotation_create(
                author=self.curator, body="The brief thread", record=s["deal"], visibility=PARTNERS
            )
        annotation_create(
            author=user, body=f"A brief reply {i}", parent=self.note, visibility=PARTNERS
        )

        subject = s["recommendation"]
        subject.refresh_from_db()
        to = (
            RecommendationStatus.PROPOSED
            if subject.status == RecommendationStatus.UNDER_REVIEW
            else RecommendationStatus.UNDER_REVIEW
        )
        recommendation_transition(
            recommendation=subject, to_status=to, user=self.curator, note="Moved"
        )
        proposal = status_proposal_create(
            recommendation=recommendation, to_status="under_review", user=user, note="Ready"
        )
        self.proposal = self.proposal or proposal
        trashed = tracked_delete(instance=AgreementFactory(), user=self.curator)
        self.trashed = self.trashed or trashed
        job = import_job_create(
            user=self.curator, data=b"A brief.\n", filename="a.txt", metadata={}
        )
        self.job = self.job or job

    def _relink(self) -> None:
        """Links out of the subjects grow too (and each relink is one more version)."""
        links = {
            "agreement": {
                "actors": self.actors,
                "topics": self.topics,
                "tags": self.tags,
                "parties": self.actors,
            },
            "deal": {"governed_by": self.agreements, "actors": self.actors},
            "challenge": {"affects_deals": self.deals, "affects_agreements": self.agreements},
            "recommendation": {
                "addresses": self.challenges,
                "addressed_to": self.actors,
                "actors": self.actors,
                "owner": self.analyst,
            },
        }
        for kind, data in links.items():
            record = self.subjects[kind]
            record.refresh_from_db()
            update_with_basis(instance=record, user=self.curator, data=data, expected_version=None)
            tracked_update(
                instance=record,
                user=self.curator,
                data={"summary": f"A brief summary at size {self.size}"},
                expected_version=None,
            )

    def world(self) -> dict:
        """The shape tests/cooperation/views/test_access.url_for fills URLs from."""
        return {
            "records": self.subjects,
            "links": self.links,
            "source": self.source,
            "excerpt": self.excerpts[0],
            "annotation": self.note,
            "proposal": self.proposal,
            "trashed": self.trashed,
            "job": self.job,
        }


def _api_url(route: URLPattern, growth: Growth) -> str:
    basename = route.name.rsplit("-", 1)[0]
    kwargs = {}
    if "pk" in route.pattern.regex.groupindex:
        subjects = {
            "source": growth.source,
            "excerpt": growth.excerpts[0],
            "actor": growth.actors[0],
            "topic": growth.topics[0],
            "tag": growth.tags[0],
            "annotation": growth.note,
            **growth.subjects,
        }
        kwargs["pk"] = subjects[basename].pk
    return reverse(f"api:{route.name}", kwargs=kwargs)


def _page_params(name: str, growth: Growth) -> dict:
    """What a page needs beyond its URL: the search its words, a new note its target."""
    if name == "search":
        return SEARCH
    if name == "annotation_create":
        return {"target": f"deal:{growth.subjects['deal'].pk}"}
    if name == "source_cite":
        return {"excerpt": str(growth.excerpts[0].pk)}
    return {}


def _just_seen(client) -> None:
    """Stamp the session and the token as used now, before each measurement.

    Both are written at most once a while (the session every few minutes, a token's
    last use once a minute). count_queries' warm-up GET absorbs that write, unless the
    interval ends between the warm-up and the measured GET: on a slow machine the sweep
    runs long enough for that to happen.
    """
    token = getattr(client, "budget_token", None)
    if token is not None:
        api_token_touch(token, every_seconds=0)
    elif SESSION_KEY in client.session:
        session = client.session
        session[LAST_SEEN_KEY] = int(time.time())
        session.save()


def _count(client, url: str, params: dict, *, stream: bool) -> int:
    _just_seen(client)
    return count_queries(client, url, params, stream=stream)


def _measure_web(client, growth: Growth) -> dict[str, int]:
    world = growth.world()
    counts = {"home": _count(client, reverse("home"), {}, stream=False)}
    for pattern in web_patterns():
        params = {**WEB_PARAMS, **_page_params(pattern.name, growth)}
        stream = pattern.name.endswith("_export")
        counts[pattern.name] = _count(client, url_for(pattern, world), params, stream=stream)
    return counts


def _measure_api(client, growth: Growth) -> dict[str, int]:
    counts = {}
    for route in api_routes():
        stream = route.name.endswith("-export")
        # An export streams every row: page_size is a list's parameter only (400 elsewhere).
        params = {"page_size": str(MANY)} if route.name.endswith("-list") else {}
        counts[route.name] = _count(client, _api_url(route, growth), params, stream=stream)
    return counts


# -- the sweep ---------------------------------------------------------------------------------


def test_query_budget_sweep_covers_every_pattern_or_says_why_not():
    web = {p.name for p in cooperation_patterns()}
    api = {p.name for p in router.urls}

    assert set(EXEMPT) <= web, f"stale exemptions: {set(EXEMPT) - web}"
    assert set(API_EXEMPT) <= api, f"stale exemptions: {set(API_EXEMPT) - api}"
    assert {"agreement_list", "source_detail", "search", "trash"} <= {
        p.name for p in web_patterns()
    }
    assert {"agreement-list", "agreement-detail", "agreement-export"} <= {
        p.name for p in api_routes()
    }
    assert all(reason for reason in (*EXEMPT.values(), *API_EXEMPT.values()))


def _partner_client(partner) -> APIClient:
    """The partners' way in: a Bearer token, reading published records only."""
    client = APIClient()
    token, plaintext = api_token_create(
        user=partner, name="budgets", can_write=False, expires_days=None
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    client.budget_token = token
    return client


def _measure(client, partner_client, growth: Growth) -> dict[str, int]:
    partner = {f"partner {k}": n for k, n in _measure_api(partner_client, growth).items()}
    return {**_measure_web(client, growth), **_measure_api(client, growth), **partner}


def test_every_page_and_endpoint_costs_the_same_queries_with_one_and_twelve_objects(
    client, curator, analyst, partner
):
    # A curator sees every page (the trash too) and every control a page can show.
    client.force_login(curator)
    partner_client = _partner_client(partner)
    growth = Growth(curator, analyst)
    growth.grow(1)
    small = _measure(client, partner_client, growth)

    growth.grow(MANY - 1)
    large = _measure(client, partner_client, growth)

    # The large world really fills a page: every row rendered (the subject and the twelve
    # grown), not one.
    rows = client.get(reverse("cooperation:agreement_list"), WEB_PARAMS).context["rows"]
    assert len(rows) == MANY + 1
    partner_rows = partner_client.get("/api/v1/agreements/", {"page_size": MANY}).json()
    assert len(partner_rows["results"]) == MANY
    changed = {name: (small[name], large[name]) for name in small if small[name] != large[name]}
    assert not changed, f"query counts (1 object, {MANY} objects) differ: {changed}"
