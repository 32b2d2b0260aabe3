"""GET /api/v1/changes/: a mirror that follows the feed ends with exactly what a full read
returns, for every role, and learns nothing the lists would not show it."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import (
    organisation_update,
    user_set_password,
    user_set_roles,
    user_update,
)
from cooperation.api.changes import make_token
from cooperation.choices import AnnotationVisibility, Visibility, allowed_transitions
from cooperation.models import Agreement, ChangeEntry
from cooperation.provenance import Basis
from cooperation.services import (
    annotation_create,
    annotation_delete,
    annotation_update,
    claim_add,
    claim_set_rank,
    evidence_attach,
    recommendation_response_record,
    recommendation_transition,
    record_merge,
    record_publish,
    record_unpublish,
    tracked_delete,
    tracked_update,
)
from cooperation.services.identifiers import identifier_add
from tests.api.changefeed import Mirror, full_read
from tests.api.conftest import client_for
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    CuratorFactory,
    ExcerptFactory,
    PartnerFactory,
    SourceFactory,
    partner_note_create,
)


def getter(client):
    def get(path):
        response = client.get(path)
        return response.status_code, response.json()

    return get


def assert_mirrors(mirror: Mirror) -> None:
    mirror.follow()
    expected = full_read(mirror.get)
    assert sorted(mirror.rows) == sorted(expected)
    for key, row in expected.items():
        assert mirror.rows[key] == row, key
    assert mirror.seqs == sorted(mirror.seqs), "items out of order"


def _changes(world, curator, analyst, midway=lambda: None):
    """Creates, edits, publishes, unpublishes, trashes and merges what the world holds."""
    published = world.records["agreements"]["published"]
    new = AgreementFactory(title="Fresh agreement", actors=[world.actor])
    record_publish(record=new, user=curator)
    tracked_update(
        instance=new, user=curator, data={"title": "Fresh, renamed"}, expected_version=None
    )
    # Unpublishing takes its partner notes and the internal excerpt it cites out of view.
    record_unpublish(record=published, user=curator)
    # A partner-visible note narrows to the team.
    annotation_update(
        annotation=world.notes["partners_on_excerpt"],
        user=analyst,
        visibility=AnnotationVisibility.TEAM,
        expected_version=None,
    )
    # A draft that lives and dies unseen by partners.
    draft = AgreementFactory(title="Secret draft")
    tracked_delete(instance=draft, user=curator)
    # A merge: the duplicate goes, its links and notes move to the kept record.
    keep = ChallengeFactory(title="Cost overrun", visibility=Visibility.INTERNAL)
    duplicate = ChallengeFactory(title="Cost overruns")
    for record in (keep, duplicate):
        record_publish(record=record, user=curator)
    annotation_create(
        author=analyst,
        body="On the duplicate",
        record=duplicate,
        visibility=AnnotationVisibility.PARTNERS,
    )
    record_merge(keep=keep, duplicate=duplicate, user=curator)
    # The actor's new name shows in every record linking to it.
    tracked_update(
        instance=world.actor,
        user=curator,
        data={"name": "Republic of India"},
        expected_version=None,
    )
    # A source published makes its excerpts readable to partners.
    tracked_update(
        instance=world.internal_source,
        user=curator,
        data={"visibility": Visibility.PUBLISHED},
        expected_version=None,
    )
    evidence_attach(record=new, excerpt=ExcerptFactory(source=SourceFactory()), user=curator)
    # The analyst's claim shows their name, which changes below.
    said = Basis.judgement("The joint statement names the city.")
    claim_add(user=analyst, record=new, field="place_of_signature", value="Tokyo", basis=said)
    # A response shows who recorded it: a curator whose name is on nothing else changes it
    # below.
    recorder = CuratorFactory(full_name="Kenji Sato")
    recommendation_response_record(
        recommendation=world.records["recommendations"]["published"],
        classification="interim_reply",
        responded_on="2015",
        user=recorder,
    )
    midway()  # a mirror reading here holds the author's old name
    # A renamed author: every note they wrote shows the new name.
    user_update(user=analyst, data={"full_name": "Aiko Renamed"})
    # Claims and identifiers show with their record, which has no other change after these:
    # a claim disputing its severity, ranked; an identifier naming it.
    judged = Basis.judgement("A second assessment.")
    claim = claim_add(user=curator, record=keep, field="severity", value="low", basis=judged)
    claim_set_rank(user=curator, claim=claim, rank="deprecated")
    identifier_add(user=curator, record=keep, scheme="wikidata", value="Q42")
    identifier_add(user=curator, actor=world.actor, scheme="wikidata", value="Q668")
    # The addressee's response shows in the recommendation's `responses`.
    recommendation_response_record(
        recommendation=world.records["recommendations"]["published"],
        classification="accepted",
        responded_on="2016",
        user=curator,
    )
    midway()  # a mirror reading here holds the recorder's old name
    # A renamed recorder shows on the responses they recorded.
    user_update(user=recorder, data={"full_name": "Kenji Renamed"})
    return draft, duplicate


@pytest.mark.parametrize("role", ["partner", "analyst", "other_analyst", "curator"])
def test_a_mirror_following_the_feed_equals_a_full_read(request, world, curator, analyst, role):
    user = request.getfixturevalue(role)
    mirror = Mirror(getter(client_for(user, write=False)))
    assert_mirrors(mirror)  # from the start: everything there is
    _changes(world, curator, analyst, midway=mirror.follow)
    assert_mirrors(mirror)  # resumed: exactly the changes since


def test_a_partner_never_learns_of_what_it_could_not_read(world, curator, analyst, partner):
    mirror = Mirror(getter(client_for(partner, write=False)))
    mirror.follow()
    draft, _ = _changes(world, curator, analyst)
    seen = []
    mirror.get = (lambda get: lambda path: seen.append(get(path)) or seen[-1])(mirror.get)
    mirror.follow()
    items = [item for _, body in seen for item in body["results"]]
    mentioned = {(item["kind"], item["id"]) for item in items}
    assert ("agreement", draft.pk) not in mentioned
    assert ("agreement", world.records["agreements"]["internal"].pk) not in mentioned
    assert ("annotation", world.notes["private"].pk) not in mentioned
    assert ("annotation", world.notes["team_on_published"].pk) not in mentioned
    # What it could read and lost, it is told of.
    gone = {(i["kind"], i["id"]) for i in items if i["action"] == "delete"}
    assert ("agreement", world.records["agreements"]["published"].pk) in gone
    assert ("annotation", world.notes["partners_on_excerpt"].pk) in gone
    assert ("annotation", world.notes["partners_on_published"].pk) in gone


def test_another_analysts_private_note_never_appears_even_when_deleted(
    world, analyst, other_analyst
):
    private = world.notes["private"]
    mirror = Mirror(getter(client_for(other_analyst, write=False)))
    seen = []
    mirror.get = (lambda get: lambda path: seen.append(get(path)) or seen[-1])(mirror.get)
    from cooperation.services import annotation_delete

    annotation_delete(annotation=private, user=analyst)
    mirror.follow()
    ids = {(i["kind"], i["id"]) for _, body in seen for i in body["results"]}
    assert ("annotation", private.pk) not in ids
    # Its author is told it went.
    author = Mirror(getter(client_for(analyst, write=False)), page_size=200)
    author.follow()
    assert ("annotation", private.pk) not in author.rows


def test_a_token_resumes_where_it_left_off_and_pages_are_bounded(world, partner, curator):
    client = client_for(partner, write=False)
    first = client.get("/api/v1/changes/?page_size=2").json()
    assert len(first["results"]) <= 2 and first["more"] is True
    rest = Mirror(getter(client))
    rest.since = first["since"]
    rest.follow()
    assert min(rest.seqs) > max(item["seq"] for item in first["results"])
    caught_up = client.get(f"/api/v1/changes/?since={rest.since}").json()
    assert caught_up["results"] == [] and caught_up["more"] is False
    assert caught_up["since"] == rest.since
    agreement = AgreementFactory(title="Later")
    record_publish(record=agreement, user=curator)
    later = client.get(caught_up["next"].split("testserver", 1)[1]).json()
    assert [(i["kind"], i["id"], i["action"]) for i in later["results"]] == [
        ("agreement", agreement.pk, "upsert")
    ]


_OURS = "cooperation.api.changes.since"
FORGED = {
    "unsigned": lambda: base64.urlsafe_b64encode(json.dumps({"seq": 0}).encode()).decode(),
    "garbage": lambda: "not-a-token",
    "other salt": lambda: signing.dumps({"seq": 0}, salt="another.purpose"),
    "wrong type": lambda: signing.dumps({"seq": "x"}, salt=_OURS),
    "not an object": lambda: signing.dumps([1, 2], salt=_OURS),
    "negative": lambda: signing.dumps({"seq": -1}, salt=_OURS),
    "tampered": lambda: make_token(0) + "x",
}


@pytest.mark.parametrize("forgery", sorted(FORGED))
def test_a_token_the_server_did_not_issue_is_a_400(partner, forgery):
    response = client_for(partner).get("/api/v1/changes/", {"since": FORGED[forgery]()})
    assert response.status_code == 400, response.content
    assert "since" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["page_size=0", "page_size=501", "page_size=x", "page_size=1.5", "sinse=abc"]
)
def test_bad_parameters_are_a_400_naming_them(partner, query):
    response = client_for(partner).get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.content.decode()


def test_anonymous_callers_get_401(db):
    assert client_for(None).get("/api/v1/changes/").status_code == 401


def test_every_service_write_appends_in_its_own_transaction(curator):
    before = ChangeEntry.objects.count()
    agreement = AgreementFactory()
    # One entry for the write, though it saved the agreement and the claims of its facts.
    assert ChangeEntry.objects.filter(kind="agreement", object_id=agreement.pk).count() == 1
    before += 1
    with pytest.raises(Exception):  # noqa: B017 - any failure rolls the entry back too
        tracked_update(
            instance=agreement, user=curator, data={"signed_on": "no date"}, expected_version=None
        )
    assert ChangeEntry.objects.count() == before
    assert Agreement.objects.get(pk=agreement.pk).version == agreement.version


def test_an_organisations_partners_mirror_its_notes_and_no_one_else_learns_of_them(world, curator):
    """Partner organisations are tenants (docs/partner-guide.md): a colleague's note reaches
    the organisation's mirrors, and so does its deletion; another organisation sees neither."""
    writer = PartnerFactory()
    colleague = PartnerFactory(organisation=writer.organisation)
    outsider = PartnerFactory()
    mirrors = {who: Mirror(getter(client_for(who, write=False))) for who in (colleague, outsider)}
    for mirror in mirrors.values():
        mirror.follow()
    note = partner_note_create(
        author=writer,
        body="Our organisation's view",
        record=world.records["agreements"]["published"],
    )
    assert_mirrors(mirrors[colleague])
    assert ("annotation", note.pk) in mirrors[colleague].rows
    annotation_delete(annotation=note, user=curator)
    seen = []

    def recording(get, who):
        return lambda path: seen.append((who, get(path))) or seen[-1][1]

    for who, mirror in mirrors.items():
        mirror.get = recording(mirror.get, who)
        assert_mirrors(mirror)
    told = {
        (who.pk, item["action"])
        for who, (_, body) in seen
        if "since" in body  # the feed's pages, not the full read's
        for item in body["results"]
        if (item["kind"], item["id"]) == ("annotation", note.pk)
    }
    assert told == {(colleague.pk, "delete")}


