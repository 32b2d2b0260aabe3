"""What the workspace's forms share: a validated `next` and service errors shown on fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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
