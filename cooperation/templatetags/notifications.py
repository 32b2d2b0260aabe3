"""The header's bell and a record page's watch button.

{% load notifications %}
{% unread_notifications as unread %}   {# one query; none for anyone not signed in #}
{% watching record as is_watching %}
"""

from __future__ import annotations

from django import template

from cooperation.selectors import unread_notification_count, watches

register = template.Library()


def _viewer(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    # A page that loaded the count with its own statement passes it (record pages).
    known = context.get("unread_notifications")
    if known is not None:
        return known
    return unread_notification_count(_viewer(context))


@register.simple_tag(takes_context=True)
def watching(context, record) -> bool:
    known = getattr(record, "viewer_watches", None)  # loaded with the record (record pages)
    if known is not None:
        return known
    return watches(_viewer(context), record)
