"""Notifications, @mentions and watches (cooperation/services/notifications.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.utils import timezone

from cooperation.choices import (
    AnnotationVisibility,
    EmailPreference,
    NotificationKind,
    RecommendationStatus,
    Visibility,
)
from cooperation.models import Notification
from cooperation.selectors import notifications_visible_to, unread_notification_count
from cooperation.services import (
    annotation_create,
    annotation_update,
    recommendation_transition,
    tracked_delete,
    tracked_update,
)
from cooperation.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_settings_update,
    parse_mentions,
    send_digests,
    users_mentioned,
    watch_toggle,
)
from tests.factories import (
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    ExcerptFactory,
    RecommendationFactory,
    partner_note_create,
)

pytestmark = pytest.mark.django_db


def _local(user) -> str:
    return user.email.split("@")[0]


def _kinds(user) -> list[str]:
    return list(notifications_visible_to(user).values_list("kind", flat=True))


# ---- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("Ask @ann about it", ["ann"]),
        ("@ann, @bob. and (@carol)!", ["ann", "bob", "carol"]),
        ("@Ann and @ann and @ANN", ["ann"]),
        ("write to ann@example.org or @bob@example.org", []),
        ("@ann.lee: see this; @x_y-z?", ["ann.lee", "x_y-z"]),
        ("email@@ann, foo.@bob, a+@carol", []),
        ("@ @. @- @_", []),
        ("", []),
        ("no mention here", []),
        ("@ann's point", ["ann"]),
    ],
)
def test_parse_mentions_edge_cases(body, names):
    assert parse_mentions(body) == names


def test_parse_mentions_caps_a_broadcast():
    body = " ".join(f"@user{i}" for i in range(50))
    assert len(parse_mentions(body)) == 20


def test_users_mentioned_by_local_part_and_handle(analyst, other_analyst, partner):
    notification_settings_update(user=other_analyst, email=EmailPreference.NONE, handle="otto")
    found = users_mentioned([_local(analyst), "otto", _local(partner), "nobody"])
    assert found == [analyst, other_analyst]  # partners are never mentioned; unknown is nobody


def test_a_local_part_two_people_share_names_nobody(db):
    AnalystFactory(email="ann@a.example")
    AnalystFactory(email="ann@b.example")
    assert users_mentioned(["ann"]) == []


def test_handles_are_unique_and_checked(analyst, other_analyst):
    notification_settings_update(user=analyst, email=EmailPreference.NONE, handle="@Aiko")
    with pytest.raises(ValidationError):
        notification_settings_update(user=other_analyst, email=EmailPreference.NONE, handle="aiko")
    with pytest.raises(ValidationError):
        notification_settings_update(user=other_analyst, email=EmailPreference.NONE, handle="a b")
    with pytest.raises(ValidationError):
        notification_settings_update(user=other_analyst, email="sometimes", handle="")


# ---- mentions ------------------------------------------------------------------------------


def test_a_mention_notifies_the_colleague_once_never_the_author(analyst, other_analyst):
    record = AgreementFactory()
    body = f"@{_local(other_analyst)} see this, @{_local(other_analyst)}; me: @{_local(analyst)}"
    note = annotation_create(author=analyst, body=body, record=record)

    assert _kinds(other_analyst) == [NotificationKind.MENTION]
    assert _kinds(analyst) == []
    n = Notification.objects.get(recipient=other_analyst)
    assert (n.actor, n.note, n.record) == (analyst, note, record)

    # Editing the note does not tell them again; a newly mentioned colleague is told.
    third = AnalystFactory()
    annotation_update(
        annotation=note, user=analyst, expected_version=1, body=f"{body} and @{_local(third)}"
    )
    assert _kinds(other_analyst) == [NotificationKind.MENTION]
    assert _kinds(third) == [NotificationKind.MENTION]


def test_a_private_note_notifies_nobody(analyst, other_analyst):
    annotation_create(
        author=analyst,
        body=f"@{_local(other_analyst)}",
        record=AgreementFactory(),
        visibility=AnnotationVisibility.PRIVATE,
    )
    assert Notification.objects.count() == 0
    # The same words in a team note do tell them.
    annotation_create(author=analyst, body=f"@{_local(other_analyst)}", record=AgreementFactory())
    assert Notification.objects.count() == 1


def test_partners_are_not_mentioned_from_a_team_note(analyst, partner):
    record = AgreementFactory(visibility=Visibility.PUBLISHED)
    annotation_create(author=analyst, body=f"@{_local(partner)}", record=record)
    annotation_create(
        author=analyst,
        body=f"@{_local(partner)}",
        record=record,
        visibility=AnnotationVisibility.PARTNERS,
    )
    assert Notification.objects.filter(recipient=partner).count() == 0


def test_a_partners_note_may_mention_staff(analyst, partner):
    record = AgreementFactory(visibility=Visibility.PUBLISHED)
    partner_note_create(author=partner, body=f"@{_local(analyst)} a question", record=record)
    assert _kinds(analyst) == [NotificationKind.MENTION]


def test_a_mention_on_an_excerpt_note(analyst, other_analyst):
    excerpt = ExcerptFactory()
    annotation_create(author=analyst, body=f"@{_local(other_analyst)}", excerpt=excerpt)
    assert _kinds(other_analyst) == [NotificationKind.MENTION]


# ---- visibility ----------------------------------------------------------------------------


def test_a_note_made_private_hides_its_notification(analyst, other_analyst):
    note = annotation_create(
        author=analyst, body=f"@{_local(other_analyst)}", record=AgreementFactory()
    )
    assert unread_notification_count(other_analyst) == 1
    annotation_update(
        annotation=note,
        user=analyst,
        expected_version=1,
        visibility=AnnotationVisibility.PRIVATE,
    )
    assert unread_notification_count(other_analyst) == 0
    with pytest.raises(Http404):
        notification_mark_read(user=other_analyst, notification_id=Notification.objects.get().pk)


def test_a_record_in_the_trash_hides_its_notifications(analyst, other_analyst, curator):
    record = AgreementFactory()
    annotation_create(author=analyst, body=f"@{_local(other_analyst)}", record=record)
    assert unread_notification_count(other_analyst) == 1
    tracked_delete(instance=record, user=curator)
    assert unread_notification_count(other_analyst) == 0


def test_partners_never_see_notifications_about_what_they_cannot_read(analyst, partner):
    # Written directly: no service sends a partner these, and pages must still hold.
    record = AgreementFactory(visibility=Visibility.INTERNAL)
    staff_note = annotation_create(author=analyst, body="team only", record=record)
    Notification.objects.create(
        recipient=partner,
        kind="change",
        spine=None,
        note=staff_note,
        created_at=timezone.now(),
    )
    Notification.objects.create(
        recipient=partner,
        kind="change",
        created_at=timezone.now(),
        spine_id=record.spine_id,
    )
    assert unread_notification_count(partner) == 0
    assert list(notifications_visible_to(partner)) == []


def test_anonymous_has_no_notifications_and_no_query(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert unread_notification_count(AnonymousUser()) == 0


# ---- watching, owners, status --------------------------------------------------------------


def test_watchers_hear_of_changes_notes_replies_and_status(analyst, other_analyst, curator):
    recommendation = RecommendationFactory()
    assert watch_toggle(user=other_analyst, record=recommendation) is True

    recommendation = tracked_update(
        instance=recommendation, user=analyst, data={"title": "Renamed"}, expected_version=1
    )
    note = annotation_create(author=analyst, body="A thought", record=recommendation)
    annotation_create(author=curator, body="A reply", parent=note)
    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Reviewing",
    )
    kinds = _kinds(other_analyst)
    assert sorted(kinds) == sorted(["change", "note", "reply", "status"])
    status = notifications_visible_to(other_analyst).get(kind="status")
    assert status.detail == "Proposed → Under review"
    # The note's author hears of the reply to it.
    assert _kinds(analyst) == ["reply"]

    assert watch_toggle(user=other_analyst, record=recommendation) is False
    tracked_update(
        instance=recommendation, user=analyst, data={"title": "Again"}, expected_version=None
    )
    assert len(_kinds(other_analyst)) == 4


def test_watchers_do_not_hear_of_a_private_note(analyst, other_analyst):
    record = AgreementFactory()
    watch_toggle(user=other_analyst, record=record)
    annotation_create(
        author=analyst, body="mine", record=record, visibility=AnnotationVisibility.PRIVATE
    )
    assert _kinds(other_analyst) == []


def test_partners_cannot_watch(partner):
    with pytest.raises(PermissionDenied):
        watch_toggle(user=partner, record=AgreementFactory(visibility=Visibility.PUBLISHED))


def test_assigning_an_owner_notifies_the_owner(analyst, other_analyst):
    recommendation = RecommendationFactory(user=analyst, owner=other_analyst)
    assert _kinds(other_analyst) == ["owner"]
    third = AnalystFactory()
    tracked_update(
        instance=recommendation, user=analyst, data={"owner": third}, expected_version=None
    )
    assert _kinds(third) == ["owner"]
    # Making yourself owner tells nobody.
    tracked_update(
        instance=recommendation, user=analyst, data={"owner": analyst}, expected_version=None
    )
    assert _kinds(analyst) == []


# ---- marking read --------------------------------------------------------------------------


def test_mark_read_refuses_another_users_notification(analyst, other_analyst):
    annotation_create(author=analyst, body=f"@{_local(other_analyst)}", record=AgreementFactory())
    notification = Notification.objects.get()
    for bad in (notification.pk, "x", None, 10**9):
        with pytest.raises(Http404):
            notification_mark_read(user=analyst, notification_id=bad)
    notification_mark_read(user=other_analyst, notification_id=notification.pk)
    assert Notification.objects.get().read_at is not None


@pytest.mark.django_db(transaction=True)
def test_mark_all_read_at_once_marks_each_once():
    author, reader = AnalystFactory(), AnalystFactory()
    record = AgreementFactory()
    for i in range(10):
        annotation_create(author=author, body=f"@{_local(reader)} {i}", record=record)
    barrier = threading.Barrier(3, timeout=20)
    counts, errors = [], []

    def mark():
        try:
            barrier.wait()
            counts.append(notification_mark_all_read(user=reader))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=mark) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 10
    assert unread_notification_count(reader) == 0


# ---- e-mail --------------------------------------------------------------------------------


def test_immediate_email_after_commit(analyst, other_analyst, django_capture_on_commit_callbacks):
    notification_settings_update(user=other_analyst, email=EmailPreference.IMMEDIATELY)
    with django_capture_on_commit_callbacks(execute=True):
        annotation_create(
            author=analyst, body=f"@{_local(other_analyst)}", record=AgreementFactory()
        )
    assert [m.to for m in mail.outbox] == [[other_analyst.email]]
    assert "mentioned you" in mail.outbox[0].body


def test_send_digests_sends_one_email_of_the_last_day(analyst, other_analyst, capsys):
    curator = CuratorFactory()
    notification_settings_update(user=other_analyst, email=EmailPreference.DAILY)
    record = AgreementFactory(title="Digest record")
    for i in range(3):
        annotation_create(author=analyst, body=f"@{_local(other_analyst)} {i}", record=record)
    # Older than a day: not in the digest. Someone without a digest: no e-mail.
    Notification.objects.filter(pk=Notification.objects.order_by("pk").first().pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    annotation_create(author=analyst, body=f"@{_local(curator)}", record=record)

    call_command("send_digests")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [other_analyst.email]
    assert message.body.count("Digest record") == 2
    assert "Sent 1 digest" in capsys.readouterr().out
    # Run again: nothing twice.
    assert send_digests() == 0
    assert len(mail.outbox) == 1


def test_digest_leaves_out_what_the_reader_can_no_longer_read(analyst, other_analyst):
    notification_settings_update(user=other_analyst, email=EmailPreference.DAILY)
    note = annotation_create(
        author=analyst, body=f"@{_local(other_analyst)}", record=AgreementFactory()
    )
    annotation_update(
        annotation=note, user=analyst, expected_version=1, visibility=AnnotationVisibility.PRIVATE
    )
    assert send_digests() == 0
    assert mail.outbox == []


def test_a_failing_mail_server_does_not_fail_the_write(
    analyst, other_analyst, django_capture_on_commit_callbacks, monkeypatch
):
    from cooperation.services import notifications

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    notification_settings_update(user=other_analyst, email=EmailPreference.IMMEDIATELY)
    with django_capture_on_commit_callbacks(execute=True):
        annotation_create(
            author=analyst, body=f"@{_local(other_analyst)}", record=AgreementFactory()
        )
    notification = Notification.objects.get()
    assert notification.emailed_at is None  # left for the next e-mail to carry
    notification_settings_update(user=other_analyst, email=EmailPreference.DAILY)
    assert send_digests() == 0


def test_watchers_hear_of_publishing_and_a_restore(analyst, other_analyst, curator):
    from cooperation.services import record_publish, tracked_restore_version

    record = AgreementFactory()
    watch_toggle(user=other_analyst, record=record)
    first = record.history.order_by("history_id").first().history_id
    record = tracked_update(
        instance=record, user=analyst, data={"summary": "New"}, expected_version=1
    )
    record_publish(record=record, user=curator)
    tracked_restore_version(instance=record, history_id=first, user=curator)
    details = list(
        notifications_visible_to(other_analyst).order_by("pk").values_list("detail", flat=True)
    )
    assert details[0] == "Summary"
    assert details[1] == "Internal → Published"
    assert details[2].startswith("Restored (")
