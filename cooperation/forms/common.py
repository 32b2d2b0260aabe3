"""What the workspace's forms share: a validated `next` and service errors shown on fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.renderers import Jinja2
from django.urls import reverse_lazy

from cooperation import precise_dates
from cooperation.filtersets import MAX_ID

# Django's own form and widget templates, rendered by Jinja2: the same HTML as the
# default renderer (but for blank lines between tags), several times faster. Forms on
# busy pages (a record page draws its claim, identifier and note forms, and a
# recommendation's tracking forms, on every view) set it as their `default_renderer`;
# one instance, so its compiled templates are kept.
FAST_RENDERER = Jinja2()


def _is_id(value) -> bool:
    """Whether `value` could be a primary key: a whole number a bigint column holds."""
    text = str(value).strip()
    return text.isdecimal() and 0 < int(text) <= MAX_ID


class IdSafeModelChoiceField(forms.ModelChoiceField):
    """An object by id, where anything but a storable id is an invalid choice.

    Django hands the raw value to the database: 10**30 overflows SQLite's integer (a
    500) rather than matching nothing.
    """

    def to_python(self, value):
        if (
            value not in self.empty_values
            and self.to_field_name is None
            and not isinstance(value, models.Model)
            and not _is_id(value)
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdSafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Objects by id, with the same guard for each value (see IdSafeModelChoiceField)."""

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value:
                if not isinstance(pk, models.Model) and not _is_id(pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


def id_safe_formfield(db_field, **kwargs):
    """`Meta.formfield_callback` for model forms: relations get the id-safe fields."""
    if isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", IdSafeModelMultipleChoiceField)
    elif isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", IdSafeModelChoiceField)
    return db_field.formfield(**kwargs)


class NextField(forms.CharField):
    """Where to go after a successful POST; the view checks it is on this site."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)


def add_service_errors(form: forms.Form, exc: ValidationError, field_map=None) -> None:
    """Show a service's ValidationError on the form: on the named field, else on the form.

    `field_map` renames the service's keys to the form's (the service says `to`, the
    form's field is `to_status`). Keys the form does not have become form-wide errors.
    """
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = field_map.get(key, key)
        form.add_error(name if name in form.fields else None, messages)


class PreciseDateInput(forms.TextInput):
    """A date written as precisely as the evidence gives it: 2015, 2015-12 or 2015-12-12."""

    def __init__(self, attrs=None):
        base = {
            "placeholder": "YYYY, YYYY-MM or YYYY-MM-DD",
            "pattern": r"\s*\d{4}(-\d{1,2}(-\d{1,2})?)?\s*",
            "inputmode": "numeric",
            "autocomplete": "off",
        }
        super().__init__({**base, **(attrs or {})})


class PreciseDateField(forms.CharField):
    """Cleans to (first day known, precision), or None when left empty."""

    widget = PreciseDateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", precise_dates.FORMAT_HELP)
        super().__init__(max_length=10, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        return precise_dates.parse(text) if text else None


class MentionTextarea(forms.Textarea):
    """A note's text: `@` and a name's first letters offer colleagues to mention
    (static/js/mentions.js asks /lookup/people/); without script a plain textarea."""

    def __init__(self, attrs=None):
        base = {"rows": 4, "data-mention-lookup": reverse_lazy("cooperation:lookup_people")}
        super().__init__({**base, **(attrs or {})})


class PartyDatesField(forms.CharField):
    """An agreement's per-party signature and ratification dates, one party a line:

        Japan | 2015-12-12 | 2016
        India | 2015-12

    the party by name or slug, then when it signed, then when it ratified (each a year, a
    month or a day; either may be left empty). Cleans to the stored list
    (cooperation/party_dates.py); the form checks each is one of the parties.
    """

    widget = forms.Textarea

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "One party a line: its name, when it signed, when it ratified, separated by "
            "“|” (e.g. “Japan | 2015-12-12 | 2016”). Dates as a year, a month or a day.",
        )
        kwargs.pop("encoder", None), kwargs.pop("decoder", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("rows", 3)

    def prepare_value(self, value):
        if not isinstance(value, list):
            return value
        from cooperation.models import Actor

        names = dict(
            Actor.all_objects.filter(pk__in=[e.get("party") for e in value]).values_list(
                "pk", "name"
            )
        )
        return "\n".join(
            " | ".join(
                [
                    names.get(entry.get("party"), str(entry.get("party"))),
                    entry.get("signed_on") or "",
                    entry.get("ratified_on") or "",
                ]
            ).rstrip(" |")
            for entry in value
        )

    def has_changed(self, initial, data):
        from cooperation import party_dates

        try:
            return party_dates.normalise(initial) != self.clean(data)
        except ValidationError:
            return True

    def clean(self, value):
        from django.db.models import Q

        from cooperation import party_dates
        from cooperation.models import Actor

        text = super().clean(value) or ""
        if isinstance(value, list):  # the stored list itself (a bound initial)
            text = self.prepare_value(value)
        entries, errors = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 3:
                errors.append(
                    f"Line {number}: a party, a signature date and a ratification date, no more."
                )
                continue
            name, signed, ratified = (*parts, "", "")[:3]
            actor = Actor.objects.filter(Q(name__iexact=name) | Q(slug__iexact=name)).first()
            if actor is None:
                errors.append(f"Line {number}: there is no actor “{name}”.")
                continue
            entries.append({"party": actor.pk, "signed_on": signed, "ratified_on": ratified})
        if errors:
            raise ValidationError(errors)
        try:
            return party_dates.normalise(entries)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
