"""The record page's "Add identifier" form; the service validates each scheme's form."""

from __future__ import annotations

from django import forms

from cooperation.choices import IdentifierScheme
from cooperation.forms.common import FAST_RENDERER
from cooperation.identifiers import EXPECTED


class IdentifierForm(forms.Form):
    # Drawn on every record page (forms/common.py).
    default_renderer = FAST_RENDERER

    scheme = forms.ChoiceField(choices=IdentifierScheme.choices)
    value = forms.CharField(
        max_length=100,
        help_text="; ".join(f"{IdentifierScheme(k).label}: {v}" for k, v in EXPECTED.items()),
    )
    url = forms.URLField(
        required=False,
        max_length=500,
        label="URL",
        help_text="Only for “Other”: where the identifier is defined.",
        assume_scheme="https",
    )
