"""Notes: write, reply, edit. Saving goes through cooperation.services.annotation_*."""

from __future__ import annotations

from django import forms

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.forms.common import NextField
from cooperation.models import RECORD_MODELS, Annotation, Excerpt
from cooperation.services.annotations import MAX_BODY_CHARS

# Which model a `target` value ("recommendation:12", "excerpt:5") names.
TARGET_MODELS = {model._meta.model_name: model for model in (*RECORD_MODELS, Excerpt)}

MARKDOWN_HELP = (
    "Markdown: **bold**, _italic_, `code`, > quote, - lists, [a link](https://…). "
    "No images or HTML."
)


def visibility_rank(visibility: str) -> int:
    """private < team < partners: the order in which the choices widen the audience."""
    return AnnotationVisibility.values.index(visibility)


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
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 4}),
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
    """The author's edit; `version` is the one they started from (a stale one is a conflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, annotation: Annotation, **kwargs):
        self.annotation = annotation
        initial = kwargs.setdefault("initial", {})
        for name in ("body", "motivation", "visibility", "version"):
            initial.setdefault(name, getattr(annotation, name))
        super().__init__(*args, **kwargs)

    def clean_visibility(self):
        # annotation_create keeps replies inside their thread's audience; an edit must
        # too, in both directions: a reply may not widen, a note with replies may not
        # narrow below them (the replies would hang from a note their readers cannot see).
        visibility = self.cleaned_data["visibility"]
        rank = visibility_rank(visibility)
        parent = self.annotation.parent
        if parent is not None and rank > visibility_rank(parent.visibility):
            raise forms.ValidationError(
                "A reply cannot be seen more widely than the note it answers."
            )
        reply_visibilities = set(
            self.annotation.replies.filter(deleted_at__isnull=True).values_list(
                "visibility", flat=True
            )
        )
        if any(visibility_rank(v) > rank for v in reply_visibilities):
            raise forms.ValidationError(
                "Replies to this note are seen more widely than that; "
                "it cannot be made more restricted than its replies."
            )
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
