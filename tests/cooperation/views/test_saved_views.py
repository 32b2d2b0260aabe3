"""Saved views in the workspace (cooperation/views/saved_views.py): every role, the link's
404 for what the visitor may not open, bad input as a message, CSRF, and no leak through a
shared view's filters."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.services import user_set_roles, user_update
from cooperation.choices import AnnotationVisibility
from cooperation.models import SavedView
from cooperation.services import annotation_create
from cooperation.services.saved_views import saved_view_create, saved_view_delete
from tests.factories import AgreementFactory, DealFactory, UserFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("cooperation:savedview_create")
VIEWS = reverse("cooperation:savedview_list")


def _open(view) -> str:
    return reverse("cooperation:savedview_open", args=[view.token])


def _view(owner, *, name="Signed deals", list_key="deal", query="status=signed", shared=False):
    return saved_view_create(user=owner, list_key=list_key, name=name, query=query, shared=shared)


def _messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def _post_create(client, **data):
    body = {
        "list_key": "deal",
        "name": "Signed deals",
        "query": "status=signed&page=2",
        "next": "/deals/?status=signed&page=2",
        **data,
    }
    return client.post(CREATE, body)


@pytest.mark.parametrize("role", ["analyst", "curator", "admin"])
def test_staff_save_a_view_from_a_list_and_open_it_by_its_link(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get("/deals/?status=signed")
    assert "Save this view" in page.text
    assert 'name="query" value="status=signed"' in page.text

    response = _post_create(client, shared="on")

    view = SavedView.objects.get()
    assert (view.owner, view.name, view.query, view.shared) == (
        user,
        "Signed deals",
        "status=signed",
        True,
    )
    assert response.status_code == 302 and response["Location"] == "/deals/?status=signed"
    assert any(view.token in m for m in _messages(response))
    opened = client.get(_open(view))
    assert opened.status_code == 302 and opened["Location"] == "/deals/?status=signed"
    menu = client.get("/deals/").text
    assert _open(view) in menu and "Signed deals" in menu
    assert "Signed deals" in client.get(VIEWS).text


def test_anonymous_visitors_log_in_first_and_partners_have_no_saved_views(client, analyst, partner):
    view = _view(analyst, shared=True)
    urls = [VIEWS, _open(view)]
    posts = [CREATE] + [
        reverse(f"cooperation:savedview_{action}", args=[view.token])
        for action in ("rename", "update", "share", "delete")
    ]
    for url in urls:
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    for url in posts:
        assert client.post(url, {"name": "x"})["Location"].startswith("/accounts/login/"), url
    client.force_login(partner)
    for url in urls:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"name": "x", "list_key": "deal"}).status_code == 403, url
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Signed deals"]


def test_another_persons_private_view_and_a_forged_link_are_404(client, analyst, other_analyst):
    private = _view(analyst)
    client.force_login(other_analyst)
    for token in (private.token, private.token[:-1] + "x", "x", str(private.pk)):
        response = client.get(reverse("cooperation:savedview_open", args=[token]))
        assert response.status_code == 404, token
    for action in ("rename", "update", "share", "delete"):
        url = reverse(f"cooperation:savedview_{action}", args=[private.token])
        assert client.post(url, {"name": "Taken"}).status_code == 404, action
    assert "Signed deals" not in client.get("/deals/").text
    assert "Signed deals" not in client.get(VIEWS).text
    private.refresh_from_db()
    assert (private.name, private.deleted_at) == ("Signed deals", None)


def test_the_team_opens_a_shared_view_but_only_its_owner_changes_it(
    client, analyst, other_analyst, curator
):
    shared = _view(analyst, shared=True)
    for colleague in (other_analyst, curator):
        client.force_login(colleague)
        assert client.get(_open(shared))["Location"] == "/deals/?status=signed"
        assert "Signed deals" in client.get("/deals/").text
        assert "by Aiko Analyst" in client.get(VIEWS).text
        for action in ("rename", "update", "share", "delete"):
            url = reverse(f"cooperation:savedview_{action}", args=[shared.token])
            assert client.post(url, {"name": "Taken"}).status_code == 403, action
    shared.refresh_from_db()
    assert (shared.name, shared.shared, shared.deleted_at) == ("Signed deals", True, None)


def test_a_view_shared_by_someone_who_left_the_team_is_no_longer_opened(
    client, analyst, other_analyst
):
    shared = _view(analyst, shared=True)
    left = _view(other_analyst, name="Theirs", shared=True)
    user_set_roles(user=other_analyst, roles=[])
    client.force_login(analyst)
    assert client.get(_open(left)).status_code == 404
    user_set_roles(user=other_analyst, roles=["analyst"])
    assert client.get(_open(left)).status_code == 302
    user_update(user=other_analyst, data={"is_active": False})
    assert client.get(_open(left)).status_code == 404
    assert client.get(_open(shared)).status_code == 302  # one's own, of course


def test_a_deleted_view_is_gone_for_everyone(client, analyst, other_analyst):
    view = _view(analyst, shared=True)
    saved_view_delete(saved_view=view, user=analyst)
    for person in (analyst, other_analyst):
        client.force_login(person)
        assert client.get(_open(view)).status_code == 404


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"name": ""}, "Give the view a name"),
        ({"name": "x" * 101}, "at most 100"),
        ({"list_key": "excerpt"}, "no such list"),
        ({"list_key": ""}, "no such list"),
        ({"query": "colour=red"}, "no filter called “colour”"),
        ({"query": "q=" + "x" * 3000}, "too long"),
        ({"shared": "maybe"}, None),  # anything but "on" is not shared: saved, private
    ],
)
def test_a_bad_save_is_a_message_never_a_500(client, analyst, data, said):
    client.force_login(analyst)
    response = _post_create(client, **data)
    assert response.status_code == 302
    if said is None:
        assert SavedView.objects.get().shared is False
        return
    assert not SavedView.all_objects.exists()
    assert any(said in m for m in _messages(response)), _messages(response)


def test_a_duplicate_name_in_another_case_is_refused_with_a_message(client, analyst):
    _view(analyst)
    client.force_login(analyst)
    response = _post_create(client, name="SIGNED deals")
    assert response["Location"] == "/deals/?status=signed&page=2"  # back where they were
    assert any("already have a view" in m for m in _messages(response))
    assert SavedView.objects.count() == 1


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "a b", "home"])
def test_an_offsite_or_odd_next_is_not_followed(client, analyst, target):
    client.force_login(analyst)
    response = _post_create(client, name="", next=target)
    assert response.status_code == 302 and response["Location"] == "/deals/"
    view = _view(analyst)
    url = reverse("cooperation:savedview_rename", args=[view.token])
    assert client.post(url, {"name": "", "next": target})["Location"] == VIEWS


def test_the_owner_renames_updates_shares_and_deletes(client, analyst):
    view = _view(analyst)
    client.force_login(analyst)
    url = lambda action: reverse(f"cooperation:savedview_{action}", args=[view.token])  # noqa: E731

    assert client.post(url("rename"), {"name": "Deals signed"}).status_code == 302
    client.post(url("update"), {"query": "status=signed&ordering=-period_start&page=4"})
    client.post(url("share"), {"shared": "on"})
    view.refresh_from_db()
    assert (view.name, view.query, view.shared) == (
        "Deals signed",
        "ordering=-period_start&status=signed",
        True,
    )
    bad = client.post(url("rename"), {"name": "  "})
    assert any("Give the view a name" in m for m in _messages(bad))
    client.post(url("share"), {})
    client.post(url("delete"))
    view = SavedView.all_objects.get(pk=view.pk)
    assert view.shared is False and view.deleted_at is not None
    assert view.token not in client.get(VIEWS).text


def test_writes_need_the_csrf_token(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    view = _view(analyst)
    assert client.post(CREATE, {"list_key": "deal", "name": "x"}).status_code == 403
    url = reverse("cooperation:savedview_delete", args=[view.token])
    assert client.post(url).status_code == 403
    assert SavedView.objects.count() == 1


def test_the_link_is_get_only_and_writes_are_post_only(client, analyst):
    view = _view(analyst)
    client.force_login(analyst)
    assert client.post(_open(view)).status_code == 405
    assert client.get(CREATE).status_code == 405
    assert client.get(reverse("cooperation:savedview_delete", args=[view.token])).status_code == 405


def test_a_shared_view_shows_a_colleague_only_what_they_may_read(client, analyst, other_analyst):
    """The view holds filters; the list applies the visitor's own visibility."""
    record = AgreementFactory(title="Semiconductor pact")
    annotation_create(
        author=analyst,
        body="Zanzibar private musing",
        record=record,
        visibility=AnnotationVisibility.PRIVATE,
    )
    view = _view(analyst, name="Zanzibar", list_key="annotation", query="q=Zanzibar", shared=True)
    client.force_login(analyst)
    assert "Zanzibar private musing" in client.get(_open(view), follow=True).text
    client.force_login(other_analyst)
    page = client.get(_open(view), follow=True)
    assert page.status_code == 200
    assert "Zanzibar private musing" not in page.text
    assert "No notes match" in page.text


def test_the_views_page_lists_mine_with_their_links_and_the_teams(client, analyst, other_analyst):
    mine = _view(analyst, name="Mine", list_key="agreement", query="")
    theirs = _view(other_analyst, name="Their shared", shared=True)
    _view(other_analyst, name="Their private")
    DealFactory()
    client.force_login(analyst)
    page = client.get(VIEWS).text
    assert "Mine" in page and "Their shared" in page and "Their private" not in page
    assert f"http://testserver{_open(mine)}" in page
    assert "/deals/?status=signed" in page  # the team's view, linked to its list
    assert reverse("cooperation:savedview_delete", args=[theirs.token]) not in page


def test_no_role_no_views(client):
    client.force_login(UserFactory(roles=[]))
    assert client.get(VIEWS).status_code == 403
