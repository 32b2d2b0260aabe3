"""The curators' admin: every page renders, and every write goes through the services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.models import (
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    StatusProposal,
    Topic,
)
from cooperation.services import (
    annotation_create,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from tests.factories import (
    ActorFactory,
    AdminFactory,
    AgreementFactory,
    AnalystFactory,
    ChallengeFactory,
    CuratorFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)

from .helpers import add_inline_row, admin_form_data

pytestmark = pytest.mark.django_db

MODELS = [Agreement, Deal, Challenge, Recommendation, Source, Excerpt, Actor, Topic]


@pytest.fixture
def curator():
    return CuratorFactory()


@pytest.fixture
def analyst():
    return AnalystFactory()


@pytest.fixture
def data():
    excerpt = ExcerptFactory()
    actor, topic = ActorFactory(), TopicFactory()
    agreement = AgreementFactory(actors=[actor], topics=[topic])
    deal = DealFactory(governed_by=[agreement])
    challenge = ChallengeFactory(affects_deals=[deal])
    recommendation = RecommendationFactory(addresses=[challenge])
    return {
        Agreement: agreement,
        Deal: deal,
        Challenge: challenge,
        Recommendation: recommendation,
        Source: excerpt.source,
        Excerpt: excerpt,
        Actor: actor,
        Topic: topic,
    }


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_admin_pages_render_for_an_admin(client, data):
    client.force_login(AdminFactory(is_superuser=True))
    for model in MODELS:
        obj = data[model]
        history_id = obj.history.first().history_id
        for url in (
            _url(model, "changelist"),
            _url(model, "add"),
            _url(model, "change", obj.pk),
            _url(model, "history", obj.pk),
            reverse(
                f"admin:cooperation_{model._meta.model_name}_simple_history",
                args=[obj.pk, history_id],
            ),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
    for url in (
        _url(Agreement, "duplicates"),
        _url(Recommendation, "transition", data[Recommendation].pk),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_organisation_changelist"),
    ):
        assert client.get(url).status_code == 200, url


def test_admin_requires_login(client, data):
    response = client.get(_url(Agreement, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_admin_analyst_cannot_manage_users(client, analyst, data):
    client.force_login(analyst)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(_url(Agreement, "changelist")).status_code == 200


def test_admin_analyst_proposes_instead_of_moving_status(client, analyst, data):
    recommendation = data[Recommendation]
    client.force_login(analyst)
    url = _url(Recommendation, "transition", recommendation.pk)
    assert "Propose a status change" in client.get(url).content.decode()
    response = client.post(url, {"to_status": "under_review", "note": "Ministry asked"})
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"
    moves = RecommendationStatusChange.objects.filter(recommendation=recommendation)
    assert list(moves.values_list("from_status", "to_status")) == [("", "proposed")]
    proposal = StatusProposal.objects.get(recommendation=recommendation)
    assert (proposal.to_status, proposal.proposed_by, proposal.state) == (
        "under_review",
        analyst,
        "open",
    )


def test_admin_change_goes_through_service_with_one_history_row(client, curator, data):
    agreement = data[Agreement]
    client.force_login(curator)
    page = client.get(_url(Agreement, "change", agreement.pk))
    before = agreement.history.count()
    response = client.post(
        _url(Agreement, "change", agreement.pk),
        admin_form_data(page, title="Renamed in the admin"),
    )
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert agreement.title == "Renamed in the admin"
    assert agreement.version == 2
    assert agreement.updated_by == curator
    assert agreement.history.count() == before + 1
    latest = agreement.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "Changed"


def test_admin_stale_form_shows_conflict_and_saves_nothing(client, curator, data):
    agreement = data[Agreement]
    client.force_login(curator)
    page = client.get(_url(Agreement, "change", agreement.pk))
    tracked_update(
        instance=agreement, user=curator, data={"title": "Someone else's title"}, expected_version=1
    )
    response = client.post(
        _url(Agreement, "change", agreement.pk), admin_form_data(page, title="My title")
    )
    assert response.status_code == 200
    assert "Someone else saved this since you opened it" in response.content.decode()
    # What this person typed is still in the form, so nothing they entered is lost.
    assert response.context["adminform"].form["title"].value() == "My title"
    agreement.refresh_from_db()
    assert agreement.title == "Someone else's title"
    assert agreement.version == 2


def test_admin_add_record_with_links(client, curator, data):
    client.force_login(curator)
    page = client.get(_url(Challenge, "add"))
    response = client.post(
        _url(Challenge, "add"),
        admin_form_data(
            page,
            title="Shipyard capacity",
            slug="shipyard-capacity",
            category="infrastructure",
            severity="high",
            visibility=Visibility.INTERNAL,
            actors=[data[Actor].pk],
            affects_deals=[data[Deal].pk],
            # Severity is a fact: its basis comes with it.
            basis_kind="judgement",
            basis_reason="Shipyards are booked for years ahead",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    challenge = Challenge.objects.get(slug="shipyard-capacity")
    assert list(challenge.actors.all()) == [data[Actor]]
    assert list(challenge.affects_deals.all()) == [data[Deal]]
    assert challenge.created_by == curator
    row = challenge.history.get()
    assert row.history_type == "+"
    assert [r.actor_id for r in row.actors.all()] == [data[Actor].pk]


def test_admin_analyst_cannot_publish_through_the_form(client, analyst, data):
    agreement = data[Agreement]
    client.force_login(analyst)
    page = client.get(_url(Agreement, "change", agreement.pk))
    choices = [c[0] for c in page.context["adminform"].form.fields["visibility"].choices]
    assert Visibility.PUBLISHED not in choices
    response = client.post(
        _url(Agreement, "change", agreement.pk),
        admin_form_data(page, visibility=Visibility.PUBLISHED),
    )
    assert response.status_code == 200  # the form refuses the choice
    agreement.refresh_from_db()
    assert agreement.visibility == Visibility.INTERNAL


def test_admin_publish_and_unpublish_actions(client, curator, analyst, data):
    agreement = data[Agreement]
    changelist = _url(Agreement, "changelist")
    client.force_login(analyst)
    client.post(changelist, {"action": "publish", "_selected_action": [agreement.pk]})
    agreement.refresh_from_db()
    assert agreement.visibility == Visibility.INTERNAL

    client.force_login(curator)
    client.post(changelist, {"action": "publish", "_selected_action": [agreement.pk]})
    agreement.refresh_from_db()
    assert agreement.visibility == Visibility.PUBLISHED
    assert agreement.history.first().history_change_reason == "Visibility Internal → Published"

    client.post(changelist, {"action": "unpublish", "_selected_action": [agreement.pk]})
    agreement.refresh_from_db()
    assert agreement.visibility == Visibility.INTERNAL


def test_admin_transition_view_offers_only_allowed_moves(client, curator, data):
    recommendation = data[Recommendation]
    client.force_login(curator)
    url = _url(Recommendation, "transition", recommendation.pk)
    offered = [c[0] for c in client.get(url).context["form"].fields["to_status"].choices]
    assert offered == ["under_review", "rejected", "deferred"]

    refused = client.post(url, {"to_status": "implemented", "note": "Done already"})
    assert refused.status_code == 200
    moves = RecommendationStatusChange.objects.filter(recommendation=recommendation)
    assert moves.count() == 1  # only the initial "proposed" row

    missing_note = client.post(url, {"to_status": "under_review", "note": ""})
    assert missing_note.status_code == 200
    assert "note" in missing_note.context["form"].errors

    response = client.post(
        url,
        {"to_status": "under_review", "note": "Raised at the bilateral", "evidence_url": ""},
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.UNDER_REVIEW
    change = RecommendationStatusChange.objects.filter(recommendation=recommendation).latest()
    assert (change.from_status, change.to_status, change.changed_by) == (
        "proposed",
        "under_review",
        curator,
    )
    assert change.note == "Raised at the bilateral"


def test_admin_bulk_change_status_action_reports_refusals(client, curator, data):
    first = data[Recommendation]
    second = RecommendationFactory()
    client.force_login(curator)
    changelist = _url(Recommendation, "changelist")
    # Move the first on so that "accepted" is allowed for it but not for the second.
    client.post(
        _url(Recommendation, "transition", first.pk), {"to_status": "under_review", "note": "n"}
    )
    response = client.post(
        changelist,
        {
            "action": "change_status",
            "_selected_action": [first.pk, second.pk],
            "apply": "1",
            "to_status": "accepted",
            "note": "Agreed in committee",
        },
        follow=True,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "accepted"
    assert second.status == "proposed"
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Changed the status of 1" in text
    assert "cannot move to accepted" in text


def test_admin_restore_earlier_version_brings_back_fields_and_links(client, curator, data):
    agreement = data[Agreement]
    original_actor = data[Actor]
    other = ActorFactory()
    first_version = agreement.history.get(version=1)
    tracked_update(
        instance=agreement,
        user=curator,
        data={"title": "Changed title", "actors": [other]},
        expected_version=1,
    )
    client.force_login(curator)
    url = reverse(
        "admin:cooperation_agreement_simple_history", args=[agreement.pk, first_version.history_id]
    )
    response = client.post(url, {})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == first_version.title
    assert list(agreement.actors.all()) == [original_actor]
    assert agreement.version == 3
    assert agreement.history.first().history_change_reason.startswith("Restored the version of")


def test_admin_analyst_cannot_restore(client, analyst, data):
    agreement = data[Agreement]
    first_version = agreement.history.get(version=1)
    tracked_update(instance=agreement, user=None, data={"title": "New"}, expected_version=1)
    client.force_login(analyst)
    url = reverse(
        "admin:cooperation_agreement_simple_history", args=[agreement.pk, first_version.history_id]
    )
    assert client.post(url, {}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.title == "New"


def test_admin_delete_is_soft_and_restorable(client, curator, data):
    deal = data[Deal]
    client.force_login(curator)
    # The delete page (a hard delete's promise) is not offered; it points to the trash action.
    response = client.post(_url(Deal, "delete", deal.pk), {"post": "yes"})
    assert response.status_code == 302
    assert Deal.objects.filter(pk=deal.pk).exists()
    client.post(
        _url(Deal, "changelist"), {"action": "move_to_trash", "_selected_action": [deal.pk]}
    )
    assert not Deal.objects.filter(pk=deal.pk).exists()
    trashed = Deal.all_objects.get(pk=deal.pk)
    assert trashed.deleted_by == curator
    assert trashed.history.first().history_type == "-"

    in_trash = client.get(_url(Deal, "changelist") + "?trash=deleted")
    assert deal.title in in_trash.content.decode()
    client.post(
        _url(Deal, "changelist") + "?trash=deleted",
        {"action": "restore_from_trash", "_selected_action": [deal.pk]},
    )
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_admin_delete_action_is_not_offered(client, curator, data):
    client.force_login(curator)
    response = client.get(_url(Agreement, "changelist"))
    actions = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"publish", "unpublish", "merge_duplicates", "move_to_trash"} <= set(actions)


def test_admin_evidence_inline_attaches_through_service(client, curator, data):
    agreement = data[Agreement]
    excerpt = data[Excerpt]
    client.force_login(curator)
    page = client.get(_url(Agreement, "change", agreement.pk))
    form = admin_form_data(page)
    add_inline_row(
        form,
        "evidence_links",
        excerpt=excerpt.pk,
        note="States the agreement",
    )
    response = client.post(_url(Agreement, "change", agreement.pk), form)
    assert response.status_code == 302
    link = RecordEvidence.objects.get(spine_id=agreement.spine_id)
    assert link.excerpt == excerpt
    assert link.note == "States the agreement"
    assert link.created_by == curator
    assert link.history.get().history_change_reason == "Evidence attached"


def test_admin_annotation_inline_creates_note(client, analyst, data):
    deal = data[Deal]
    client.force_login(analyst)
    page = client.get(_url(Deal, "change", deal.pk))
    form = admin_form_data(page)
    add_inline_row(
        form,
        "annotations",
        body="Is this still *stalled*?",
        motivation="question",
        visibility="team",
    )
    assert client.post(_url(Deal, "change", deal.pk), form).status_code == 302
    note = Annotation.objects.get(spine_id=deal.spine_id)
    assert (note.author, note.body, note.motivation) == (
        analyst,
        "Is this still *stalled*?",
        "question",
    )


def test_admin_source_upload_imports_and_refuses_bad_files(client, curator):
    client.force_login(curator)
    url = _url(Source, "add")
    page = client.get(url)
    base = admin_form_data(page, title="", visibility=Visibility.INTERNAL)
    base.pop("upload", None)
    empty = client.post(url, {**base, "upload": SimpleUploadedFile("empty.txt", b"")})
    assert empty.status_code == 200
    assert Source.objects.count() == 0

    binary = client.post(url, {**base, "upload": SimpleUploadedFile("x.txt", b"\x00\x01\x02abc")})
    assert binary.status_code == 200
    assert "binary" in str(binary.context["adminform"].form.errors["upload"])

    text = "A Brief Title\n\nIndia and Japan agreed.\r\n"
    response = client.post(
        url, {**base, "upload": SimpleUploadedFile("brief.txt", text.encode("utf-8"))}
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.text == text
    assert source.title == "A Brief Title"
    assert source.created_by == curator

    again = client.post(
        url, {**base, "upload": SimpleUploadedFile("copy.txt", text.encode("utf-8"))}
    )
    assert again.status_code == 200
    assert "already imported" in str(again.context["adminform"].form.errors["upload"])
    assert Source.objects.count() == 1


def test_admin_excerpt_add_by_quote(client, curator):
    source = SourceFactory(text="One line.\n\nIndia and Japan agreed. India and Japan met.")
    client.force_login(curator)
    url = _url(Excerpt, "add")
    page = client.get(url)
    response = client.post(
        url,
        admin_form_data(
            page, source=source.pk, quote="India and Japan met.", start="", end="", note=""
        ),
    )
    assert response.status_code == 302
    excerpt = Excerpt.objects.get()
    assert excerpt.exact == "India and Japan met."
    assert source.text[excerpt.start : excerpt.end] == excerpt.exact

    missing = client.post(
        url, admin_form_data(page, source=source.pk, quote="Not in the brief", start="", end="")
    )
    assert missing.status_code == 200
    assert Excerpt.objects.count() == 1


def test_admin_merge_duplicates_action(client, curator):
    first = AgreementFactory(title="Agreement on Transfer of Defence Equipment and Technology")
    second = AgreementFactory(
        title="Agreement concerning the Transfer of Defence Equipment & Technology"
    )
    client.force_login(curator)
    duplicates = client.get(_url(Agreement, "duplicates"))
    pairs = duplicates.context["candidates"]
    assert [(p.first, p.second) for p in pairs] == [(first, second)]

    client.post(
        _url(Agreement, "changelist"),
        {"action": "merge_duplicates", "_selected_action": [first.pk, second.pk]},
    )
    second = Agreement.all_objects.get(pk=second.pk)
    assert second.merged_into == first
    assert second.is_deleted
    assert Agreement.objects.filter(pk=first.pk).exists()


def test_admin_status_proposal_approval_moves_status(client, curator, analyst, data):
    recommendation = data[Recommendation]
    proposal = status_proposal_create(
        recommendation=recommendation, to_status="under_review", user=analyst, note="Tabled"
    )
    client.force_login(analyst)
    client.post(
        _url(StatusProposal, "changelist"), {"action": "approve", "_selected_action": [proposal.pk]}
    )
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"

    client.force_login(curator)
    client.post(
        _url(StatusProposal, "changelist"), {"action": "approve", "_selected_action": [proposal.pk]}
    )
    recommendation.refresh_from_db()
    proposal.refresh_from_db()
    assert recommendation.status == "under_review"
    assert proposal.state == "approved"
    assert proposal.decided_by == curator


def test_admin_response_inline_records_the_addressees_answer(client, analyst, data):
    recommendation = data[Recommendation]
    client.force_login(analyst)
    page = client.get(_url(Recommendation, "change", recommendation.pk))
    form = admin_form_data(page)
    add_inline_row(
        form,
        "responses",
        responded_on="2025-02-03",
        classification="interim_reply",
        note="Ministry will reply after the budget",
        evidence_url="https://example.org/atr.pdf",
    )
    response = client.post(_url(Recommendation, "change", recommendation.pk), form)
    assert response.status_code == 302
    [answer] = recommendation.responses.all()
    assert (answer.classification, str(answer.responded_on), answer.recorded_by) == (
        "interim_reply",
        "2025-02-03",
        analyst,
    )
    assert answer.history.get().history_user == analyst


def test_admin_never_shows_someone_elses_private_note(client, curator, analyst, data):
    agreement = data[Agreement]
    annotation_create(
        author=analyst, body="PRIVATE-REMINDER", record=agreement, visibility="private"
    )
    annotation_create(author=analyst, body="TEAM-NOTE", record=agreement, visibility="team")
    client.force_login(curator)

    listing = client.get(_url(Annotation, "changelist")).content.decode()
    page = client.get(_url(Agreement, "change", agreement.pk)).content.decode()

    for html in (listing, page):
        assert "TEAM-NOTE" in html
        assert "PRIVATE-REMINDER" not in html
    client.force_login(analyst)  # the author still sees their own
    assert "PRIVATE-REMINDER" in client.get(_url(Annotation, "changelist")).content.decode()


def test_admin_edit_without_a_version_is_refused(client, curator, data):
    agreement = data[Agreement]
    client.force_login(curator)
    page = client.get(_url(Agreement, "change", agreement.pk))
    form = admin_form_data(page, title="Blind overwrite")
    form.pop("expected_version")

    response = client.post(_url(Agreement, "change", agreement.pk), form)

    assert response.status_code == 200
    assert "expected_version" in response.context["adminform"].form.errors
    agreement.refresh_from_db()
    assert agreement.title != "Blind overwrite"
    assert agreement.version == 1


def test_admin_search_and_filters_narrow_the_record_lists(client, curator, data):
    AgreementFactory(title="Tokyo Declaration on Partnership", kind="declaration")
    client.force_login(curator)
    changelist = _url(Agreement, "changelist")

    found = client.get(changelist, {"q": "tokyo"}).context["cl"].result_list
    assert [a.title for a in found] == ["Tokyo Declaration on Partnership"]

    declarations = client.get(changelist, {"kind__exact": "declaration"}).context["cl"]
    assert [a.title for a in declarations.result_list] == ["Tokyo Declaration on Partnership"]

    by_actor = client.get(changelist, {"actors__id__exact": data[Actor].pk}).context["cl"]
    assert list(by_actor.result_list) == [data[Agreement]]

    tracked_delete(instance=data[Deal], user=curator)
    live = client.get(_url(Deal, "changelist")).context["cl"].result_list
    trash = client.get(_url(Deal, "changelist"), {"trash": "deleted"}).context["cl"].result_list
    assert (list(live), list(trash)) == ([], [data[Deal]])


def test_admin_autocomplete_offers_live_actors_only(client, curator, data):
    gone = ActorFactory(name="Gone Actor")
    tracked_delete(instance=gone, user=None)
    ActorFactory(name="Goa Shipyard")
    client.force_login(curator)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Go",
            "app_label": "cooperation",
            "model_name": "agreement",
            "field_name": "actors",
        },
    )

    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Goa Shipyard"]
