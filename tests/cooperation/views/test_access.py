"""Every workspace page, for every role: generic over the URL patterns, so new pages are covered.

- anonymous visitors are sent to the login page (with `next`) from every page and action;
- partners get the 403 page everywhere in the workspace;
- analysts cannot do a curator's actions: refused (403, or a redirect with a message),
  never a change and never a 500.

URL arguments are filled from real objects by converter name and by the URL name's
model prefix, so a pattern another area adds is swept without editing this file.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import URLPattern, get_resolver, reverse

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.models import Agreement
from cooperation.services import (
    annotation_create,
    evidence_attach,
    excerpt_create,
    status_proposal_create,
    tracked_delete,
)
from cooperation.services.identifiers import identifier_add
from cooperation.services.jobs import import_job_create
from cooperation.services.saved_views import saved_view_create
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
)
from tests.utils import model_counts

pytestmark = pytest.mark.django_db

RECORD_PREFIXES = ("agreement", "deal", "challenge", "recommendation")

# Curator-only actions, recognised by name so that the ones added later are swept too:
# (suffix or exact name, the permission the curator role adds for it).
CURATOR_ACTIONS = (
    ("_visibility", "cooperation.publish_record"),
    ("_restore", "cooperation.restore_record"),
    ("_delete", "cooperation.delete_agreement"),
    ("_evidence_detach", "cooperation.delete_recordevidence"),
    ("_merge", "cooperation.merge_record"),
    ("recommendation_transition", "cooperation.transition_recommendation"),
    ("proposal_decide", "cooperation.decide_statusproposal"),
)
# Plausible form data, so a refusal is about the role and not about a missing field.
ACTION_DATA = {
    "to": RecommendationStatus.UNDER_REVIEW,
    "to_status": RecommendationStatus.UNDER_REVIEW,
    "note": "Moving on.",
    "visibility": Visibility.PUBLISHED,
    "approve": "1",
    "decision": "approve",
    "version": "1",
    "expected_version": "1",
}


def cooperation_patterns() -> list[URLPattern]:
    _, resolver = get_resolver().namespace_dict["cooperation"]
    patterns = []
    for entry in resolver.url_patterns:
        assert isinstance(entry, URLPattern), "nested includes: extend cooperation_patterns()"
        patterns.append(entry)
    return patterns


def _model_prefix(name: str) -> str:
    return name.split("_", 1)[0]


@pytest.fixture
def world(db, curator):
    """One live object of every kind the URLs name, plus history, evidence and the trash."""
    source = SourceFactory(text="India and Japan agreed to cooperate on semiconductors.")
    excerpt = excerpt_create(source=source, start=0, end=20, user=None)
    records = {
        "agreement": AgreementFactory(),
        "deal": DealFactory(),
        "challenge": ChallengeFactory(),
        "recommendation": RecommendationFactory(),
    }
    links = {
        kind: evidence_attach(record=record, excerpt=excerpt, user=None)
        for kind, record in records.items()
    }
    identifiers = {
        kind: identifier_add(user=None, record=record, scheme="wikidata", value=f"Q{n}")
        for n, (kind, record) in enumerate(records.items(), start=1)
    }
    note = annotation_create(author=curator, body="A note", record=records["agreement"])
    proposal = status_proposal_create(
        recommendation=records["recommendation"],
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Ready for review",
    )
    trashed = tracked_delete(instance=AgreementFactory(), user=curator)
    job = import_job_create(user=curator, data=b"A brief.\n", filename="a.txt", metadata={})
    # A curator's shared view: the analyst opens it and may not change it.
    saved_view = saved_view_create(
        user=curator, list_key="deal", name="Signed deals", query="status=signed", shared=True
    )
    return {
        "job": job,
        "savedview": saved_view,
        "records": records,
        "links": links,
        "identifiers": identifiers,
        "source": source,
        "excerpt": excerpt,
        "annotation": note,
        "proposal": proposal,
        "trashed": trashed,
    }


def url_for(pattern: URLPattern, world) -> str:
    name = pattern.name
    prefix = _model_prefix(name)
    kwargs = {}
    for arg in pattern.pattern.converters:
        if arg == "slug":
            kwargs[arg] = world["records"][prefix].slug
        elif arg == "history_id":
            record = world["records"][prefix]
            kwargs[arg] = type(record).history.filter(id=record.pk).latest("history_id").history_id
        elif arg == "link_id":
            kwargs[arg] = world["links"][prefix].pk
        elif arg == "identifier_id":
            kwargs[arg] = world["identifiers"][prefix].pk
        elif arg == "claim_id":
            from cooperation.models import Claim

            record = world["records"][prefix]
            kwargs[arg] = Claim.objects.filter(spine_id=record.spine_id).values_list(
                "pk", flat=True
            )[0]
        elif arg == "model":
            kwargs[arg] = "agreement"
        elif arg == "token":
            kwargs[arg] = world["savedview"].token
        elif arg == "pk":
            kwargs[arg] = {
                "source": world["source"].pk,
                "annotation": world["annotation"].pk,
                "proposal": world["proposal"].pk,
                "excerpt": world["excerpt"].pk,
                "trash": world["trashed"].pk,
                "job": world["job"].pk,
            }[prefix]
        else:
            raise AssertionError(f"test_access cannot fill <{arg}> in {name}: teach url_for()")
    return reverse(f"cooperation:{name}", kwargs=kwargs)


def all_urls(world) -> list[tuple[str, str]]:
    urls = [(pattern.name, url_for(pattern, world)) for pattern in cooperation_patterns()]
    return [("home", reverse("home")), *urls]


def _reach(client, url: str):
    """GET the URL; if it only takes POST, POST to it (an action)."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, ACTION_DATA)
    return response


