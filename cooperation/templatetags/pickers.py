"""`field|picker`: the picker a form field names (RecordForm._pickers, the notes' tags), or None.

Most fields have none. Asked as `field.field.picker` in a template, each of those was a
failed lookup, which Django's template engine answers by listing the field's attributes
(`dir()`): some fifty a record page, a few percent of it.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def picker(bound_field):
    return getattr(bound_field.field, "picker", None)
