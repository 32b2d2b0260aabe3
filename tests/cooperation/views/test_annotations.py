"""Annotation threads in pages and the views behind their forms.

The record pages are another area's; redirects into them are checked by address and
never followed.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import RequestContext, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.models import Annotation
from cooperation.services import annotation_create, annotation_delete, annotation_update
from tests.factories import AgreementFactory, ExcerptFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

PRIVATE, TEAM, PARTNERS = (
    AnnotationVisibility.PRIVATE,
    AnnotationVisibility.TEAM,
    AnnotationVisibility.PARTNERS,
)


@pytest.fixture
def agreement():
    return AgreementFactory()


@pytest.fixture
def note(analyst, agreement):
    return annotation_create(author=analyst, record=agreement, body="Is this the 2015 text?")


def render_thread(rf, target, user) -> str:
    request = rf.get("/agreements/x/")
    request.user = user
    template = Template("{% load annotations %}{% annotation_thread target %}")
    return template.render(RequestContext(request, {"target": target}))


def note_html(html: str, pk: int) -> str:
    """The markup of one note's <li>, up to its replies."""
    start = html.index(f'id="annotation-{pk}"')
    end = html.find('class="annotation-replies"', start)
    return html[start : end if end != -1 else None]


# -- the thread tag ----------------------------------------------------------------------


def test_annotation_thread_hides_other_peoples_private_notes(rf, analyst, other_analyst, agreement):
    mine = annotation_create(
        author=analyst, record=agreement, body="My own reminder", visibility=PRIVATE
    )
    shared = annotation_create(author=analyst, record=agreement, body="For the team")

    theirs = render_thread(rf, agreement, other_analyst)
    own = render_thread(rf, agreement, analyst)

    assert "For the team" in theirs and f"annotation-{shared.pk}" in theirs
    assert "My own reminder" not in theirs and f"annotation-{mine.pk}" not in theirs
    assert "My own reminder" in own and "Visible to: Private (only me)" in own


def test_annotation_thread_nests_replies_and_labels_each_note(rf, analyst, curator, note):
    reply = annotation_create(
        author=curator, parent=note, body="Yes, 2015.", motivation=AnnotationMotivation.COMMENT
    )
    question = annotation_create(
        author=analyst,
        record=note.target,
        body="Who signed?",
        motivation=AnnotationMotivation.QUESTION,
        visibility=PARTNERS,
    )

    html = render_thread(rf, note.target, analyst)

    replies_start = html.index('class="annotation-replies"')
    assert html.index(f'id="annotation-{note.pk}"') < replies_start
    assert replies_start < html.index(f'id="annotation-{reply.pk}"')
    assert html.index(f'id="annotation-{reply.pk}"') < html.index(f'id="annotation-{question.pk}"')
    asked = note_html(html, question.pk)
    assert "Question" in asked and "Visible to: Team and partners" in asked
    assert "Aiko Analyst" in asked and "Open" in asked
    assert "Chandra Curator" in note_html(html, reply.pk)
    assert 'Notes <span class="muted">(3)</span>' in html


def test_annotation_thread_offers_edit_and_delete_only_on_own_notes(
    rf, analyst, other_analyst, note
):
    theirs = note_html(render_thread(rf, note.target, other_analyst), note.pk)
    own = note_html(render_thread(rf, note.target, analyst), note.pk)

    assert reverse("cooperation:annotation_edit", args=[note.pk]) in own
    assert reverse("cooperation:annotation_delete", args=[note.pk]) in own
    assert reverse("cooperation:annotation_resolve", args=[note.pk]) in own
    assert reverse("cooperation:annotation_edit", args=[note.pk]) not in theirs
    assert reverse("cooperation:annotation_delete", args=[note.pk]) not in theirs
    assert reverse("cooperation:annotation_resolve", args=[note.pk]) not in theirs
    assert reverse("cooperation:annotation_reply", args=[note.pk]) in theirs


def test_annotation_thread_lets_a_moderator_resolve_and_delete_others_notes(rf, curator, note):
    html = note_html(render_thread(rf, note.target, curator), note.pk)

    assert reverse("cooperation:annotation_resolve", args=[note.pk]) in html
    assert reverse("cooperation:annotation_delete", args=[note.pk]) in html
    assert reverse("cooperation:annotation_edit", args=[note.pk]) not in html


def test_annotation_thread_renders_bodies_as_sanitised_markdown(rf, analyst, agreement):
    annotation_create(
        author=analyst,
        record=agreement,
        body="**Check** <script>alert(1)</script> [x](javascript:alert(1))",
    )

    html = render_thread(rf, agreement, analyst)

    assert "<strong>Check</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "<script>" not in html


