"""Annotation threads: create, reply, edit, delete, resolve, and share with partners.

The thread itself is drawn on the record or reader page by `{% annotation_thread %}`;
these views take its forms' POSTs, write through cooperation.services and send the
user back to the page they came from, at the note (`#annotation-<pk>`). When input
is refused they show the form again on a page of its own, with the input kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import internal_user_required
from cooperation.forms.annotations import (
    AnnotationCreateForm,
    AnnotationEditForm,
    AnnotationReplyForm,
    AnnotationShareForm,
    resolve_target,
    target_key,
)
from cooperation.forms.common import add_service_errors
from cooperation.models import Annotation, Excerpt
from cooperation.permissions import require
from cooperation.selectors import annotations_visible_to
from cooperation.services import (
    ConflictError,
    annotation_create,
    annotation_delete,
    annotation_resolve,
    annotation_share,
    annotation_update,
)
from cooperation.views.redirects import safe_next_url, with_fragment


def _visible_note(request, pk: int, *, live: bool = True) -> Annotation:
    """A note this user may read, or 404 (someone else's private note does not exist for them)."""
    manager = Annotation.objects if live else Annotation.all_objects
    queryset = annotations_visible_to(request.user, manager.select_related("author", "parent"))
    return get_object_or_404(queryset, pk=pk)


def _target_url(target) -> str:
    return target.get_absolute_url() if target is not None else "/"


def _back_to(request, note: Annotation):
    """Redirect to the page the form was on (or the note's target), scrolled to the note."""
    fallback = note.get_absolute_url()
    return redirect(with_fragment(safe_next_url(request, fallback), f"annotation-{note.pk}"))


def _create_note(request, form, success: str, **where):
    """Save a new note or reply from a valid form: the redirect to it, or None.

    `where` is what the note hangs on (record=, excerpt= or parent=). A refusal from the
    service lands on the form as errors and None comes back, so the caller shows it again.
    """
    data = form.cleaned_data
    try:
        note = annotation_create(
            author=request.user,
            body=data["body"],
            motivation=data["motivation"],
            visibility=data["visibility"],
            **where,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, success)
    return _back_to(request, note)


def _form_page(request, *, title: str, form, action: str, target, note=None, status=200, **extra):
    context = {
        "title": title,
        "form": form,
        "action": action,
        "target": target,
        "target_url": _target_url(target),
        "note": note,
        **extra,
    }
    return render(request, "cooperation/annotations/form.html", context, status=status)


@internal_user_required
@require_http_methods(["GET", "POST"])
def annotation_create_view(request):
    target = resolve_target(request.POST.get("target") or request.GET.get("target"))
    if target is None:
        raise Http404("No such record or excerpt.")
    initial = {"target": target_key(target), "next": request.GET.get("next", "")}
    form = AnnotationCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        where = {"excerpt": target} if isinstance(target, Excerpt) else {"record": target}
        response = _create_note(request, form, "Note added.", **where)
        if response is not None:
            return response
    return _form_page(
        request,
        title="Add a note",
        form=form,
        action="annotation_create",
        target=target,
        submit="Add note",
    )


@internal_user_required
def annotation_detail(request, pk: int):
    """A note's address: the page of what it is about, scrolled to it."""
    return redirect(_visible_note(request, pk).get_absolute_url())


@internal_user_required
@require_http_methods(["GET", "POST"])
def annotation_reply(request, pk: int):
    parent = _visible_note(request, pk)
    initial = {"next": request.GET.get("next", "")}
    form = AnnotationReplyForm(request.POST or None, parent=parent, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = _create_note(request, form, "Reply added.", parent=parent)
        if response is not None:
            return response
    return _form_page(
        request,
        title="Reply to a note",
        form=form,
        action="annotation_reply",
        target=parent.target,
        note=parent,
        submit="Reply",
    )


@internal_user_required
@require_http_methods(["GET", "POST"])
def annotation_edit(request, pk: int):
    note = _visible_note(request, pk)
    require(request.user, "edit", note, message="Only the author can edit this note.")
    initial = {"next": request.GET.get("next", "")}
    form = AnnotationEditForm(
        request.POST or None, annotation=note, initial=initial, user=request.user
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            annotation_update(
                annotation=note,
                user=request.user,
                expected_version=data["version"],
                body=data["body"],
                motivation=data["motivation"],
                visibility=data["visibility"],
                # Only when the form showed them (the edit page, to whoever may tag the
                # note), never from a thread's inline form, which has no tags field.
                tags=data["tags"] if data.get("tags_offered") else None,
            )
        except ConflictError as exc:
            # Their text stays in the form, now based on the current version, and the
            # note as it stands is shown beside it: saving again is a deliberate choice.
            note.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(note.version)
            form = AnnotationEditForm(data, annotation=note, user=request.user)
            form.is_valid()
            form.add_error(None, exc.messages)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Note saved.")
            return _back_to(request, note)
    return _form_page(
        request,
        title="Edit your note",
        form=form,
        action="annotation_edit",
        target=note.target,
        note=note,
        status=status,
        submit="Save changes",
        conflict=status == 409,
    )


@internal_user_required
@require_http_methods(["GET", "POST"])
def annotation_delete_view(request, pk: int):
    note = _visible_note(request, pk)
    require(request.user, "delete", note, message="Only the author can delete this note.")
    if request.method == "POST":
        annotation_delete(annotation=note, user=request.user)
        messages.success(request, "Note deleted. It stays in the history.")
        # The note is gone from the page; land on the thread it was in.
        fallback = note.get_absolute_url()
        return redirect(safe_next_url(request, fallback))
    return render(
        request,
        "cooperation/annotations/delete.html",
        {
            "note": note,
            "target": note.target,
            "target_url": _target_url(note.target),
            "next": safe_next_url(request, ""),
        },
    )


@internal_user_required
@require_POST
def annotation_resolve_view(request, pk: int):
    note = _visible_note(request, pk)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        annotation_resolve(annotation=note, user=request.user, resolved=resolved)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Thread resolved." if resolved else "Thread reopened.")
    return _back_to(request, note)


@internal_user_required
@require_http_methods(["GET", "POST"])
def annotation_share_view(request, pk: int):
    """A curator chooses the partner organisations that read a partners thread."""
    note = _visible_note(request, pk)
    require(request.user, "share", note, message="Curators share partner threads.")
    # Nothing ticked is a choice too (an empty POST): bind whenever it is a POST.
    form = AnnotationShareForm(request.POST if request.method == "POST" else None, note=note)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                shared = annotation_share(
                    annotation=note,
                    user=request.user,
                    organisations=list(form.cleaned_data["organisations"]),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Sharing saved. It is in the note's history.")
                return _back_to(request, shared)
        status = 400
    history = note.history.select_related("history_user").order_by("-history_date")[:20]
    context = {
        "note": note,
        "form": form,
        "target": note.target,
        "target_url": _target_url(note.target),
        "history": history,
        "next": safe_next_url(request, ""),
    }
    return render(request, "cooperation/annotations/share.html", context, status=status)


urlpatterns = [
    path("notes/new/", annotation_create_view, name="annotation_create"),
    path("notes/<int:pk>/", annotation_detail, name="annotation_detail"),
    path("notes/<int:pk>/reply/", annotation_reply, name="annotation_reply"),
    path("notes/<int:pk>/edit/", annotation_edit, name="annotation_edit"),
    path("notes/<int:pk>/delete/", annotation_delete_view, name="annotation_delete"),
    path("notes/<int:pk>/resolve/", annotation_resolve_view, name="annotation_resolve"),
    path("notes/<int:pk>/share/", annotation_share_view, name="annotation_share"),
]