def test_a_renamed_organisation_reaches_the_mirrors_of_what_its_nameless_members_wrote(
    world, curator
):
    """A member without a name of their own is shown by their organisation's name
    (serializers.display_name): renaming the organisation changes what they wrote."""
    writer = PartnerFactory(full_name="")
    named = PartnerFactory(organisation=writer.organisation)
    mirrors = [Mirror(getter(client_for(who, write=False))) for who in (named, curator)]
    record = world.records["agreements"]["published"]
    partner_note_create(author=writer, body="Our organisation's view", record=record)
    for mirror in mirrors:
        assert_mirrors(mirror)
    organisation_update(organisation=writer.organisation, data={"name": "Renamed Institute"})
    for mirror in mirrors:
        assert_mirrors(mirror)


@pytest.mark.parametrize("via", ["status_change", "response"])
def test_a_timeline_citing_an_excerpt_follows_its_sources_visibility(world, curator, partner, via):
    """A status move's or a response's `evidence_excerpt` shows to partners only while the
    excerpt's source is published: publishing or withdrawing the source changes the
    recommendation, which cites the excerpt without an evidence link."""
    recommendation = world.records["recommendations"]["published"]
    excerpt = world.hidden_excerpt  # the internal source's, backing nothing published
    if via == "status_change":
        recommendation_transition(
            recommendation=recommendation,
            to_status=allowed_transitions(recommendation.status)[0],
            user=curator,
            note="Moved on the internal brief's word",
            evidence_excerpt=excerpt,
        )
    else:
        recommendation_response_record(
            recommendation=recommendation,
            classification="interim_reply",
            responded_on="2016",
            user=curator,
            evidence_excerpt=excerpt,
        )
    mirror = Mirror(getter(client_for(partner, write=False)))
    assert_mirrors(mirror)
    tracked_update(
        instance=world.internal_source,
        user=curator,
        data={"visibility": Visibility.PUBLISHED},
        expected_version=None,
    )
    assert_mirrors(mirror)
    timeline = mirror.rows[("recommendation", recommendation.pk)]
    cited = [*timeline["status_history"], *timeline["responses"]]
    assert excerpt.pk in {item["evidence_excerpt"] for item in cited}
    tracked_update(
        instance=world.internal_source,
        user=curator,
        data={"visibility": Visibility.INTERNAL},
        expected_version=None,
    )
    assert_mirrors(mirror)  # and withdrawn again


