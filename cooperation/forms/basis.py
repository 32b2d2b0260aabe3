"""The fields that say where a form's values come from: one basis for the values it changes.

Mixed into the record forms (web and admin) and the bulk edit: the services refuse a
factual value that changes without a basis (cooperation/services/claims.py), naming the
field, so the form shows the refusal beside that field and keeps everything typed.
`basis_value()` is the Basis the form hands to the service, or None when none was chosen.
"""

from __future__ import annotations

from django import forms

from cooperation.choices import BasisKind
from cooperation.models import Excerpt
from cooperation.provenance import REASON_MAX, Basis

BASIS_FIELDS = (
    "basis_kind",
    "basis_excerpts",
    "basis_citation_title",
    "basis_citation_publisher",
    "basis_citation_url",
    "basis_citation_accessed",
    "basis_reason",
)


class BasisFields(forms.Form):
    basis_kind = forms.ChoiceField(
        label="Where the values you set come from",
        choices=[("", "—"), *BasisKind.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="Needed when you set or change a date, status, party, quantity, severity, "
        "priority or other fact.",
    )
    basis_excerpts = forms.CharField(
        label="Excerpts (ids)",
        required=False,
        max_length=500,
        help_text="The passages of the brief that state them, e.g. 12, 15.",
    )
    basis_citation_title = forms.CharField(
        label="Public record: title", required=False, max_length=300
    )
    basis_citation_publisher = forms.CharField(label="Publisher", required=False, max_length=200)
    basis_citation_url = forms.URLField(
        label="URL", required=False, max_length=500, assume_scheme="https"
    )
    basis_citation_accessed = forms.DateField(
        label="Date read", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    basis_reason = forms.CharField(
        label="Your reason (judgement)", required=False, max_length=REASON_MAX
    )

    def clean_basis_excerpts(self) -> tuple[int, ...]:
        text = self.cleaned_data.get("basis_excerpts") or ""
        parts = [p for p in text.replace(",", " ").split() if p]
        # ASCII digits only: "²" and "٣" are digits to str.isdigit, and int() refuses the first.
        if not all(p.isascii() and p.isdigit() and len(p) < 12 for p in parts):
            raise forms.ValidationError("Give excerpt ids as numbers, e.g. 12, 15.")
        ids = tuple(dict.fromkeys(int(p) for p in parts))
        if ids and Excerpt.objects.filter(pk__in=ids).count() != len(ids):
            raise forms.ValidationError("There is no excerpt with one of these ids.")
        return ids

    def clean(self):
        cleaned = super().clean()
        basis = self.basis_value()
        if basis is not None:
            for problem in basis.problems():
                self.add_error(_field_for(basis.kind), problem)
        return cleaned

    def basis_value(self) -> Basis | None:
        data = getattr(self, "cleaned_data", {})
        kind = data.get("basis_kind") or ""
        if not kind:
            return None
        return Basis(
            kind,
            excerpt_ids=data.get("basis_excerpts") or () if kind == BasisKind.BRIEF else (),
            citation_title=data.get("basis_citation_title", "")
            if kind == BasisKind.PUBLIC_RECORD
            else "",
            citation_publisher=data.get("basis_citation_publisher", "")
            if kind == BasisKind.PUBLIC_RECORD
            else "",
            citation_url=data.get("basis_citation_url", "")
            if kind == BasisKind.PUBLIC_RECORD
            else "",
            citation_accessed=data.get("basis_citation_accessed")
            if kind == BasisKind.PUBLIC_RECORD
            else None,
            reason=data.get("basis_reason", "") if kind == BasisKind.JUDGEMENT else "",
        )


def _field_for(kind: str) -> str:
    return {
        BasisKind.BRIEF: "basis_excerpts",
        BasisKind.PUBLIC_RECORD: "basis_citation_title",
        BasisKind.JUDGEMENT: "basis_reason",
    }[kind]
