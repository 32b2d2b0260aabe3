"""What the pages may offer, read from cooperation.permissions (never a rule of their own).

{% load permissions %}
{% actions_of record as actions %}   {# the same list the API sends as `actions` #}
{% if "edit" in actions %}…{% endif %}
{% may_do "decide" "cooperation.recommendation" as may_decide %}  {# a kind, no object #}
{% status_moves_of recommendation as moves %}  {# moves.way: transition/propose/""; moves.targets #}
"""

from __future__ import annotations

from django import template
from django.apps import apps
from django.urls import reverse

from cooperation.permissions import actions_for, may, status_moves

register = template.Library()


@register.simple_tag(takes_context=True)
def actions_of(context, obj) -> list[str]:
    """What the viewer may do to `obj` (a record, source or note) now, as `actions` says."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or obj is None:
        return []
    return actions_for(user, obj)


@register.simple_tag(takes_context=True)
def may_do(context, action: str, model_label: str) -> bool:
    """Whether the viewer's role allows `action` on objects of `model_label` ("app.model")."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return False
    return may(user, action, apps.get_model(model_label))


@register.simple_tag(takes_context=True)
def status_moves_of(context, recommendation) -> dict:
    """How the viewer may move `recommendation`'s status now: `way` ("transition" moves it,
    "propose" proposes, "" neither), `targets` (the statuses it may go to) and `action`, the
    address the status form posts to for that way."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or recommendation is None:
        return {"way": "", "targets": [], "action": ""}
    way, targets = status_moves(user, recommendation)
    view = {"transition": "recommendation_transition", "propose": "recommendation_propose"}
    action = (
        reverse(f"cooperation:{view[way]}", kwargs={"slug": recommendation.slug}) if way else ""
    )
    return {"way": way, "targets": targets, "action": action}