def test_only_a_change_of_what_shows_a_name_logs_what_shows_it(world, curator, analyst):
    """A password reset, a role given or an organisation's contact address changes nothing
    a mirror holds: no entry for each note, recommendation and claimed record of theirs."""
    writer = PartnerFactory(full_name="")
    partner_note_create(
        author=writer, body="Our view", record=world.records["agreements"]["published"]
    )
    before = ChangeEntry.objects.count()
    assert analyst.annotations.exists()  # the world's notes: a rename would log them
    user_set_password(user=analyst, password="A new passphrase, long enough 42")
    user_set_roles(user=analyst, roles=["analyst", "curator"])
    user_update(user=writer, data={"email": "renamed.address@example.org"})
    organisation_update(
        organisation=writer.organisation, data={"contact_email": "desk@example.org"}
    )
    assert ChangeEntry.objects.count() == before
    # The controls: a rename logs at least each note its author wrote.
    user_update(user=analyst, data={"full_name": "Aiko Renamed"})
    logged = ChangeEntry.objects.count()
    assert logged - before >= analyst.annotations.count()
    organisation_update(organisation=writer.organisation, data={"name": "Renamed Institute"})
    assert ChangeEntry.objects.count() - logged >= writer.annotations.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the feed's lock is PostgreSQL's advisory lock"
)
@pytest.mark.parametrize("table", ["accounts_user", "accounts_organisation"])
def test_a_rename_takes_the_feeds_lock_before_its_rows_lock(partner, table):
    """A rename logs in the feed, under its lock; taking that lock after the row's would
    let a writer holding the lock (a partner's note, which locks the organisation row for
    its key) and the rename each wait for the other (cooperation/changes.py)."""
    with CaptureQueriesContext(connection) as queries:
        if table == "accounts_user":
            user_update(user=partner, data={"full_name": "Renamed Partner"})
        else:
            organisation_update(organisation=partner.organisation, data={"name": "Renamed"})
    sql = [query["sql"] for query in queries]
    lock = next(i for i, text in enumerate(sql) if "pg_advisory_xact_lock" in text)
    write = next(i for i, text in enumerate(sql) if text.startswith(f'UPDATE "{table}"'))
    assert lock < write


