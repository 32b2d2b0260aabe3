"""Notifications: who is told what, written here and nowhere else.

Other services call one function each, inside their own transaction, after their write:
`note_written(note)` (a note created or edited: @mentions, and for a new note the
record's watchers and the author of the note it answers), `record_created(record,
user=)` and `record_changed(record, user=, fields=)` (an owner given; watchers told of a
change), `status_moved(change, user=)` (watchers told of a recommendation's status move).

Who is told, decided once here:
- Only internal users who may read the thing now (`can(user, "read", note)`; live
  records). A private note therefore notifies nobody: its author is its only reader,
  and nobody is told about their own writing. Partners are never notified of a
  mention or of a staff note they cannot read.
- One notification per person per note: a person mentioned in a new note on a
  record they watch is told once (the mention); editing a note tells only those
  newly mentioned.
- Pages show a notification only while its recipient may still read its record and
  note (`selectors.notifications_visible_to`), so a note made private or a record in
  the trash drops out of the bell and the page.

E-mail: each person chooses none, one e-mail per notification (sent after the
write commits) or a daily digest (`send_digests`, the management command).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from cooperation.choices import EmailPreference, NotificationKind
from cooperation.models import Annotation, Notification, NotificationSettings, Record, Watch
from cooperation.models.spine import with_records
from cooperation.permissions import can, portal
from cooperation.selectors import internal_users, notifications_visible_to, records_visible_to
from cooperation.services.common import acting_user, full_clean

logger = logging.getLogger(__name__)

# `@name`: not inside a word or an address (ann@example.org mentions nobody), ending on a
# letter or digit (a sentence's full stop or a comma is not part of the name).
MENTION = re.compile(r"(?<![\w@.+-])@([a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)(?![\w@-])", re.I)
HANDLE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,38}[a-z0-9])?$")
# More names than this in one note is a broadcast, not a mention: the rest are ignored.
MAX_MENTIONS = 20


def parse_mentions(body: str) -> list[str]:
    """The names a note's text mentions, lower-cased, each once, in order of appearance."""
    names: list[str] = []
    for match in MENTION.finditer(body or ""):
        name = match.group(1).lower()
        if name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def users_mentioned(names: list[str]) -> list:
    """The active internal users `names` name: a handle, else an e-mail's local part.

    A handle wins over a local part; a local part that two people share (ann@a.org,
    ann@b.org) names nobody, since the writer cannot have meant both.
    """
    named = _named(names)
    found, seen = [], set()
    for name in names:
        user = named.get(name)
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            found.append(user)
    return found


def _named(names: list[str]) -> dict:
    """{name: the one user it names} for each of `names` that names exactly one person."""
    if not names:
        return {}
    by_handle = {
        s.handle: s.user_id
        for s in NotificationSettings.objects.filter(handle__in=names).only("handle", "user_id")
    }
    local = Q()
    for name in names:
        if name not in by_handle:
            local |= Q(email__istartswith=f"{name}@")
    # One query: everyone a handle names, and everyone whose address starts "name@".
    candidates = internal_users().filter(Q(pk__in=list(by_handle.values())) | local)
    users = {user.pk: user for user in candidates}
    named = {}
    for name in names:
        if name in by_handle:
            pks = [by_handle[name]] if by_handle[name] in users else []
        else:
            pks = [pk for pk, u in users.items() if u.email.lower().split("@")[0] == name]
        if len(pks) == 1:
            named[name] = users[pks[0]]
    return named


# A name being typed after "@": what MENTION accepts of a name's start.
MENTION_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$", re.I)


def mention_candidates(prefix: str, *, limit: int = 8) -> list[dict]:
    """Whom `@<prefix>` could go on to mention, for completion in the note forms.

    Each is offered under the one name `users_mentioned` resolves to them (their handle,
    else their e-mail's local part); someone no name reaches (a local part two people
    share, or one another person's handle takes) is not offered. Reading only.
    """
    prefix = (prefix or "").lower()
    if not MENTION_PREFIX.match(prefix):
        return []
    people = list(
        internal_users()
        .filter(
            Q(email__istartswith=prefix)
            | Q(notification_settings__handle__startswith=prefix)
            | Q(full_name__icontains=prefix)
        )
        .select_related("notification_settings")[: limit * 3]
    )
    names = {}
    for person in people:
        settings_row = getattr(person, "notification_settings", None)
        handle = getattr(settings_row, "handle", "") or ""
        names[person.pk] = handle or person.email.lower().split("@")[0]
    named = _named(list(set(names.values())))
    offered = [
        {"name": name, "label": person.full_name or person.email}
        for person in people
        if (name := names[person.pk]) in named and named[name].pk == person.pk
    ]
    return offered[:limit]


# ---- who reads what -----------------------------------------------------------------------