def test_annotation_thread_marks_edited_notes(rf, analyst, note):
    other = annotation_create(author=analyst, record=note.target, body="Untouched")
    annotation_update(annotation=note, user=analyst, expected_version=1, body="Is it 2015?")

    html = render_thread(rf, note.target, analyst)

    assert "Edited" in note_html(html, note.pk)
    assert "Edited" not in note_html(html, other.pk)


def test_annotation_thread_keeps_a_deleted_note_only_where_replies_hang_from_it(
    rf, analyst, curator, note
):
    reply = annotation_create(author=curator, parent=note, body="Yes, 2015.")
    lonely = annotation_create(author=analyst, record=note.target, body="Never mind")
    annotation_delete(annotation=note, user=analyst)
    annotation_delete(annotation=lonely, user=analyst)

    html = render_thread(rf, note.target, analyst)

    assert "This note was deleted." in note_html(html, note.pk)
    assert "Is this the 2015 text?" not in html
    assert "Yes, 2015." in html and f"annotation-{reply.pk}" in html
    assert f"annotation-{lonely.pk}" not in html and "Never mind" not in html
    assert 'Notes <span class="muted">(1)</span>' in html


def test_annotation_thread_on_an_excerpt_shows_only_that_excerpts_notes(rf, analyst, agreement):
    excerpt = ExcerptFactory()
    annotation_create(author=analyst, excerpt=excerpt, body="On the passage")
    annotation_create(author=analyst, record=agreement, body="On the record")

    html = render_thread(rf, excerpt, analyst)

    assert "On the passage" in html and "On the record" not in html
    assert f'value="excerpt:{excerpt.pk}"' in html


def test_annotation_thread_costs_the_same_queries_for_1_and_20_notes(
    rf, analyst, curator, agreement
):
    def count_queries() -> int:
        user = get_user_model().objects.get(pk=analyst.pk)  # fresh permission cache
        with CaptureQueriesContext(connection) as queries:
            render_thread(rf, agreement, user)
        return len(queries)

    first = annotation_create(author=curator, record=agreement, body="First")
    one = count_queries()
    annotation_update(annotation=first, user=curator, expected_version=1, body="First, edited")
    for i in range(9):
        root = annotation_create(author=analyst, record=agreement, body=f"Note {i}")
        annotation_create(author=curator, parent=root, body=f"Reply {i}")
    annotation_create(author=analyst, record=agreement, body="Mine", visibility=PRIVATE)

    assert Annotation.objects.count() == 20
    assert count_queries() == one


# -- create -------------------------------------------------------------------------------


def test_annotation_create_adds_a_note_and_returns_to_the_page_at_it(client, analyst, agreement):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_create"),
        {
            "target": f"agreement:{agreement.pk}",
            "body": "Check the **date**.",
            "motivation": "question",
            "visibility": "private",
            "next": "/agreements/somewhere/?tab=notes",
        },
    )

    note = Annotation.objects.get()
    assert (note.target_record, note.author, note.body) == (
        agreement,
        analyst,
        "Check the **date**.",
    )
    assert (note.motivation, note.visibility) == ("question", "private")
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/somewhere/?tab=notes#annotation-{note.pk}"


def test_annotation_create_ignores_a_next_that_leaves_the_site(client, analyst, agreement):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_create"),
        {
            "target": f"agreement:{agreement.pk}",
            "body": "Fine",
            "motivation": "comment",
            "visibility": "team",
            "next": "https://evil.example/phish",
        },
    )

    note = Annotation.objects.get()
    assert response["Location"] == f"{agreement.get_absolute_url()}#annotation-{note.pk}"


def test_annotation_create_on_an_excerpt(client, analyst):
    excerpt = ExcerptFactory()
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_create"),
        {
            "target": f"excerpt:{excerpt.pk}",
            "body": "Key line",
            "motivation": "highlight",
            "visibility": "team",
        },
    )

    note = Annotation.objects.get()
    assert note.excerpt == excerpt and note.spine is None
    assert response["Location"] == note.get_absolute_url()


def test_annotation_create_without_a_body_shows_the_error_and_keeps_the_input(
    client, analyst, agreement
):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_create"),
        {
            "target": f"agreement:{agreement.pk}",
            "body": "   ",
            "motivation": "question",
            "visibility": "private",
        },
    )

    assert response.status_code == 200
    assert not Annotation.objects.exists()
    html = response.content.decode()
    assert "Write something." in html
    assert re.search(r'<option value="question" selected>', html)
    assert re.search(r'<option value="private" selected>', html)


def test_annotation_create_for_an_unknown_target_is_404(client, analyst):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_create"),
        {"target": "agreement:999999", "body": "x", "motivation": "comment", "visibility": "team"},
    )

    assert response.status_code == 404


