"""Annotations: notes on records or excerpts, threaded, with visibility and resolution."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.history import CHANGED, CREATED
from cooperation.models import Annotation, Excerpt, Record
from cooperation.permissions import require
from cooperation.services import notifications
from cooperation.services.common import acting_user, ensure_live, save_with_history
from cooperation.services.tracked import check_version, lock, move_to_trash

MAX_BODY_CHARS = 20_000
_VISIBILITY_RANK = {
    AnnotationVisibility.PRIVATE: 0,
    AnnotationVisibility.TEAM: 1,
    AnnotationVisibility.PARTNERS: 2,
}


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError({"body": f"Keep it under {MAX_BODY_CHARS:,} characters."})
    return body


@transaction.atomic
def annotation_create(
    *,
    author,
    body: str,
    record: Record | None = None,
    excerpt: Excerpt | None = None,
    parent: Annotation | None = None,
    motivation: str = AnnotationMotivation.COMMENT,
    visibility: str = AnnotationVisibility.TEAM,
) -> Annotation:
    """A note on a record, on an excerpt, or a reply in an existing thread."""
    require(
        author,
        "create",
        record or excerpt or parent,
        kind="annotation",
        message="You do not have permission to do this (cooperation.add_annotation).",
    )
    if visibility not in _VISIBILITY_RANK:
        raise ValidationError({"visibility": f"Unknown visibility {visibility!r}."})
    if sum(x is not None for x in (record, excerpt, parent)) != 1:
        raise ValidationError(
            "An annotation is on one record, one excerpt, or replies to one note."
        )
    annotation = Annotation(
        author=author,
        body=_clean_body(body),
        motivation=motivation,
        visibility=visibility,
    )
    if parent is not None:
        if parent.is_deleted:
            raise ValidationError({"parent": "That note has been deleted."})
        require(author, "reply", parent, message="That note is private to its author.")
        if _VISIBILITY_RANK[visibility] > _VISIBILITY_RANK[parent.visibility]:
            # A reply must not show a private or team thread to a wider audience.
            raise ValidationError(
                {"visibility": "A reply cannot be seen more widely than the note it answers."}
            )
        root = parent
        annotation.parent = parent
        annotation.content_type_id, annotation.object_id = root.content_type_id, root.object_id
        annotation.excerpt_id = root.excerpt_id
        # A reply is read by whoever reads its thread (a partner organisation's, or shared).
        annotation.organisation_id = parent.organisation_id
        save_with_history(
            annotation,
            user=author,
            kind=CREATED,
            reason="Created",
            m2m={"shared_with": list(parent.shared_with.all())},
        )
        notifications.note_written(annotation)
        return annotation
    elif record is not None:
        ensure_live(record, "This record")
        annotation.content_type = ContentType.objects.get_for_model(record)
        annotation.object_id = record.pk
    else:
        ensure_live(excerpt, "This excerpt")
        annotation.excerpt = excerpt
    save_with_history(annotation, user=author, kind=CREATED, reason="Created")
    notifications.note_written(annotation)
    return annotation


@transaction.atomic
def annotation_update(
    *,
    annotation: Annotation,
    user,
    expected_version: int | None,
    body: str | None = None,
    motivation: str | None = None,
    visibility: str | None = None,
) -> Annotation:
    current = lock(annotation)
    if current.is_deleted:
        raise ValidationError("This note has been deleted.")
    require(user, "edit", current, message="Only the author can edit this note.")
    check_version(current, expected_version)
    if visibility is not None and visibility != current.visibility:
        _check_visibility_within_thread(current, visibility)
    changed = False
    for name, value in (
        ("body", _clean_body(body) if body is not None else None),
        ("motivation", motivation),
        ("visibility", visibility),
    ):
        if value is not None and getattr(current, name) != value:
            setattr(current, name, value)
            changed = True
    if changed:
        current.version += 1
        save_with_history(current, user=user, kind=CHANGED, reason="Edited")
        notifications.note_written(current)
    return current


def _check_visibility_within_thread(note: Annotation, visibility: str) -> None:
    """A note is never seen more widely than its parent, nor less widely than its replies."""
    if visibility not in _VISIBILITY_RANK:
        raise ValidationError({"visibility": f"Unknown visibility {visibility!r}."})
    rank = _VISIBILITY_RANK[visibility]
    if note.parent_id is not None and rank > _VISIBILITY_RANK[note.parent.visibility]:
        raise ValidationError(
            {"visibility": "A reply cannot be seen more widely than the note it answers."}
        )
    widest_reply = max(
        (_VISIBILITY_RANK[v] for v in note.replies.live().values_list("visibility", flat=True)),
        default=-1,
    )
    if rank < widest_reply:
        raise ValidationError(
            {"visibility": "Replies to this note are seen more widely; narrow them first."}
        )


@transaction.atomic
def annotation_delete(*, annotation: Annotation, user) -> Annotation:
    """The author (or a moderator) hides a note; it stays in history and its replies stay."""
    current = lock(annotation)
    if current.is_deleted:
        return current
    require(user, "delete", current, message="Only the author can change this note.")
    return move_to_trash(current, user=user, reason="Deleted")


@transaction.atomic
def annotation_resolve(*, annotation: Annotation, user, resolved: bool = True) -> Annotation:
    """Mark a thread resolved (or reopen it). Only the root of a thread is resolved."""
    current = lock(annotation)
    if current.is_deleted:
        raise ValidationError("This note has been deleted.")
    if current.parent_id is not None:
        raise ValidationError("Resolve the thread from its first note.")
    require(user, "resolve", current, message="Only the author can change this note.")
    if current.resolved == resolved:
        return current
    current.resolved = resolved
    current.resolved_by = acting_user(user) if resolved else None
    current.resolved_at = timezone.now() if resolved else None
    current.version += 1
    save_with_history(
        current, user=user, kind=CHANGED, reason="Resolved" if resolved else "Reopened"
    )
    return current


def _thread(root: Annotation) -> list[Annotation]:
    """The root and every reply under it, at any depth, locked, in the trash or not."""
    notes, level = [root], [root.pk]
    while level:
        replies = list(Annotation.all_objects.select_for_update().filter(parent_id__in=level))
        notes.extend(replies)
        level = [note.pk for note in replies]
    return notes


@transaction.atomic
def annotation_share(*, annotation: Annotation, user, organisations) -> Annotation:
    """A curator chooses which partner organisations read a partners thread.

    A partner organisation's thread is always read by that organisation and staff;
    sharing adds others. A staff thread marked "partners" is read by every partner
    organisation while `organisations` is empty, and only by those named otherwise.
    Every note of the thread as it stands (root and replies, a partner's replies
    included) takes the same sharing, each with a history row; replies written
    later inherit it, except a partner's, which stay their organisation's until
    shared again.
    """
    from accounts.models import Organisation

    root = lock(annotation)
    if root.parent_id is not None:
        raise ValidationError("Share the thread from its first note.")
    if root.visibility != AnnotationVisibility.PARTNERS:
        raise ValidationError(
            {"visibility": "Only notes visible to partners are shared with partner organisations."}
        )
    require(user, "share", root, message="Curators share threads with partner organisations.")
    chosen = list(Organisation.objects.filter(pk__in=[o.pk for o in organisations]))
    if len(chosen) != len({o.pk for o in organisations}) or any(not o.is_partner for o in chosen):
        raise ValidationError({"organisations": "Choose partner organisations."})
    chosen = [o for o in chosen if o.pk != root.organisation_id]
    names = ", ".join(sorted(o.name for o in chosen))
    if chosen:
        reason = f"Shared with {names}"
    elif root.organisation_id is None:
        reason = "Open to every partner organisation"
    else:
        reason = "Shared with no other organisation"
    wanted = {o.pk for o in chosen}
    for note in _thread(root):
        if set(note.shared_with.values_list("pk", flat=True)) == wanted:
            continue
        note.version += 1
        save_with_history(note, user=user, kind=CHANGED, reason=reason, m2m={"shared_with": chosen})
    return Annotation.all_objects.get(pk=root.pk)
