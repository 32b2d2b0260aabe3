"""The dashboard's one filter: the briefs whose records it counts."""

from __future__ import annotations

from django import forms

from cooperation.forms.common import FAST_RENDERER, IdSafeModelMultipleChoiceField
from cooperation.selectors import sources_visible_to


class DashboardSourceForm(forms.Form):
    # Every brief the reader may see is an option (~1,000 at 100,000 records): drawn by
    # Django's default renderer, a template per option, they were most of the dashboard's
    # time, and each option's source was read whole, text and all (see __init__).
    default_renderer = FAST_RENDERER

    source = IdSafeModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Briefs",
        help_text="Count only the records these briefs attest.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # An option shows a title and names an id; the view reads the chosen briefs' ids
        # and titles. Nothing else is loaded: a brief's text is some 15 kB.
        self.fields["source"].queryset = (
            sources_visible_to(user).order_by("title").only("pk", "title")
        )
