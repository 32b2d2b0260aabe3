"""`{% precise_date record "signed_on" %}`: a date said as precisely as the evidence gives it,
in a <time> element whose datetime is ISO 8601 at that precision (cooperation/precise_dates.py)."""

from django import template
from django.utils.html import format_html

from cooperation import precise_dates

register = template.Library()


@register.simple_tag
def precise_date(obj, name: str, empty: str = "—", short: bool = False):
    value = getattr(obj, name, None)
    if value is None:
        return format_html('<span class="muted">{}</span>', empty) if empty else ""
    precision = getattr(obj, precise_dates.precision_name(name), "")
    text = precise_dates.display(value, precision)
    if short and precision not in (precise_dates.YEAR, precise_dates.MONTH):
        text = value.strftime("%-d %b %Y")
    return format_html('<time datetime="{}">{}</time>', precise_dates.iso(value, precision), text)


def _time(iso_text: str | None):
    if not iso_text:
        return ""
    value, precision = precise_dates.parse(iso_text)
    return format_html(
        '<time datetime="{}">{}</time>', iso_text, precise_dates.display(value, precision)
    )


@register.simple_tag
def party_dates(agreement) -> list[dict]:
    """`{% party_dates record as rows %}`: each dated party (in the agreement's parties, by
    name) with its signature and ratification as <time> elements."""
    dated = {entry["party"]: entry for entry in agreement.party_dates or ()}
    if not dated:
        return []
    return [
        {
            "party": actor,
            "signed": _time(dated[actor.pk].get("signed_on")),
            "ratified": _time(dated[actor.pk].get("ratified_on")),
        }
        for actor in agreement.parties.all()
        if actor.pk in dated
    ]
