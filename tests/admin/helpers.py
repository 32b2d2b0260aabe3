"""Build the POST a person would send from an admin page, from the page the server rendered."""

from __future__ import annotations

from django import forms
from django.db.models import Model


def _value(field, value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (list, tuple)) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return [getattr(v, "pk", v) for v in items]
    if value is None:
        return ""
    return value


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = _value(field, form[name].value())
        if (
            isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
            and not value
        ):
            continue  # a browser sends nothing for an empty multiple select
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        data[form.add_prefix(name)] = value
    return data


def admin_form_data(response, **changes) -> dict:
    """Everything the change/add page would submit unchanged, plus `changes`."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.initial_forms:
            data.update(_form_data(form))
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def add_inline_row(data: dict, prefix: str, **fields) -> None:
    """Fill in one more row of an inline formset, as "Add another …" does in the browser."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value
