"""Recommendation tracking: status changes, proposals, decisions and the addressee's responses.

Forms only collect and check input; cooperation.services.recommendation_* decide and write.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from cooperation.choices import RecommendationStatus, ResponseClassification, allowed_transitions
from cooperation.filtersets import MAX_ID
from cooperation.forms.common import (
    FAST_RENDERER,
    IdSafeModelChoiceField,
    NextField,
    PreciseDateField,
)
from cooperation.models import Excerpt, Recommendation


def evidence_excerpts(recommendation: Recommendation):
    """The live excerpts that are evidence for `recommendation` (with their source, for quotes)."""
    return (
        Excerpt.objects.filter(
            evidence_links__spine_id=recommendation.spine_id,
            evidence_links__deleted_at__isnull=True,
        )
        .select_related("source")
        # A label reads the quote through its source's reading view, which is cached
        # per text: the text itself (often tens of kB) is loaded only on a miss.
        .defer("source__text")
        .distinct()
        .order_by("source", "start", "pk")
    )


class _LoadedChoiceIterator(ModelChoiceIterator):
    """Choices from excerpts the page already loaded, when it did, instead of a new query.

    Django's iterator runs the queryset again for every form (on PostgreSQL as a
    server-side cursor, three round trips); the recommendation page has two forms
    offering the same excerpts.
    """

    def __iter__(self):
        loaded = getattr(self.field, "loaded", None)
        if loaded is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in loaded:
            yield self.choice(obj)

    def __len__(self):
        loaded = getattr(self.field, "loaded", None)
        if loaded is None:
            return super().__len__()
        return len(loaded) + (1 if self.field.empty_label is not None else 0)


class ExcerptChoiceField(IdSafeModelChoiceField):
    iterator = _LoadedChoiceIterator

    def label_from_instance(self, obj):
        return f"#{obj.pk} {obj}"


class EvidenceForm(forms.Form):
    """An optional excerpt (one of the recommendation's, or any by number) or a web address."""

    default_renderer = FAST_RENDERER

    evidence_excerpt = ExcerptChoiceField(
        queryset=Excerpt.objects.none(),
        required=False,
        label="Evidence: one of this recommendation's excerpts",
        empty_label="— none —",
    )
    evidence_excerpt_id = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,  # looked up by number: a bigger one would overflow the query
        label="…or an excerpt's number",
        help_text="Any excerpt of any source, by its number (#).",
    )
    evidence_url = forms.URLField(
        required=False,
        max_length=500,
        label="…or a web address",
        help_text="An http(s) link to a report, statement or article.",
        assume_scheme="https",
    )

    def __init__(self, *args, recommendation: Recommendation, excerpts=None, loaded=None, **kwargs):
        """`excerpts`: the queryset to choose from; `loaded`: its rows, if already read."""
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        field = self.fields["evidence_excerpt"]
        field.queryset = excerpts if excerpts is not None else evidence_excerpts(recommendation)
        # Choices are shown from `loaded`; a posted choice is still checked by the queryset.
        field.loaded = loaded

    def clean_evidence_url(self):
        url = self.cleaned_data.get("evidence_url") or ""
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Enter a web address starting with http:// or https://.")
        return url

    def clean(self):
        data = super().clean()
        chosen = data.get("evidence_excerpt")
        number = data.get("evidence_excerpt_id")
        if number is not None:
            by_number = Excerpt.objects.filter(pk=number).first()
            if by_number is None:
                self.add_error("evidence_excerpt_id", f"There is no excerpt #{number}.")
            elif chosen is not None and chosen.pk != by_number.pk:
                self.add_error("evidence_excerpt_id", "Choose one excerpt, not two.")
            else:
                chosen = by_number
        data["excerpt"] = chosen
        return data

    def evidence(self) -> dict:
        """The evidence as the services take it."""
        return {
            "evidence_excerpt": self.cleaned_data.get("excerpt"),
            "evidence_url": self.cleaned_data.get("evidence_url") or "",
        }


class StatusChangeForm(EvidenceForm):
    """Move (curators) or propose to move (analysts) the status; only allowed moves are offered."""

    to_status = forms.ChoiceField(label="New status")
    note = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,  # as the API's TransitionSerializer
        error_messages={"required": "Say why the status changes."},
    )
    happened_on = PreciseDateField(
        label="When it happened",
        required=False,
        help_text="Leave empty if it happened today; otherwise 2015, 2015-12 or 2015-12-12. "
        "Closing (implemented, rejected) needs evidence: an excerpt or a public-record link.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = NextField()

    field_order = [
        "to_status",
        "note",
        "happened_on",
        "evidence_excerpt",
        "evidence_excerpt_id",
        "evidence_url",
    ]

    def __init__(self, *args, recommendation: Recommendation, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", recommendation.version)
        super().__init__(*args, recommendation=recommendation, **kwargs)
        status = recommendation.status
        allowed = allowed_transitions(status)
        field = self.fields["to_status"]
        field.choices = [(value, RecommendationStatus(value).label) for value in allowed]
        labels = ", ".join(RecommendationStatus(value).label.lower() for value in allowed)
        field.error_messages["invalid_choice"] = (
            f"A recommendation that is {RecommendationStatus(status).label.lower()} cannot move "
            f"to %(value)s. Allowed: {labels or 'none'}."
        )


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(label="Decision note (optional)", required=False)
    next = NextField()


class ResponseForm(EvidenceForm):
    """The addressee's response, classified as in parliamentary action-taken reports."""

    classification = forms.ChoiceField(label="Response", choices=ResponseClassification.choices)
    responded_on = PreciseDateField(label="Date of the response")
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next = NextField()

    field_order = [
        "classification",
        "responded_on",
        "note",
        "evidence_excerpt",
        "evidence_excerpt_id",
        "evidence_url",
    ]

    def __init__(self, *args, **kwargs):
        today = timezone.localdate().isoformat()
        kwargs.setdefault("initial", {}).setdefault("responded_on", today)
        super().__init__(*args, **kwargs)

    def clean_responded_on(self):
        responded_on = self.cleaned_data["responded_on"]
        if responded_on and responded_on[0] > timezone.localdate():
            raise forms.ValidationError("A response cannot be dated in the future.")
        return responded_on
