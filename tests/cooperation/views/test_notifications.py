"""The bell, the notifications page, mark read / all read, settings and watching a record."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import EmailPreference, Visibility
from cooperation.models import Notification, NotificationSettings, Watch
from cooperation.services import annotation_create, annotation_update
from tests.cooperation.views.helpers import count_queries
from tests.factories import AgreementFactory, AnalystFactory

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


def _mention(author, reader, record=None, text="see this"):
    return annotation_create(
        author=author,
        body=f"@{reader.email.split('@')[0]} {text}",
        record=record or AgreementFactory(title="Quad semiconductors"),
    )


def test_the_bell_shows_the_unread_count(client, analyst, other_analyst):
    _mention(analyst, other_analyst)
    _mention(analyst, other_analyst)
    client.force_login(other_analyst)
    page = client.get("/").content.decode()
    assert 'data-unread="2"' in page
    assert '2<span class="visually-hidden"> unread</span>' in page


def test_no_bell_for_anonymous_or_partners(client, partner):
    assert b'class="bell' not in client.get(reverse("login")).content
    client.force_login(partner)
    response = client.get("/accounts/api-access/")
    assert response.status_code == 200
    assert b'class="bell' not in response.content


@pytest.mark.parametrize("role", ["analyst", "curator", "admin"])
def test_every_internal_role_reads_its_page(client, role, request, other_analyst):
    user = request.getfixturevalue(role)
    _mention(other_analyst, user)
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Quad semiconductors" in response.content.decode()
    assert "mentioned you" in response.content.decode()


def test_anonymous_and_partners_are_refused_the_page(client, partner, analyst, other_analyst):
    _mention(analyst, other_analyst)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(partner)
    for url in (LIST, "/notifications/read/", "/notifications/read-all/"):
        response = client.post(url, {"id": Notification.objects.get().pk})
        assert response.status_code == 403
        assert b"Quad" not in response.content
    assert Notification.objects.get().read_at is None


def test_the_page_never_shows_a_note_the_reader_cannot_read(client, analyst, other_analyst):
    note = _mention(analyst, other_analyst, text="secret plan")
    record = note.target_record
    # Someone else's notification about that record, and a note since made private.
    Notification.objects.create(
        recipient=analyst,
        kind="change",
        created_at=timezone.now(),
        spine_id=record.spine_id,
    )
    annotation_update(annotation=note, user=analyst, expected_version=1, visibility="private")
    client.force_login(other_analyst)
    body = client.get(LIST).content.decode()
    assert "Quad semiconductors" not in body
    assert 'data-unread="0"' in body


def test_newest_first_and_paginated(client, analyst, other_analyst):
    record = AgreementFactory(title="Paged")
    for i in range(30):
        _mention(analyst, other_analyst, record=record, text=str(i))
    client.force_login(other_analyst)
    first = client.get(LIST)
    assert first.context["page"].object_list[0].note.body.endswith(" 29")
    assert len(first.context["page"].object_list) == 25
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert client.get(LIST, {"page": "x"}).status_code == 200


def test_the_page_costs_the_same_with_one_or_many(client, analyst, other_analyst):
    client.force_login(other_analyst)
    _mention(analyst, other_analyst)
    one = count_queries(client, LIST)
    for _ in range(10):
        _mention(analyst, other_analyst)
    assert count_queries(client, LIST) == one


def test_mark_read_and_mark_all_read(client, analyst, other_analyst):
    for _ in range(3):
        _mention(analyst, other_analyst)
    client.force_login(other_analyst)
    first = Notification.objects.order_by("pk").first()
    response = client.post("/notifications/read/", {"id": first.pk, "next": LIST})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_mark_read_of_another_users_notification_is_404(client, analyst, other_analyst):
    _mention(analyst, other_analyst)
    theirs = Notification.objects.get()
    client.force_login(analyst)
    for value in (theirs.pk, "abc", "", 10**12):
        assert client.post("/notifications/read/", {"id": value}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post_and_csrf(analyst, other_analyst):
    _mention(analyst, other_analyst)
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_analyst)
    assert client.get("/notifications/read-all/").status_code == 405
    assert client.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.get().read_at is None


def test_settings_saved_and_errors_shown(client, analyst, other_analyst):
    client.force_login(analyst)
    response = client.post(
        "/notifications/settings/", {"email": EmailPreference.DAILY, "handle": "aiko"}
    )
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=analyst).handle == "aiko"
    client.force_login(other_analyst)
    response = client.post(
        "/notifications/settings/", {"email": "bogus", "handle": "aiko"}, follow=True
    )
    assert response.status_code == 200
    assert "Choose how you want to be e-mailed" in response.content.decode()


def test_watch_toggle_from_the_record_page(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)
    page = client.get(record.get_absolute_url()).content.decode()
    assert ">Watch<" in page
    url = f"/agreements/{record.slug}/watch/"
    assert client.post(url, {"watch": "1"}).status_code == 302
    assert Watch.objects.filter(user=analyst).count() == 1
    assert client.post(url, {"watch": "1"}).status_code == 302  # twice: still one
    assert Watch.objects.filter(user=analyst).count() == 1
    assert "Stop watching" in client.get(record.get_absolute_url()).content.decode()
    client.post(url, {"watch": "0"})
    assert Watch.objects.count() == 0
    assert client.post("/agreements/no-such/watch/").status_code == 404
    assert client.get(url).status_code == 405


def test_a_colleague_watching_hears_of_a_new_note(client, analyst):
    watcher = AnalystFactory()
    record = AgreementFactory(visibility=Visibility.INTERNAL)
    client.force_login(watcher)
    client.post(f"/agreements/{record.slug}/watch/")
    annotation_create(author=analyst, body="A new thought", record=record)
    assert 'data-unread="1"' in client.get(LIST).content.decode()