def test_annotation_create_for_a_target_with_a_non_ascii_digit_is_404(client, analyst):
    # "²".isdigit() is true but int("²") fails: such input must not become a 500.
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_create"),
        {"target": "agreement:²", "body": "x", "motivation": "comment", "visibility": "team"},
    )

    assert response.status_code == 404
    assert not Annotation.objects.exists()


# -- reply --------------------------------------------------------------------------------


def test_annotation_reply_adds_a_reply_in_the_thread(client, curator, note):
    client.force_login(curator)

    response = client.post(
        reverse("cooperation:annotation_reply", args=[note.pk]),
        {"body": "Yes, 2015.", "motivation": "comment", "visibility": "team"},
    )

    reply = Annotation.objects.get(parent=note)
    assert (reply.author, reply.body, reply.target_record) == (curator, "Yes, 2015.", note.target)
    assert response["Location"] == f"{note.target.get_absolute_url()}#annotation-{reply.pk}"


def test_annotation_reply_cannot_be_more_visible_than_its_parent(client, curator, note):
    client.force_login(curator)

    response = client.post(
        reverse("cooperation:annotation_reply", args=[note.pk]),
        {"body": "Tell the partners", "motivation": "comment", "visibility": "partners"},
    )

    assert response.status_code == 200
    assert not Annotation.objects.filter(parent=note).exists()
    html = response.content.decode()
    assert "A reply cannot be seen more widely than the note it answers." in html
    assert "Tell the partners" in html


def test_annotation_reply_to_someone_elses_private_note_is_404(
    client, analyst, other_analyst, agreement
):
    private = annotation_create(author=analyst, record=agreement, body="Mine", visibility=PRIVATE)
    client.force_login(other_analyst)

    response = client.post(
        reverse("cooperation:annotation_reply", args=[private.pk]),
        {"body": "Peek", "motivation": "comment", "visibility": "private"},
    )

    assert response.status_code == 404
    assert not Annotation.objects.filter(parent=private).exists()


# -- edit ---------------------------------------------------------------------------------


def test_annotation_edit_saves_the_authors_change_with_history(client, analyst, note):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_edit", args=[note.pk]),
        {
            "body": "Is it the 2015 text?",
            "motivation": "question",
            "visibility": "team",
            "version": 1,
        },
    )

    note.refresh_from_db()
    assert (note.body, note.motivation, note.version) == ("Is it the 2015 text?", "question", 2)
    assert [row.history_change_reason for row in history_rows(note)] == ["Edited", "Created"]
    assert response["Location"] == f"{note.target.get_absolute_url()}#annotation-{note.pk}"


def test_annotation_edit_with_a_stale_version_is_a_conflict_that_keeps_the_input(
    client, analyst, note
):
    annotation_update(annotation=note, user=analyst, expected_version=1, body="Changed elsewhere")
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_edit", args=[note.pk]),
        {"body": "My late edit", "motivation": "comment", "visibility": "team", "version": 1},
    )

    assert response.status_code == 409
    note.refresh_from_db()
    assert (note.body, note.version) == ("Changed elsewhere", 2)
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "My late edit" in html and "Changed elsewhere" in html
    assert 'name="version" value="2"' in html


def test_annotation_edit_of_someone_elses_note_is_refused(client, other_analyst, curator, note):
    for user in (other_analyst, curator):
        client.force_login(user)

        response = client.post(
            reverse("cooperation:annotation_edit", args=[note.pk]),
            {"body": "Hijack", "motivation": "comment", "visibility": "team", "version": 1},
        )

        assert response.status_code == 403
    note.refresh_from_db()
    assert (note.body, note.version) == ("Is this the 2015 text?", 1)


def test_annotation_edit_cannot_widen_a_reply_beyond_its_parent(client, curator, note):
    reply = annotation_create(author=curator, parent=note, body="Yes.")
    client.force_login(curator)

    response = client.post(
        reverse("cooperation:annotation_edit", args=[reply.pk]),
        {"body": "Yes.", "motivation": "comment", "visibility": "partners", "version": 1},
    )

    assert response.status_code == 200
    reply.refresh_from_db()
    assert (reply.visibility, reply.version) == ("team", 1)
    assert "cannot be seen more widely" in response.content.decode()


def test_annotation_edit_cannot_narrow_a_note_below_its_replies(client, analyst, curator, note):
    annotation_create(author=curator, parent=note, body="Team reply")
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_edit", args=[note.pk]),
        {"body": note.body, "motivation": "comment", "visibility": "private", "version": 1},
    )

    assert response.status_code == 200
    note.refresh_from_db()
    assert (note.visibility, note.version) == ("team", 1)
    assert "cannot be made more restricted than its replies" in response.content.decode()


# -- delete -------------------------------------------------------------------------------


