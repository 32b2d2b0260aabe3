"""The dashboard's one filter: the briefs whose records it counts."""

from __future__ import annotations

from django import forms

from cooperation.forms.common import FAST_RENDERER, IdSafeModelMultipleChoiceField, _is_id
from cooperation.selectors import sources_visible_to

# Briefs drawn as options besides the chosen ones. Every brief as an option did not scale:
# at 550,000 records (5,500 briefs) they were 600 kB of the page and most of its time, and
# no one picks from thousands of titles; past this many, words of a title find the others.
OPTIONS_SHOWN = 50


class DashboardSourceForm(forms.Form):
    default_renderer = FAST_RENDERER

    source = IdSafeModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Briefs",
        help_text="Count only the records these briefs attest.",
    )
    brief = forms.CharField(
        required=False,
        max_length=200,
        label="Find briefs",
        help_text="Words of a title: the list then offers the briefs whose titles hold them.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # An option shows a title and names an id; the view reads the chosen briefs' ids
        # and titles. Nothing else is loaded: a brief's text is some 15 kB. Any brief the
        # reader may see is a valid choice, whether or not it is drawn (offer_options).
        self.fields["source"].queryset = (
            sources_visible_to(user).order_by("title").only("pk", "title")
        )
        self.offered, self.more, self.words = 0, False, ""

    def offer_options(self, chosen=()) -> None:
        """Draw the chosen briefs and at most OPTIONS_SHOWN others: those whose titles hold
        every word looked for, else the newest. `offered` says how many were drawn and
        `more` whether others were left out, so the page can say how to find them."""
        visible = self.fields["source"].queryset
        cleaned = getattr(self, "cleaned_data", None) or {}
        self.words = " ".join(str(cleaned.get("brief") or "").split())
        found = visible
        for word in self.words.split():
            found = found.filter(title__icontains=word)
        if not self.words:
            found = found.order_by("-created_at", "-pk")
        # One more than drawn says whether there are others, without counting them all.
        others = list(found.exclude(pk__in=[s.pk for s in chosen])[: OPTIONS_SHOWN + 1])
        self.more = len(others) > OPTIONS_SHOWN
        others = others[:OPTIONS_SHOWN]
        self.offered = len(others)  # besides the chosen, which are always drawn
        shown = sorted([*chosen, *others], key=lambda source: (source.title, source.pk))
        self.fields["source"].widget.choices = [(source.pk, source.title) for source in shown]

    def asked_for(self, limit: int = 200) -> list:
        """The briefs the request names that the reader may see, for a refused form: drawn
        again, and chosen, so that mending the rest keeps them (at most `limit`)."""
        ids = [value for value in self.data.getlist("source") if _is_id(value)][:limit]
        return list(self.fields["source"].queryset.filter(pk__in=ids))
