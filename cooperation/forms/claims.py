"""The record page's claims panel forms: add a claim (field, value, basis) and rank one.

`ClaimForm` turns the typed value into what `claim_add` takes (services/claims.py): a
choice by its name or code, a date as 2015, 2015-03 or 2015-03-01, a number, an actor by
name or id (several, for parties and addressees, separated by commas). The service checks
it again, and its refusal shows beside the field it names.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from cooperation import precise_dates
from cooperation.choices import ClaimRank
from cooperation.forms.basis import BasisFields
from cooperation.forms.common import FAST_RENDERER
from cooperation.provenance import facts_of

# Fields whose value is a structure, not one line: claimed through the record's form.
NOT_TYPED = {"party_dates"}


class ClaimForm(BasisFields):
    # Drawn on every record page an analyst may edit (forms/common.py).
    default_renderer = FAST_RENDERER

    field = forms.ChoiceField(label="Field")
    value = forms.CharField(
        label="Value",
        max_length=500,
        help_text="As the source states it: a date as 2015, 2015-03 or 2015-03-01; a choice "
        "by its name; actors by name, separated by commas.",
    )

    def __init__(self, *args, record, **kwargs):
        kwargs.setdefault("auto_id", "id_claim_%s")  # beside the page's other forms
        super().__init__(*args, **kwargs)
        self.record = record
        model = type(record)
        self.fields["field"].choices = [
            (name, str(model._meta.get_field(name).verbose_name).capitalize())
            for name in facts_of(model)
            if name not in NOT_TYPED
        ]
        self.fields["basis_kind"].required = True
        self.fields["basis_kind"].choices = self.fields["basis_kind"].choices[1:]
        self.fields["basis_kind"].label = "Where the value comes from"
        self.fields["basis_citation_title"].label = "Public record: name of the document"

    def clean(self):
        cleaned = super().clean()
        name, text = cleaned.get("field"), (cleaned.get("value") or "").strip()
        if name and text:
            try:
                cleaned["parsed"] = self._parse(name, text)
            except ValidationError as exc:
                self.add_error("value", exc.messages)
        return cleaned

    def _parse(self, name: str, text: str):
        model = type(self.record)
        model_field = model._meta.get_field(name)
        if model_field.is_relation:
            ids = [self._related_id(model_field.related_model, part) for part in text.split(",")]
            ids = [pk for pk in ids if pk is not None]
            if not ids:
                raise ValidationError("Name at least one.")
            if model_field.many_to_many:
                return ids
            if len(ids) > 1:
                raise ValidationError("Name one only.")
            return ids[0]
        if model_field.get_internal_type() == "DateField":
            try:
                day, precision = precise_dates.parse(text)
            except (ValueError, ValidationError):
                raise ValidationError("Give a date as 2015, 2015-03 or 2015-03-01.") from None
            return precise_dates.iso(day, precision)
        if model_field.choices:
            for code, label in model_field.flatchoices:
                if text.lower() in (str(code).lower(), str(label).lower()):
                    return code
            names = ", ".join(str(label).lower() for _, label in model_field.flatchoices)
            raise ValidationError(f"One of: {names}.")
        if model_field.get_internal_type() == "BooleanField":
            if text.lower() in ("yes", "true", "1"):
                return True
            if text.lower() in ("no", "false", "0"):
                return False
            raise ValidationError("Yes or no.")
        value = model_field.formfield().clean(text)
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return value

    @staticmethod
    def _related_id(model, part: str):
        part = part.strip()
        if not part:
            return None
        if (
            part.isascii()
            and part.isdigit()  # "²" is a digit to isdigit, not to int()
            and len(part) < 12
            and model._base_manager.filter(pk=int(part)).exists()
        ):
            return int(part)
        found = list(model.objects.filter(name__iexact=part).values_list("pk", flat=True)[:2])
        if len(found) != 1:
            raise ValidationError(f"No single {model._meta.verbose_name} is named “{part}”.")
        return found[0]


class ClaimRankForm(forms.Form):
    rank = forms.ChoiceField(choices=ClaimRank.choices)
