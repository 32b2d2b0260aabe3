"""Annotation threads in pages. Contract used by record pages and the reader:

    {% load annotations %}
    {% annotation_thread target %}  {# a record or an Excerpt; user from context #}
    {% annotation_thread excerpt heading_level=3 %}  {# under an h2 of its own #}
    {{ annotation.body|markdown }}   {# sanitised HTML #}

A thread costs one statement whatever its length: the notes with their authors, each
note's tags (a JSON column, cooperation/json_rows.py) and whether it was edited (a
subquery on its history); the user's permissions are read from their loaded roles.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django import template
from django.db.models import Exists, OuterRef

from cooperation.forms.annotations import (
    AnnotationCreateForm,
    AnnotationEditForm,
    AnnotationReplyForm,
    target_key,
)
from cooperation.json_rows import fill_related, with_related_rows
from cooperation.markdown import EXCERPT_WORDS, render_markdown, render_markdown_excerpt
from cooperation.models import Annotation
from cooperation.permissions import can, note_actions, sees_internal
from cooperation.selectors import annotations_on
from cooperation.staff_statements import VIEWER, kept_for_staff, stand_in_viewer
from portal import statements

register = template.Library()


@dataclass
class ThreadNode:
    """One note as the page shows it, with what this user may do to it."""

    note: Annotation
    children: list[ThreadNode] = field(default_factory=list)
    edited: bool = False
    can_reply: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_resolve: bool = False
    actions: list = field(default_factory=list)
    reply_form: AnnotationReplyForm | None = None
    edit_form: AnnotationEditForm | None = None

    @property
    def deleted(self) -> bool:
        return self.note.is_deleted

    def has_live_descendant(self) -> bool:
        return any(not c.deleted or c.has_live_descendant() for c in self.children)


def build_thread(notes: list[Annotation], *, user, edited: set[int], next_url: str):
    """Nest notes under their parents; drop deleted notes that no live reply hangs from.

    A reply whose parent this user cannot see (a note made private later) is shown at
    the top level rather than lost.
    """
    nodes = {note.pk: ThreadNode(note=note, edited=note.pk in edited) for note in notes}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.note.parent_id)
        (parent.children if parent is not None else roots).append(node)

    def prune(siblings: list[ThreadNode]) -> list[ThreadNode]:
        kept = [n for n in siblings if not n.deleted or n.has_live_descendant()]
        for n in kept:
            n.children = prune(n.children)
        return kept

    roots = prune(roots)
    for node in nodes.values():
        note = node.note
        if note.is_deleted:
            continue
        # The buttons shown are the actions the one permission table allows.
        node.actions = note_actions(user, note)
        node.can_reply = "reply" in node.actions
        node.can_edit = "edit" in node.actions
        node.can_delete = "delete" in node.actions
        node.can_resolve = "resolve" in node.actions
        prefix = f"annotation-{note.pk}"
        if node.can_reply:
            node.reply_form = AnnotationReplyForm(
                parent=note, auto_id=f"{prefix}-reply-%s", initial={"next": next_url}
            )
        if node.can_edit:
            # No tags field here (it would list every tag, once per note): the edit page has it.
            node.edit_form = AnnotationEditForm(
                annotation=note, auto_id=f"{prefix}-edit-%s", initial={"next": next_url}
            )
    return roots


def _mark_resolved_threads(notes: list[Annotation]) -> None:
    """Give each note `resolved_thread`: whether the thread it belongs to is resolved."""
    by_pk = {note.pk: note for note in notes}
    for note in notes:
        root = note
        seen = set()
        while root.parent_id in by_pk and root.pk not in seen:
            seen.add(root.pk)
            root = by_pk[root.parent_id]
        note.resolved_thread = root.resolved


# Where the thread's target goes in its kept statement: no record spine and no excerpt has
# this id (ids are positive); the reader's is staff_statements.VIEWER.
_TARGET = statements.PK


def _thread_notes(target, user) -> list[Annotation]:
    """The thread's notes in one statement: each note's tags (a JSON column) and whether it
    was edited (a subquery on its history) come with it.

    Building and compiling that statement cost about 3 ms a record page, several times
    running it. For staff, who read every note but other people's private ones, it
    depends only on the kind of target and the database: it is kept, with the target's
    id and the reader's as its values (cooperation/staff_statements.py). A partner's
    would depend on their organisation too: they take the ordinary path."""
    on_excerpt = target._meta.model_name == "excerpt"

    def build():
        viewer = stand_in_viewer(user)
        if not sees_internal(viewer):  # its roles did not come across: keep nothing
            return Annotation.objects.none()
        stand_in = copy.copy(target)
        if on_excerpt:
            stand_in.pk = _TARGET
        else:
            stand_in.spine_id = _TARGET
        return _thread_queryset(stand_in, viewer)

    statement = kept_for_staff(
        user,
        ("thread_notes", "excerpt" if on_excerpt else "record"),
        Annotation,
        build,
        {"target": _TARGET, "viewer": VIEWER},
    )
    if statement is None:  # not staff, or not kept
        notes = list(_thread_queryset(target, user))
    else:
        notes = statement.rows(target=target.pk if on_excerpt else target.spine_id, viewer=user.pk)
    for note in notes:
        fill_related(note, ["tags"])
    return notes


def _thread_queryset(target, user):
    notes = with_related_rows(annotations_on(target, user).prefetch_related(None), ["tags"])
    edits = Annotation.history.filter(id=OuterRef("pk"), history_change_reason="Edited")
    return notes.annotate(was_edited=Exists(edits))


@register.inclusion_tag("cooperation/includes/annotation_thread.html", takes_context=True)
def annotation_thread(context, target, heading_level=2):
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    next_url = request.get_full_path() if request is not None else ""
    notes = _thread_notes(target, user) if user is not None else []
    edited = {note.pk for note in notes if note.was_edited}
    _mark_resolved_threads(notes)
    roots = build_thread(notes, user=user, edited=edited, next_url=next_url) if user else []
    key = target_key(target).replace(":", "-")
    can_add = user is not None and can(user, "create", target, kind="annotation")
    return {
        "target": target,
        "request": request,
        "user": user,
        "roots": roots,
        "count": sum(1 for note in notes if not note.is_deleted),
        "key": key,
        "heading_level": heading_level,
        "next_url": next_url,
        "create_form": (
            AnnotationCreateForm(
                auto_id=f"new-note-{key}-%s",
                initial={"target": target_key(target), "next": next_url},
            )
            if can_add
            else None
        ),
    }


@register.filter(is_safe=True)
def markdown(text: str) -> str:
    return render_markdown(text)


@register.filter(is_safe=True)
def markdown_excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    """A note shortened to one line: its Markdown rendered, then cut after a whole word."""
    return render_markdown_excerpt(text, int(words))


@register.filter
def person(user, fallback: str = "someone") -> str:
    """A user as pages name them: full name, else email; `fallback` when there is none."""
    if user is None:
        return fallback
    return user.full_name or user.email
