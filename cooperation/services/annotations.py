"""The one notes service: every write to a note (Annotation), staff's and partners' alike.

A note is on a record, on an excerpt, or replies in a thread; it has a visibility
(private < team < partners) and, for partners, an audience (the organisation whose
thread it is, and those a curator shares it with). Each function below is one write:
it owns its transaction and its row locks, validates once, asks
cooperation.permissions (`require`, `note_audience`) who may do it, and writes one
history row per note it changes. A partner's note differs from an analyst's only by
data (`note_audience`: its visibilities and organisation), never by a second path;
tests/cooperation/services/test_one_notes_service.py fails if one appears.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.history import CHANGED, CREATED
from cooperation.models import Annotation, Excerpt, Record
from cooperation.permissions import note_audience, require
from cooperation.selectors import (
    api_annotations_visible_to,
    excerpts_visible_to,
    records_visible_to,
)
from cooperation.services import notifications
from cooperation.services.common import (
    acting_user,
    ensure_live,
    live_tag_ids,
    save_with_history,
)
from cooperation.services.tracked import check_version, lock, move_to_trash

MAX_BODY_CHARS = 20_000

WIDER_THAN_PARENT = "A reply cannot be seen more widely than the note it answers."
NARROWER_THAN_REPLIES = (
    "Replies to this note are seen more widely than that; "
    "it cannot be made more restricted than its replies."
)


# -- validation, once ------------------------------------------------------------------------


def visibility_rank(visibility: str) -> int:
    """private < team < partners: the order in which the choices widen the audience."""
    return AnnotationVisibility.values.index(visibility)


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError({"body": f"Keep it under {MAX_BODY_CHARS:,} characters."})
    return body


def _clean_motivation(motivation: str) -> str:
    if motivation not in AnnotationMotivation.values:
        raise ValidationError({"motivation": f"Unknown motivation {motivation!r}."})
    return motivation


def _clean_visibility(user, visibility: str | None) -> str:
    """The visibility asked for (or the author's default), if the author may give it."""
    audience = note_audience(user)
    if visibility is None:
        return audience.default
    if visibility not in AnnotationVisibility.values:
        raise ValidationError({"visibility": f"Unknown visibility {visibility!r}."})
    if visibility not in audience.visibilities:
        raise ValidationError({"visibility": "Partners' notes are visible to partners."})
    return visibility


def check_visibility_within_thread(note: Annotation, visibility: str) -> None:
    """A note is never seen more widely than its parent, nor less widely than its replies.

    The edit form asks this too, to show the refusal on its field.
    """
    rank = visibility_rank(visibility)
    if note.parent_id is not None and rank > visibility_rank(note.parent.visibility):
        raise ValidationError({"visibility": WIDER_THAN_PARENT})
    if note.pk is None:
        return
    replies = note.replies.live().values_list("visibility", flat=True)
    if any(visibility_rank(v) > rank for v in replies):
        raise ValidationError({"visibility": NARROWER_THAN_REPLIES})


def _ensure_readable(author, record, excerpt, parent) -> None:
    # What the author may not read does not exist for them: 404, as when reading it.
    if (
        record is not None
        and not records_visible_to(author, type(record)).filter(pk=record.pk).exists()
    ):
        raise Http404("No such record.")
    if excerpt is not None and not excerpts_visible_to(author).filter(pk=excerpt.pk).exists():
        raise Http404("No such excerpt.")
    if parent is not None and not api_annotations_visible_to(author).filter(pk=parent.pk).exists():
        raise Http404("No such note.")


# -- the writes --------------------------------------------------------------------------------


@transaction.atomic
def annotation_create(
    *,
    author,
    body: str,
    record: Record | None = None,
    excerpt: Excerpt | None = None,
    parent: Annotation | None = None,
    motivation: str = AnnotationMotivation.COMMENT,
    visibility: str | None = None,
    token=None,
) -> Annotation:
    """A note on a record, on an excerpt, or a reply in an existing thread.

    Staff and partners alike (a partner through a write-enabled API token, `token`).
    `visibility` defaults to the author's (`note_audience`): team for staff, partners for
    a partner. A reply joins its thread's target and, written by staff, its audience.
    """
    if sum(x is not None for x in (record, excerpt, parent)) != 1:
        raise ValidationError(
            "An annotation is on one record, one excerpt, or replies to one note."
        )
    require(
        author,
        "create",
        record or excerpt or parent,
        token=token,
        kind="annotation",
        message="You do not have permission to do this (cooperation.add_annotation).",
    )
    audience = note_audience(author)
    annotation = Annotation(
        author=author,
        body=_clean_body(body),
        motivation=_clean_motivation(motivation),
        visibility=_clean_visibility(author, visibility),
        organisation_id=audience.organisation_id,
    )
    shared_with = None
    if parent is not None:
        if parent.is_deleted:
            raise ValidationError({"parent": "That note has been deleted."})
        require(author, "reply", parent, token=token, message="That note is private to its author.")
        _ensure_readable(author, None, None, parent)
        annotation.parent = parent
        annotation.spine_id = parent.spine_id
        annotation.excerpt_id = parent.excerpt_id
        check_visibility_within_thread(annotation, annotation.visibility)
        if audience.organisation_id is None:
            # Staff's reply is read by whoever reads its thread (an organisation's, or shared).
            annotation.organisation_id = parent.organisation_id
            shared_with = list(parent.shared_with.all())
    elif record is not None:
        ensure_live(record, "This record")
        _ensure_readable(author, record, None, None)
        annotation.spine_id = record.spine_id
    else:
        ensure_live(excerpt, "This excerpt")
        _ensure_readable(author, None, excerpt, None)
        annotation.excerpt = excerpt
    reason = "Created" if audience.organisation_id is None else "Created by partner"
    save_with_history(
        annotation,
        user=author,
        kind=CREATED,
        reason=reason,
        m2m={"shared_with": shared_with} if shared_with else None,
    )
    notifications.note_written(annotation)
    return annotation


@transaction.atomic
def annotation_edit(
    *,
    annotation: Annotation,
    user,
    expected_version: int | None,
    body: str | None = None,
    motivation: str | None = None,
    visibility: str | None = None,
    resolved: bool | None = None,
    tags=None,
) -> Annotation:
    """Change a note at the version the caller read: its text, motivation and visibility,
    its tags, and whether its thread is resolved, all or nothing, as one version and one
    history row.

    Editing is the author's; resolving a thread (from its first note) the author's or a
    moderator's. A stale `expected_version` is a ConflictError and changes nothing.
    """
    current = lock(annotation)
    check_version(current, expected_version)
    if current.is_deleted:
        raise ValidationError("This note has been deleted.")
    changes = {
        name: value
        for name, value in (("body", body), ("motivation", motivation), ("visibility", visibility))
        if value is not None
    }
    if changes:
        require(user, "edit", current, message="Only the author can edit this note.")
    if "body" in changes:
        changes["body"] = _clean_body(changes["body"])
    if "motivation" in changes:
        _clean_motivation(changes["motivation"])
    if "visibility" in changes and changes["visibility"] != current.visibility:
        _clean_visibility(user, changes["visibility"])
        check_visibility_within_thread(current, changes["visibility"])
    if resolved is not None:
        if current.parent_id is not None:
            raise ValidationError("Resolve the thread from its first note.")
        require(user, "resolve", current, message="Only the author can change this note.")
    new_tags = None
    if tags is not None:
        require(user, "tag", current, message="Only the note's author can tag it.")
        new_tags = live_tag_ids(tags)
        if new_tags == set(current.tags.values_list("pk", flat=True)):
            new_tags = None
    reasons = []
    for name, value in changes.items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            if "Edited" not in reasons:
                reasons.append("Edited")
    if resolved is not None and current.resolved != resolved:
        current.resolved = resolved
        current.resolved_by = acting_user(user) if resolved else None
        current.resolved_at = timezone.now() if resolved else None
        reasons.append("Resolved" if resolved else "Reopened")
    if new_tags is not None:
        reasons.append("Tags changed")
    if reasons:
        current.version += 1
        reason = reasons[0] if len(reasons) == 1 else f"{reasons[0]} and {reasons[1].lower()}"
        m2m = {"tags": sorted(new_tags)} if new_tags is not None else None
        save_with_history(current, user=user, kind=CHANGED, reason=reason, m2m=m2m)
        if reasons != ["Tags changed"]:
            notifications.note_written(current)
    return current


def annotation_update(*, annotation: Annotation, user, expected_version: int | None, **changes):
    """`annotation_edit` of the text, motivation or visibility (the workspace's edit form)."""
    return annotation_edit(
        annotation=annotation, user=user, expected_version=expected_version, **changes
    )


def annotation_resolve(*, annotation: Annotation, user, resolved: bool = True) -> Annotation:
    """`annotation_edit` that marks a thread resolved (or reopens it), at any version."""
    return annotation_edit(
        annotation=annotation, user=user, expected_version=None, resolved=resolved
    )


@transaction.atomic
def annotation_delete(
    *, annotation: Annotation, user, expected_version: int | None = None
) -> Annotation:
    """The author (or a moderator) hides a note; it stays in history and its replies stay.

    With `expected_version`, only if nobody saved it since (ConflictError otherwise).
    """
    current = lock(annotation)
    check_version(current, expected_version)
    if current.is_deleted:
        return current
    require(user, "delete", current, message="Only the author can change this note.")
    return move_to_trash(current, user=user, reason="Deleted")


@transaction.atomic
def annotation_undelete(*, annotation: Annotation, user) -> Annotation:
    """Bring a deleted note back, as a new version: whoever could delete it may."""
    current = lock(annotation)
    if not current.is_deleted:
        return current
    require(user, "untrash", current, message="Only the author can change this note.")
    current.deleted_at = None
    current.deleted_by = None
    current.version += 1
    save_with_history(current, user=user, kind=CHANGED, reason="Restored from trash")
    return current


def annotations_follow_merge(*, duplicate: Record, keep: Record, user) -> None:
    """The notes on a merged duplicate now hang on the kept record, each with a history row.

    Part of `records.record_merge`, inside its transaction, which asked for the merge.
    """
    for note in Annotation.all_objects.select_for_update().filter(spine_id=duplicate.spine_id):
        note.spine_id = keep.spine_id
        note.version += 1
        save_with_history(note, user=user, kind=CHANGED, reason=f"Moved with merge into #{keep.pk}")


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