def test_annotation_delete_asks_for_confirmation_first(client, analyst, note):
    client.force_login(analyst)

    response = client.get(reverse("cooperation:annotation_delete", args=[note.pk]))

    assert response.status_code == 200
    assert "Delete this note?" in response.content.decode()
    assert Annotation.objects.filter(pk=note.pk).exists()


def test_annotation_delete_hides_the_note_and_keeps_it_in_history(client, analyst, note):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_delete", args=[note.pk]), {"next": "/agreements/a/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/agreements/a/"
    assert not Annotation.objects.filter(pk=note.pk).exists()
    stored = Annotation.all_objects.get(pk=note.pk)
    assert stored.deleted_by == analyst
    assert [row.history_type for row in history_rows(stored)] == ["-", "+"]


def test_annotation_delete_of_someone_elses_note_is_refused_to_an_analyst(
    client, other_analyst, note
):
    client.force_login(other_analyst)

    assert client.get(reverse("cooperation:annotation_delete", args=[note.pk])).status_code == 403
    response = client.post(reverse("cooperation:annotation_delete", args=[note.pk]))

    assert response.status_code == 403
    assert Annotation.objects.filter(pk=note.pk).exists()


def test_annotation_delete_by_a_moderator(client, curator, note):
    client.force_login(curator)

    client.post(reverse("cooperation:annotation_delete", args=[note.pk]))

    assert Annotation.all_objects.get(pk=note.pk).deleted_by == curator


# -- resolve ------------------------------------------------------------------------------


def test_annotation_resolve_and_reopen_by_the_author(client, analyst, note):
    client.force_login(analyst)
    url = reverse("cooperation:annotation_resolve", args=[note.pk])

    response = client.post(url, {"resolved": "1"})
    note.refresh_from_db()
    assert (note.resolved, note.resolved_by) == (True, analyst)
    assert response["Location"] == f"{note.target.get_absolute_url()}#annotation-{note.pk}"

    client.post(url, {"resolved": "0"})
    note.refresh_from_db()
    assert (note.resolved, note.resolved_by) == (False, None)


def test_annotation_resolve_by_another_analyst_is_refused(client, other_analyst, note):
    client.force_login(other_analyst)

    response = client.post(
        reverse("cooperation:annotation_resolve", args=[note.pk]), {"resolved": "1"}
    )

    assert response.status_code == 403
    note.refresh_from_db()
    assert note.resolved is False


def test_annotation_resolve_of_a_reply_says_why_not(client, analyst, curator, note):
    reply = annotation_create(author=analyst, parent=note, body="Me again")
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:annotation_resolve", args=[reply.pk]), {"resolved": "1"}
    )

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.resolved is False
    [message] = [str(m) for m in response.wsgi_request._messages]
    assert message == "Resolve the thread from its first note."


def test_annotation_resolve_needs_a_post(client, analyst, note):
    client.force_login(analyst)

    assert client.get(reverse("cooperation:annotation_resolve", args=[note.pk])).status_code == 405


# -- detail and access --------------------------------------------------------------------


def test_annotation_detail_redirects_to_the_note_on_its_page(client, analyst, note):
    client.force_login(analyst)

    response = client.get(reverse("cooperation:annotation_detail", args=[note.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{note.target.get_absolute_url()}#annotation-{note.pk}"


def annotation_urls(note):
    return [
        reverse("cooperation:annotation_create") + f"?target=agreement:{note.spine.kind_id}",
        reverse("cooperation:annotation_detail", args=[note.pk]),
        reverse("cooperation:annotation_reply", args=[note.pk]),
        reverse("cooperation:annotation_edit", args=[note.pk]),
        reverse("cooperation:annotation_delete", args=[note.pk]),
    ]


def test_annotation_pages_send_anonymous_visitors_to_login(client, note):
    for url in [*annotation_urls(note), reverse("cooperation:annotation_resolve", args=[note.pk])]:
        response = client.post(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_annotation_pages_refuse_partners(client, partner, note):
    client.force_login(partner)

    for url in annotation_urls(note):
        assert client.get(url).status_code == 403, url


def test_annotation_form_pages_work_on_their_own(client, analyst, note):
    client.force_login(analyst)
    create_url = reverse("cooperation:annotation_create")

    create = client.get(f"{create_url}?target=agreement:{note.spine.kind_id}&next=/agreements/a/")
    reply = client.get(reverse("cooperation:annotation_reply", args=[note.pk]))
    edit = client.get(reverse("cooperation:annotation_edit", args=[note.pk]))

    assert create.status_code == reply.status_code == edit.status_code == 200
    assert 'name="next" value="/agreements/a/"' in create.content.decode()
    assert "The note you are answering" in reply.content.decode()
    edit_html = edit.content.decode()
    assert "Is this the 2015 text?</textarea>" in edit_html
    assert 'name="version" value="1"' in edit_html
