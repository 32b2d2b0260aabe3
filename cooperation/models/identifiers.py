"""Typed external identifiers (Wikidata, UN Treaty Series, SIPRI, other) on records and actors.

One row names one record (through its spine) or one actor; the database refuses both or
neither, and a second live row with the same scheme and value (one Wikidata item names one
thing). Forms and links: cooperation/identifiers.py. Writes: cooperation/services/identifiers.py.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cooperation.choices import IdentifierScheme
from cooperation.history import History
from cooperation.identifiers import VALUE_MAX, link_for, scheme_label
from cooperation.models.base import Tracked


class Identifier(Tracked):
    spine = models.ForeignKey(
        "cooperation.RecordSpine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identifiers",
    )
    actor = models.ForeignKey(
        "cooperation.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identifiers",
    )
    scheme = models.CharField(max_length=16, choices=IdentifierScheme)
    value = models.CharField(max_length=VALUE_MAX)
    url = models.URLField(max_length=500, blank=True, help_text="For “other”: where it is defined.")

    history = History()

    # Added and removed only through cooperation/services/identifiers.py.
    generic_services = False

    class Meta(Tracked.Meta):
        ordering = ["scheme", "value"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(spine__isnull=False, actor__isnull=True)
                    | Q(spine__isnull=True, actor__isnull=False)
                ),
                name="identifier_one_target",
                violation_error_message="An identifier names one record or one actor.",
            ),
            models.UniqueConstraint(
                fields=["scheme", "value"],
                condition=Q(deleted_at__isnull=True),
                name="identifier_unique_live",
                violation_error_message="This identifier already names something.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def link(self) -> str:
        return link_for(self.scheme, self.value, self.url)

    @property
    def scheme_label(self) -> str:
        return scheme_label(self.scheme)

    def as_dict(self) -> dict:
        return {"scheme": self.scheme, "value": self.value, "url": self.link}