def _reads_note(user, note: Annotation) -> bool:
    return bool(portal(user, "notifications") and can(user, "read", note))


def _reads_record(user, record: Record) -> bool:
    return bool(
        portal(user, "notifications")
        and records_visible_to(user, type(record)).filter(pk=record.pk).exists()
    )


def watchers_of(record: Record):
    pks = Watch.objects.filter(spine_id=record.spine_id).values("user_id")
    return get_user_model().objects.filter(pk__in=pks, is_active=True)


def _notify(recipients, *, kind: str, actor, record=None, note=None, detail: str = "") -> list:
    actor = acting_user(actor)
    now = timezone.now()
    rows = [
        Notification(
            recipient=recipient,
            actor=actor,
            kind=kind,
            spine_id=record.spine_id if record is not None else None,
            note=note,
            detail=detail[:200],
            created_at=now,
        )
        for recipient in recipients
        if actor is None or recipient.pk != actor.pk
    ]
    created = Notification.objects.bulk_create(rows)
    _email_soon([n.recipient_id for n in created])
    return created


# ---- the hooks other services call --------------------------------------------------------


@transaction.atomic
def note_written(note: Annotation) -> list:
    """A note was created or edited: tell who it mentions, and for a new note its watchers."""
    record = note.target_record
    if note.is_deleted or (record is not None and record.is_deleted):
        return []
    told = set(Notification.objects.filter(note=note).values_list("recipient_id", flat=True)) | {
        note.author_id
    }
    created = []
    mentioned = [u for u in users_mentioned(parse_mentions(note.body)) if u.pk not in told]
    mentioned = [u for u in mentioned if _reads_note(u, note)]
    created += _notify(
        mentioned, kind=NotificationKind.MENTION, actor=note.author, record=record, note=note
    )
    told |= {u.pk for u in mentioned}
    if note.version == 1:  # new: not on every edit
        audience = []
        if note.parent_id is not None:
            audience.append(note.parent.author)
        if record is not None:
            audience += list(watchers_of(record))
        kind = NotificationKind.REPLY if note.parent_id else NotificationKind.NOTE
        unique = {u.pk: u for u in audience if u.pk not in told}
        readers = [u for u in unique.values() if _reads_note(u, note)]
        created += _notify(readers, kind=kind, actor=note.author, record=record, note=note)
    return created


@transaction.atomic
def record_created(record, *, user) -> list:
    """A new record: its owner, if someone else made them owner, is told."""
    owner = getattr(record, "owner", None)
    if not isinstance(record, Record) or owner is None or not _reads_record(owner, record):
        return []
    return _notify([owner], kind=NotificationKind.OWNER, actor=user, record=record)


@transaction.atomic
def record_changed(record, *, user, fields: list[str], detail: str = "") -> list:
    """A record's `fields` changed (or `detail` says what happened to it, e.g. a restore):
    a new owner is told so; its watchers that it changed."""
    if not isinstance(record, Record) or not (fields or detail):
        return []
    created, told = [], set()
    owner = getattr(record, "owner", None)
    if "owner" in fields and owner is not None and _reads_record(owner, record):
        created += _notify([owner], kind=NotificationKind.OWNER, actor=user, record=record)
        told.add(owner.pk)
    names = detail or ", ".join(
        str(record._meta.get_field(name).verbose_name).capitalize() for name in fields
    )
    watchers = [u for u in watchers_of(record) if u.pk not in told and _reads_record(u, record)]
    created += _notify(
        watchers, kind=NotificationKind.CHANGE, actor=user, record=record, detail=names
    )
    return created


@transaction.atomic
def status_moved(change, *, user) -> list:
    """A recommendation's status moved (`change`: its RecommendationStatusChange)."""
    record = change.recommendation
    detail = f"{change.get_from_status_display()} → {change.get_to_status_display()}"
    watchers = [u for u in watchers_of(record) if _reads_record(u, record)]
    return _notify(watchers, kind=NotificationKind.STATUS, actor=user, record=record, detail=detail)


# ---- what a person does with their notifications ------------------------------------------


def _person(user) -> None:
    if not portal(user, "notifications"):
        raise PermissionDenied("Notifications are for staff accounts.")


@transaction.atomic
def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of `user`'s notifications read; anyone else's (or an unknown id) is a 404."""
    _person(user)
    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise Http404("No such notification.") from None
    notification = notifications_visible_to(user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # Only if still unread: two tabs marking it at once keep the first time.
        Notification.objects.filter(pk=pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; how many this call marked.

    One UPDATE of unread rows: two at once (two tabs) mark each row once between them.
    """
    _person(user)
    return (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .filter(pk__in=notifications_visible_to(user).values("pk"))
        .update(read_at=timezone.now())
    )


