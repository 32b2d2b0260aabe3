"""Annotation threads in pages. Contract used by record pages and the reader:

    {% load annotations %}
    {% annotation_thread target %}  {# a record or an Excerpt; user from context #}
    {{ annotation.body|markdown }}   {# sanitised HTML #}

Placeholder until the annotations area lands.
"""

from django import template
from django.utils.html import linebreaks

register = template.Library()


@register.inclusion_tag("cooperation/includes/annotation_thread.html", takes_context=True)
def annotation_thread(context, target):
    return {"target": target, "request": context.get("request")}


@register.filter
def markdown(text: str) -> str:
    return linebreaks(text, autoescape=True)
