"""The dashboard's one filter: the briefs whose records it counts."""

from __future__ import annotations

from django import forms

from cooperation.forms.common import IdSafeModelMultipleChoiceField
from cooperation.selectors import sources_visible_to


class DashboardSourceForm(forms.Form):
    source = IdSafeModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Briefs",
        help_text="Count only the records these briefs attest.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources_visible_to(user).order_by("title")