@transaction.atomic
def watch_toggle(*, user, record: Record, watch: bool | None = None) -> bool:
    """Start or stop watching `record` (toggle when `watch` is None); whether `user` watches."""
    _person(user)
    if not _reads_record(user, record):
        raise Http404("No such record.")
    existing = Watch.objects.filter(user=user, spine_id=record.spine_id)
    watching = existing.exists()
    wanted = (not watching) if watch is None else watch
    if wanted and not watching:
        try:
            with transaction.atomic():
                Watch.objects.create(user=user, spine_id=record.spine_id)
        except IntegrityError:
            pass  # another request of theirs got there first: watched either way
    elif not wanted and watching:
        existing.delete()
    return wanted


@transaction.atomic
def notification_settings_update(*, user, email: str, handle: str = "") -> NotificationSettings:
    """A person's e-mail choice and @handle (empty: only their e-mail's local part)."""
    _person(user)
    if email not in EmailPreference.values:
        raise ValidationError({"email": "Choose how you want to be e-mailed."})
    handle = (handle or "").strip().lstrip("@").lower()
    if handle and not HANDLE.match(handle):
        raise ValidationError({"handle": "Use 1–40 letters, digits, dots, dashes or underscores."})
    current, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    taken = (
        NotificationSettings.objects.filter(handle=handle).exclude(pk=current.pk).exists()
        if handle
        else False
    )
    if taken:
        raise ValidationError({"handle": "Someone else uses that handle."})
    current.handle = handle or None
    current.email = email
    full_clean(current)
    current.save()
    return current


# ---- e-mail -------------------------------------------------------------------------------


def _line(notification: Notification) -> str:
    actor = notification.actor or "Someone"
    what = notification.record or (notification.note.target if notification.note else None)
    line = f"{actor} {notification.get_kind_display()}"
    if what is not None:
        line += f" “{what}”" if notification.kind != NotificationKind.MENTION else f" on “{what}”"
    if notification.detail:
        line += f" ({notification.detail})"
    base = settings.CONTOURS_BASE_URL
    return f"{line}\n  {base}{notification_url(notification)}"


def notification_url(notification: Notification) -> str:
    """Where a notification leads: its record (at the note), or the note's excerpt."""
    note_anchor = f"#annotation-{notification.note_id}" if notification.note_id else ""
    if notification.record is not None:
        return notification.record.get_absolute_url() + note_anchor
    if notification.note is not None and notification.note.excerpt_id:
        return notification.note.excerpt.source.get_absolute_url() + note_anchor
    return "/notifications/"


def _email_soon(recipient_ids: list[int]) -> None:
    immediate = list(
        NotificationSettings.objects.filter(
            user_id__in=recipient_ids, email=EmailPreference.IMMEDIATELY
        ).values_list("user_id", flat=True)
    )
    if immediate:
        transaction.on_commit(lambda: _send_immediate(immediate))


def _send_immediate(user_ids: list[int]) -> None:
    # After the write committed: a mail server that fails must not turn it into an error
    # page. What was not sent stays un-e-mailed, for the next one or a digest to carry.
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True):
        try:
            _send(user, subject="Contours: {n} new notification{s}", since=None)
        except Exception:
            logger.exception("Notification e-mail to user %s failed", user.pk)


@transaction.atomic
def _send(user, *, subject: str, since) -> int:
    """E-mail `user` their unread, not yet e-mailed notifications they may read, as one."""
    pending = (
        notifications_visible_to(user)
        .filter(read_at__isnull=True, emailed_at__isnull=True)
        .select_related("actor", "note__excerpt__source", *with_records())
        .select_for_update(of=("self",))
    )
    if since is not None:
        pending = pending.filter(created_at__gte=since)
    rows = list(pending)
    if not rows:
        return 0
    body = "\n\n".join(_line(n) for n in rows)
    body += "\n\nChoose how often you hear from Contours on your notifications page."
    send_mail(
        subject.format(n=len(rows), s="" if len(rows) == 1 else "s"),
        body,
        None,
        [user.email],
    )
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
    return len(rows)


def send_digests(*, now=None) -> int:
    """E-mail each daily-digest reader their unread notifications of the last day, as one
    e-mail each; how many e-mails went. Run daily (`manage.py send_digests`)."""
    now = now or timezone.now()
    sent = 0
    readers = get_user_model().objects.filter(
        is_active=True, notification_settings__email=EmailPreference.DAILY
    )
    for user in readers:
        try:
            if _send(
                user,
                subject="Contours: your daily digest ({n} notification{s})",
                since=now - timedelta(days=1),
            ):
                sent += 1
        except Exception:  # one person's failed e-mail does not stop the others'
            logger.exception("Digest e-mail to user %s failed", user.pk)
    return sent