def test_sweep_covers_the_workspace():
    names = {pattern.name for pattern in cooperation_patterns()}

    assert {"agreement_list", "search", "recommendation_transition", "trash"} <= names
    assert len(names) == len(cooperation_patterns())


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_page(client, world):
    login = reverse("login")
    for name, url in all_urls(world):
        response = _reach(client, url)
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(f"{login}?next="), (name, response["Location"])


def test_partners_get_the_403_page_everywhere(client, world, partner):
    client.force_login(partner)
    for name, url in all_urls(world):
        response = _reach(client, url)
        if url == "/":  # the home page sends partners to their API access page
            assert response.status_code == 302, (name, response.status_code)
            continue
        assert response.status_code == 403, (name, response.status_code)
        # Not a dead end: the page says where partners go.
        assert "/accounts/api-access/" in response.content.decode(), name


def test_analysts_reach_every_page_without_an_error(client, world, analyst):
    client.force_login(analyst)
    for name, url in all_urls(world):
        response = client.get(url)
        assert response.status_code < 500, (name, response)


def _curator_actions() -> list[tuple[str, str]]:
    found = []
    for pattern in cooperation_patterns():
        for marker, permission in CURATOR_ACTIONS:
            name = pattern.name
            if name == marker or (marker.startswith("_") and name.endswith(marker)):
                if name.startswith(("annotation_", "savedview_")):
                    continue  # owners delete their own notes and views; not a curator power
                found.append((name, permission))
                break
    return found


def test_curator_actions_are_found_by_the_sweep():
    names = {name for name, _ in _curator_actions()}

    assert {
        "agreement_visibility",
        "recommendation_restore",
        "deal_delete",
        "challenge_evidence_detach",
        "recommendation_transition",
        "proposal_decide",
        "trash_restore",
    } <= names


def test_analysts_cannot_do_a_curators_actions(client, world, analyst, curator):
    client.force_login(analyst)
    actions = dict(_curator_actions())
    patterns = {pattern.name: pattern for pattern in cooperation_patterns()}
    for name, permission in actions.items():
        assert curator.has_perm(permission) and not analyst.has_perm(permission), name
        before = model_counts()
        versions = {
            k: type(r).all_objects.get(pk=r.pk).version for k, r in world["records"].items()
        }

        response = client.post(url_for(patterns[name], world), ACTION_DATA)

        if response.status_code == 302:
            messages = [m.message for m in get_messages(response.wsgi_request)]
            assert messages, f"{name}: a refusal by redirect must say why"
        else:
            assert response.status_code == 403, (name, response.status_code)
        assert model_counts() == before, f"{name} changed data for an analyst"
        assert versions == {
            k: type(r).all_objects.get(pk=r.pk).version for k, r in world["records"].items()
        }, name
    assert Agreement.all_objects.get(pk=world["trashed"].pk).is_deleted
