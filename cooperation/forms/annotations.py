"""Notes: write, reply, edit. Saving goes through cooperation.services.annotation_*."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.forms.common import (
    FAST_RENDERER,
    IdSafeModelMultipleChoiceField,
    MentionTextarea,
    NextField,
)
from cooperation.models import RECORD_MODELS, Annotation, Excerpt, Tag
from cooperation.permissions import can, may
from cooperation.services.annotations import MAX_BODY_CHARS, check_visibility_within_thread

# Which model a `target` value ("recommendation:12", "excerpt:5") names.
TARGET_MODELS = {model._meta.model_name: model for model in (*RECORD_MODELS, Excerpt)}

MARKDOWN_HELP = (
    "Markdown: **bold**, _italic_, `code`, > quote, - lists, [a link](https://…). "
    "No images or HTML."
)


def target_key(target) -> str:
    return f"{target._meta.model_name}:{target.pk}"


def resolve_target(value: str | None):
    """The live record or excerpt a `target` value names, or None."""
    model_name, _, pk = (value or "").partition(":")
    model = TARGET_MODELS.get(model_name)
    if model is None or not pk.isdecimal():
        return None
    return model.objects.filter(pk=int(pk)).first()


class AnnotationForm(forms.Form):
    # Drawn on every record page, once per thread and reply (forms/common.py).
    default_renderer = FAST_RENDERER

    body = forms.CharField(
        label="Note",
        widget=MentionTextarea(),
        max_length=MAX_BODY_CHARS,
        help_text=MARKDOWN_HELP,
        error_messages={"required": "Write something."},
    )
    motivation = forms.ChoiceField(
        label="Kind of note",
        choices=AnnotationMotivation.choices,
        initial=AnnotationMotivation.COMMENT,
    )
    visibility = forms.ChoiceField(
        label="Who can read it",
        choices=AnnotationVisibility.choices,
        initial=AnnotationVisibility.TEAM,
    )
    next = NextField()


class AnnotationCreateForm(AnnotationForm):
    """A new thread on a record or an excerpt, named by `target` ("<model>:<pk>")."""

    target = forms.CharField(widget=forms.HiddenInput)


class AnnotationReplyForm(AnnotationForm):
    def __init__(self, *args, parent: Annotation, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("visibility", parent.visibility)
        super().__init__(*args, **kwargs)
        self.fields["visibility"].help_text = (
            "A reply cannot be seen more widely than the note it answers "
            f"({parent.get_visibility_display().lower()})."
        )


class AnnotationEditForm(AnnotationForm):
    """The author's edit; `version` is the one they started from (a stale one is a conflict).

    With `user`, and when the table lets them tag the note, its tags too: a checkbox list
    that static/js/pickers.js turns into the tags picker (with inline create), and the hidden
    `tags_offered`, so the view changes the tags only when the form showed them (the edit
    forms inside a thread do not: each would list every tag, one query per note).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    tags = IdSafeModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Short labels to gather notes by (the notes list filters by them).",
        error_messages={"invalid_choice": "That tag no longer exists; choose another."},
    )
    tags_offered = forms.BooleanField(widget=forms.HiddenInput, required=False, initial=True)

    def __init__(self, *args, annotation: Annotation, user=None, **kwargs):
        self.annotation = annotation
        initial = kwargs.setdefault("initial", {})
        for name in ("body", "motivation", "visibility", "version"):
            initial.setdefault(name, getattr(annotation, name))
        super().__init__(*args, **kwargs)
        if user is None or not can(user, "tag", annotation):
            del self.fields["tags"], self.fields["tags_offered"]
            return
        if not self.is_bound:
            self.initial["tags"] = [tag.pk for tag in annotation.tags.all()]
        self.fields["tags"].picker = {
            "lookup": reverse("cooperation:lookup_tags"),
            "noun": "tag",
            "create": reverse("cooperation:lookup_tags_create") if may(user, "create", Tag) else "",
        }

    def clean_visibility(self):
        # The notes service's own rule (a reply never wider than its note, a note never
        # narrower than its replies), asked here to show the refusal on this field.
        visibility = self.cleaned_data["visibility"]
        if visibility != self.annotation.visibility:
            try:
                check_visibility_within_thread(self.annotation, visibility)
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["visibility"]) from exc
        return visibility


class AnnotationShareForm(forms.Form):
    """Which partner organisations read a partners thread (cooperation.services.annotation_share).

    None chosen: a staff thread is open to every partner organisation; a partner's thread
    stays its own organisation's.
    """

    organisations = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Share with",
    )
    next = NextField()

    def __init__(self, *args, note: Annotation, **kwargs):
        from accounts.models import Organisation

        super().__init__(*args, **kwargs)
        choices = Organisation.objects.filter(is_partner=True).order_by("name")
        if note.organisation_id is not None:
            choices = choices.exclude(pk=note.organisation_id)  # it always reads its own
        self.fields["organisations"].queryset = choices
        if not self.is_bound:
            self.initial["organisations"] = [o.pk for o in note.shared_with.all()]
