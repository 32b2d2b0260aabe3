"""The JSON lookups behind the record forms' pickers and the note forms' @mention completion.

Login required, internal users only, only what the reader may read (selectors.pickable), a
clear 400 for bad input and never a 500; inline creation through the tracked service.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import ANALYST, ROLE_PERMISSIONS
from accounts.services import user_update
from cooperation.choices import Visibility
from cooperation.models import Actor, Topic
from cooperation.selectors import pickable
from cooperation.services import tracked_delete
from cooperation.services.notifications import notification_settings_update
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    AnalystFactory,
    ChallengeFactory,
    CuratorFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

ACTORS = reverse("cooperation:lookup_actors")
PEOPLE = reverse("cooperation:lookup_people")
NEW_ACTOR = reverse("cooperation:lookup_actors_create")
NEW_TOPIC = reverse("cooperation:lookup_topics_create")
LOOKUP_NAMES = ["actors", "topics", "agreements", "deals", "challenges", "recommendations"]


def _labels(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["label"] for row in response.json()["results"]]


# -- who may ask ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*LOOKUP_NAMES, "people"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(f"cooperation:lookup_{name}"), {"q": "a"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_anonymous_cannot_create(client):
    response = client.post(NEW_ACTOR, {"name": "Ruritania"})
    assert response.status_code == 302
    assert not Actor.objects.filter(name="Ruritania").exists()


@pytest.mark.parametrize("name", [*LOOKUP_NAMES, "people"])
def test_partners_are_refused(client, partner, name):
    AgreementFactory(title="Published pact", visibility=Visibility.PUBLISHED)
    ActorFactory(name="India")
    client.force_login(partner)
    response = client.get(reverse(f"cooperation:lookup_{name}"), {"q": "a"})
    assert response.status_code == 403
    assert b"Published pact" not in response.content
    assert b"India" not in response.content


def test_partners_cannot_create(client, partner):
    client.force_login(partner)
    response = client.post(NEW_TOPIC, {"name": "Space"})
    assert response.status_code == 403
    assert not Topic.objects.filter(name="Space").exists()


# -- what is found -------------------------------------------------------------------------


def test_actors_match_anywhere_in_the_name_case_insensitively(client, analyst):
    for name in ("India", "Japan", "Indonesia", "ASEAN"):
        ActorFactory(name=name)
    client.force_login(analyst)

    assert _labels(client.get(ACTORS, {"q": "ind"})) == ["India", "Indonesia"]
    assert _labels(client.get(ACTORS, {"q": "  APA "})) == ["Japan"]
    # Empty: the first rows, by name.
    assert _labels(client.get(ACTORS, {"q": ""})) == ["ASEAN", "India", "Indonesia", "Japan"]


def test_results_are_capped_and_say_there_are_more(client, analyst):
    for n in range(12):
        TopicFactory(name=f"Quantum {n:02}")
    client.force_login(analyst)
    body = client.get(reverse("cooperation:lookup_topics"), {"q": "quantum"}).json()
    assert len(body["results"]) == 10
    assert body["more"] is True
    assert set(body["results"][0]) == {"id", "label", "detail"}


def test_records_found_are_only_those_the_reader_may_read(client, analyst, partner):
    draft = AgreementFactory(title="Draft accord", visibility=Visibility.DRAFT)
    published = AgreementFactory(title="Published accord", visibility=Visibility.PUBLISHED)
    trashed = tracked_delete(
        instance=AgreementFactory(title="Trashed accord"), user=CuratorFactory()
    )
    # The rule is the selector's: a partner may not read the draft (nor the trash) ...
    assert list(pickable(partner, type(draft)).filter(title__endswith="accord")) == [published]
    # ... and never reaches the lookup at all.
    client.force_login(partner)
    assert client.get(reverse("cooperation:lookup_agreements"), {"q": "accord"}).status_code == 403

    client.force_login(analyst)
    labels = _labels(client.get(reverse("cooperation:lookup_agreements"), {"q": "accord"}))
    readable = {a.title for a in pickable(analyst, type(draft)).filter(title__endswith="accord")}
    assert set(labels) == readable == {"Draft accord", "Published accord"}
    assert trashed.title not in labels


def test_each_kind_looks_up_its_own_records(client, analyst):
    AgreementFactory(title="Shared word pact")
    ChallengeFactory(title="Shared word challenge")
    client.force_login(analyst)
    agreements = _labels(client.get(reverse("cooperation:lookup_agreements"), {"q": "shared"}))
    challenges = _labels(client.get(reverse("cooperation:lookup_challenges"), {"q": "shared"}))
    assert agreements == ["Shared word pact"]
    assert challenges == ["Shared word challenge"]


# -- bad input: a clear 400 or nothing found, never a 500 -----------------------------------


@pytest.mark.parametrize("name", [*LOOKUP_NAMES, "people"])
@pytest.mark.parametrize(
    ("q", "status"),
    [
        ("x" * 101, 400),
        ("a\x00b", 400),
        ("\x1b[31m", 400),
        ("%' OR 1=1 --", 200),
        ("'; DROP TABLE cooperation_actor; --", 200),
        ("🙂" * 30, 200),
        ("_%\\", 200),
        ("@", 200),
    ],
)
def test_garbage_queries_get_a_clear_answer(client, analyst, name, q, status):
    ActorFactory(name="India")
    client.force_login(analyst)
    response = client.get(reverse(f"cooperation:lookup_{name}"), {"q": q})
    assert response.status_code == status
    body = response.json()
    if status == 400:
        assert body["detail"]
    else:
        assert body["results"] == []


def test_a_repeated_q_uses_the_last_and_other_parameters_are_ignored(client, analyst):
    ActorFactory(name="India")
    client.force_login(analyst)
    response = client.get(f"{ACTORS}?q=zzz&q=ind&page=-1&limit=99999")
    assert _labels(response) == ["India"]


def test_lookups_only_answer_get(client, analyst):
    client.force_login(analyst)
    assert client.post(ACTORS, {"q": "a"}).status_code == 405
    assert client.get(NEW_ACTOR).status_code == 405


# -- creating an actor or a topic inline -----------------------------------------------------


def test_an_analyst_creates_an_actor_through_the_service(client, analyst):
    client.force_login(analyst)
    response = client.post(NEW_ACTOR, {"name": "  Republic  of   Korea "})
    assert response.status_code == 201
    body = response.json()
    actor = Actor.objects.get(pk=body["id"])
    assert body["label"] == actor.name == "Republic of Korea"
    assert actor.slug == "republic-of-korea"
    assert actor.created_by == analyst
    assert actor.version == 1
    assert actor.history.count() == 1  # the service's one history row


def test_a_topic_whose_slug_is_taken_even_in_the_trash_gets_another(client, analyst):
    old = TopicFactory(name="Space policy", slug="space")
    tracked_delete(instance=old, user=None)
    client.force_login(analyst)
    response = client.post(NEW_TOPIC, {"name": "Space"})
    assert response.status_code == 201
    assert Topic.objects.get(pk=response.json()["id"]).slug == "space-2"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the new actor a name."),
        ("   ", "Give the new actor a name."),
        ("x" * 201, "at most 200 characters"),
        ("india", "There is already an actor named “India”: pick it from the list."),
    ],
)
def test_bad_names_are_refused_with_a_clear_message(client, analyst, name, message):
    ActorFactory(name="India")
    client.force_login(analyst)
    before = Actor.objects.count()
    response = client.post(NEW_ACTOR, {"name": name})
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Actor.objects.count() == before


def test_a_name_of_symbols_only_still_gets_an_address(client, analyst):
    client.force_login(analyst)
    response = client.post(NEW_ACTOR, {"name": "日本"})
    assert response.status_code == 201
    assert Actor.objects.get(pk=response.json()["id"]).name == "日本"


def test_creating_is_asked_of_the_permission_table(client, monkeypatch):
    analyst = AnalystFactory()
    without = ROLE_PERMISSIONS[ANALYST] - {"cooperation.add_actor"}
    monkeypatch.setitem(ROLE_PERMISSIONS, ANALYST, without)
    client.force_login(analyst)
    response = client.post(NEW_ACTOR, {"name": "Ruritania"})
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not create actors."
    assert not Actor.objects.filter(name="Ruritania").exists()
    # ... and the form then offers no creating either.
    page = client.get(reverse("cooperation:agreement_create"))
    assert NEW_ACTOR.encode() not in page.content
    assert NEW_TOPIC.encode() in page.content


# -- the forms name their lookups --------------------------------------------------------------


def test_the_record_form_names_each_pickers_lookup(client, analyst):
    ActorFactory(name="India")
    client.force_login(analyst)
    html = client.get(reverse("cooperation:recommendation_create")).content.decode()
    assert f'data-picker-lookup="{ACTORS}"' in html
    assert 'data-picker-name="addresses"' in html
    assert f'data-picker-create="{NEW_ACTOR}"' in html
    # Without script the checkboxes are still there.
    assert 'type="checkbox" name="addressed_to"' in html


# -- @mention completion -----------------------------------------------------------------------


def test_people_are_offered_by_the_name_a_mention_resolves_to(client, analyst):
    otto = AnalystFactory(email="otto@example.org", full_name="Otto Example")
    AnalystFactory(email="ottilie@example.org", full_name="Ottilie Other")
    handled = CuratorFactory(email="c.q@example.org", full_name="Cat Quill")
    notification_settings_update(user=handled, email="none", handle="ottokar")
    client.force_login(analyst)

    body = client.get(PEOPLE, {"q": "ott"}).json()
    names = [row["name"] for row in body["results"]]
    assert sorted(names) == ["ottilie", "otto", "ottokar"]
    assert {"name": "otto", "label": otto.full_name} in body["results"]
    # "@ott" as typed works as well; so does part of a full name.
    assert sorted(r["name"] for r in client.get(PEOPLE, {"q": "@ott"}).json()["results"]) == sorted(
        names
    )
    assert [r["name"] for r in client.get(PEOPLE, {"q": "quill"}).json()["results"]] == ["ottokar"]


def test_people_no_mention_reaches_are_not_offered(client, analyst, partner):
    AnalystFactory(email="ann@a.example.org")
    AnalystFactory(email="ann@b.example.org")  # a shared local part names nobody
    gone = AnalystFactory(email="gone@example.org")
    user_update(user=gone, data={"is_active": False})
    client.force_login(analyst)
    assert client.get(PEOPLE, {"q": "ann"}).json()["results"] == []
    assert client.get(PEOPLE, {"q": "gone"}).json()["results"] == []
    partner_local = partner.email.split("@")[0]
    assert client.get(PEOPLE, {"q": partner_local}).json()["results"] == []


def test_note_forms_ask_for_completion(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)
    html = client.get(record.get_absolute_url()).content.decode()
    assert f'data-mention-lookup="{PEOPLE}"' in html


def test_a_deals_actors_are_single_pickers_and_an_owner_stays_a_select(client, analyst):
    client.force_login(analyst)
    deal = client.get(reverse("cooperation:deal_create")).content.decode()
    assert 'data-picker-name="supplier" data-picker-noun="actor" data-picker-single' in deal
    assert '<select name="supplier"' in deal  # without script, the plain select
    recommendation = client.get(reverse("cooperation:recommendation_create")).content.decode()
    assert 'data-picker-name="owner"' not in recommendation