def test_a_change_logging_more_ids_than_a_statement_binds_reads_them_in_chunks(
    curator, monkeypatch
):
    """An actor most records name, renamed, logs each of them: their audiences are read
    ID_CHUNK ids a statement (SQLite binds at most 32,766 values, PostgreSQL's server-side
    binding 65,535), and every one is still logged with its own."""
    from cooperation import changes

    india = ActorFactory(slug="india", name="India")
    agreements = [AgreementFactory(actors=[india]) for _ in range(5)]
    for agreement in agreements[:3]:
        record_publish(record=agreement, user=curator)
    monkeypatch.setattr(changes, "ID_CHUNK", 2)
    last = ChangeEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with CaptureQueriesContext(connection) as queries:
        tracked_update(
            instance=india, user=curator, data={"name": "Republic of India"}, expected_version=None
        )
    logged = {
        entry.object_id: (entry.staff, entry.partners)
        for entry in ChangeEntry.objects.filter(kind="agreement", seq__gt=last)
    }
    published = {a.pk for a in agreements[:3]}
    assert logged == {a.pk: (True, a.pk in published) for a in agreements}
    chunks = [re.search(r'"cooperation_agreement"\."id" IN \(([^)]*)\)', q["sql"]) for q in queries]
    sizes = [len(found.group(1).split(",")) for found in chunks if found]
    assert sorted(sizes) == [1, 1, 2, 2, 2, 2]  # two audiences, chunks of at most two ids
