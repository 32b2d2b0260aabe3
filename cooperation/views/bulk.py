"""Bulk actions on record lists: select rows, then publish, unpublish, tag or untag, move
to the trash, assign an owner or move the status.

Each row goes through its own service call (its own transaction, lock, validation and
history row), so one refused row never undoes the others; the answer lists every row that
was done and every row that was refused, with the reason. The actions offered are the ones
the permission table allows the user on that kind (cooperation/permissions.py); each row is
checked again by its service.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.decorators import internal_user_required
from cooperation.choices import RecommendationStatus
from cooperation.forms.common import IdSafeModelChoiceField, IdSafeModelMultipleChoiceField
from cooperation.models import Agreement, Challenge, Deal, Recommendation, Tag
from cooperation.models.taxonomy import TAG_NAME_MAX, clean_tag_name
from cooperation.permissions import may
from cooperation.selectors import internal_users, records_visible_to
from cooperation.services import (
    recommendation_transition,
    record_publish,
    record_unpublish,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from cooperation.services.common import ConflictError, describe_validation_error
from cooperation.services.tags import existing_tag, record_tags_change, tag_get_or_create
from cooperation.views.redirects import safe_next_url

KINDS = {
    "agreement": Agreement,
    "deal": Deal,
    "challenge": Challenge,
    "recommendation": Recommendation,
}
# At most this many rows in one request: a page of the longest list.
MAX_ROWS = 100


@dataclass(frozen=True)
class Action:
    label: str
    permission: str  # the permission table's action on the kind
    recommendations_only: bool = False


ACTIONS = {
    "publish": Action("Publish", "publish"),
    "unpublish": Action("Unpublish", "unpublish"),
    "tag": Action("Add a tag", "tag"),
    "untag": Action("Remove a tag", "tag"),
    "delete": Action("Move to the trash", "delete"),
    "assign_owner": Action("Assign an owner", "edit", recommendations_only=True),
    "move_status": Action("Move the status (or propose it)", "propose", recommendations_only=True),
}


def offered_actions(user, model) -> list[tuple[str, str]]:
    """The bulk actions `user` may take on `model`'s records, as (value, label)."""
    offered = []
    for name, action in ACTIONS.items():
        if action.recommendations_only and model is not Recommendation:
            continue
        if name == "move_status":
            if not (may(user, "transition", model) or may(user, "propose", model)):
                continue
        elif not may(user, action.permission, model):
            continue
        offered.append((name, action.label))
    return offered


