"""`{% basis "field" %}`: a fact's basis at a glance on the record page (claims_page.py)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cooperation/records/_basis_marker.html", takes_context=True)
def basis(context, name: str):
    claims = context.get("page_claims")
    field = claims.fields.get(name) if claims is not None else None
    return {
        "claim": field.best if field else None,
        "disagree": bool(field and field.disagree),
        "label": field.label if field else name,
        "name": name,
    }
