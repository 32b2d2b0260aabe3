"""Recommendation tracking in pages. Contract used by the recommendation page:

    {% load recommendations %}
    {% recommendation_tracking recommendation %}  {# status, allowed moves, timeline, proposals #}

Placeholder until the recommendation-tracking area lands.
"""

from django import template

register = template.Library()


@register.inclusion_tag("cooperation/includes/recommendation_tracking.html", takes_context=True)
def recommendation_tracking(context, recommendation):
    return {"recommendation": recommendation, "request": context.get("request")}