class BulkForm(forms.Form):
    action = forms.ChoiceField(label="With the selected")
    ids = IdSafeModelMultipleChoiceField(
        queryset=None,
        error_messages={"required": "Select at least one row."},
    )
    tag = IdSafeModelChoiceField(
        queryset=Tag.objects.order_by("name"),
        required=False,
        label="Tag",
        error_messages={"invalid_choice": "That tag no longer exists; choose another."},
    )
    new_tag = forms.CharField(
        required=False, max_length=TAG_NAME_MAX, label="Or a new tag", strip=True
    )
    owner = IdSafeModelChoiceField(queryset=None, required=False, label="Owner")
    to_status = forms.ChoiceField(
        choices=[("", "—"), *RecommendationStatus.choices], required=False, label="New status"
    )
    note = forms.CharField(required=False, max_length=2000, label="Why (for a status move)")
    evidence_url = forms.URLField(
        required=False, assume_scheme="https", label="Evidence link (to close)"
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, model, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        self.user = user
        self.fields["action"].choices = offered_actions(user, model)
        self.fields["ids"].queryset = records_visible_to(user, model)
        self.fields["owner"].queryset = internal_users()
        if model is not Recommendation:
            for name in ("owner", "to_status", "note", "evidence_url"):
                del self.fields[name]

    def clean_ids(self):
        rows = self.cleaned_data["ids"]
        if len(rows) > MAX_ROWS:
            raise ValidationError(f"At most {MAX_ROWS} rows at once.")
        return rows

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in ("tag", "untag"):
            self._clean_tag(action, cleaned)
        if action == "move_status" and not cleaned.get("to_status"):
            self.add_error("to_status", "Choose the status to move to.")
        if action == "move_status" and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Say why the status changes.")
        return cleaned

    def _clean_tag(self, action: str, cleaned: dict) -> None:
        """The tag to add or remove: chosen, or (to add) named, found in any case or made."""
        name = cleaned.get("new_tag", "")
        if "tag" in self.errors:
            return
        if cleaned.get("tag") is None and not name:
            self.add_error("tag", "Choose a tag.")
            return
        if cleaned.get("tag") is not None or action == "untag":
            if cleaned.get("tag") is None:
                self.add_error("tag", "Choose the tag to remove.")
            return
        # Checked here, made only once the whole form is valid (`make_new_tag`): a refused
        # request leaves no new tag behind.
        try:
            name = clean_tag_name(name)
        except ValidationError as exc:
            self.add_error("new_tag", exc.message_dict.get("name", exc.messages))
            return
        found = existing_tag(name)
        if found is not None and not found.is_deleted:
            cleaned["tag"] = found
        elif not may(self.user, "create", Tag):
            self.add_error("new_tag", "You may not make tags; choose one from the list.")
        else:
            cleaned["new_tag"] = name

    def make_new_tag(self) -> bool:
        """Make the new tag the valid form names, if any; False (with the form's error) if
        it can't be made now (someone made or trashed it meanwhile)."""
        data = self.cleaned_data
        if data.get("action") != "tag" or data.get("tag") is not None:
            return True
        try:
            data["tag"], _ = tag_get_or_create(user=self.user, name=data["new_tag"])
        except ValidationError as exc:
            self.add_error("new_tag", exc.message_dict.get("name", exc.messages))
            return False
        except PermissionDenied:
            self.add_error("new_tag", "You may not make tags; choose one from the list.")
            return False
        return True


def _apply(name: str, record, user, data) -> str:
    """Do `name` to one record through its service; returns what was done."""
    if name == "publish":
        record_publish(record=record, user=user)
        return "published"
    if name == "unpublish":
        record_unpublish(record=record, user=user)
        return "unpublished"
    if name in ("tag", "untag"):
        tag = data["tag"]
        change = {"add": [tag]} if name == "tag" else {"remove": [tag]}
        record_tags_change(
            record=record, user=user, expected_version=record.version, must_change=True, **change
        )
        return f"tagged “{tag.name}”" if name == "tag" else f"“{tag.name}” removed"
    if name == "delete":
        tracked_delete(instance=record, user=user, expected_version=record.version)
        return "moved to the trash"
    if name == "assign_owner":
        owner = data.get("owner")
        tracked_update(
            instance=record, user=user, data={"owner": owner}, expected_version=record.version
        )
        return f"owner set to {owner}" if owner else "owner cleared"
    move = {
        "recommendation": record,
        "to_status": data["to_status"],
        "user": user,
        "note": data["note"],
        "evidence_url": data.get("evidence_url") or "",
    }
    if may(user, "transition", record):
        recommendation_transition(**move, expected_version=record.version)
        return f"moved to {RecommendationStatus(data['to_status']).label.lower()}"
    status_proposal_create(**move, expected_version=record.version)
    return f"proposed for {RecommendationStatus(data['to_status']).label.lower()}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConflictError):
        return "Someone changed it meanwhile; open it and try again."
    if isinstance(exc, ValidationError):
        return describe_validation_error(exc)
    return "You may not do this to it."


@require_POST
@internal_user_required
def bulk_view(request, *, key: str):
    model = KINDS[key]
    form = BulkForm(request.POST, user=request.user, model=model)
    back = safe_next_url(request, reverse(f"cooperation:{key}_list"))
    if not (form.is_valid() and form.make_new_tag()):
        context = {"form": form, "kind": model._meta, "back": back, "done": [], "refused": []}
        return render(request, "cooperation/lists/bulk_result.html", context, status=400)
    data = form.cleaned_data
    done, refused = [], []
    for record in data["ids"].order_by("title", "pk"):
        try:
            done.append((record, _apply(data["action"], record, request.user, data)))
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            refused.append((record, _reason(exc)))
    context = {"form": form, "kind": model._meta, "back": back, "done": done, "refused": refused}
    return render(request, "cooperation/lists/bulk_result.html", context)


urlpatterns = [path(f"{key}s/bulk/", bulk_view, {"key": key}, name=f"{key}_bulk") for key in KINDS]
