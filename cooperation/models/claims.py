"""Claims: a record's factual value, with its basis and its rank.

One claim says "this record's <field> is <value>", and where that comes from: excerpts of
a brief, a cited public record, or an analyst's judgement (the author and time are the
claim's own `created_by`/`created_at`; the reason is `reason`). A field may hold several
claims, from several sources, that agree or disagree; Wikidata's ranks say which one the
record shows (preferred), which stand beside it (normal) and which are known wrong
(deprecated). The record's column always holds the preferred claim's value, written by the
services in cooperation/services/claims.py and nowhere else.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cooperation.choices import BasisKind, ClaimRank
from cooperation.history import History
from cooperation.models.base import Tracked
from cooperation.provenance import REASON_MAX


class Claim(Tracked):
    spine = models.ForeignKey(
        "cooperation.RecordSpine", on_delete=models.PROTECT, related_name="claims"
    )
    field = models.CharField(max_length=64)
    value = models.JSONField(null=True, blank=True)
    rank = models.CharField(max_length=16, choices=ClaimRank, default=ClaimRank.NORMAL)
    basis = models.CharField(max_length=16, choices=BasisKind)
    excerpts = models.ManyToManyField("cooperation.Excerpt", blank=True, related_name="claims")
    citation_title = models.CharField(max_length=300, blank=True)
    citation_publisher = models.CharField(max_length=200, blank=True)
    citation_url = models.URLField(max_length=500, blank=True)
    citation_accessed = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=REASON_MAX, blank=True)

    history_m2m_fields = ("excerpts",)
    history = History(m2m_fields=history_m2m_fields)

    # Added and ranked only through cooperation/services/claims.py.
    generic_services = False

    class Meta(Tracked.Meta):
        ordering = ["field", "created_at", "id"]
        indexes = [
            models.Index(fields=["spine", "field"], name="claim_spine_field"),
            # The claims that can make a disagreement (services.claims.unresolved): live and
            # neither preferred nor deprecated. Few, so the dashboard's count reads them
            # alone instead of grouping every claim (4.4 s at 550,000 records).
            models.Index(
                fields=["spine", "field"],
                condition=Q(rank=ClaimRank.NORMAL, deleted_at__isnull=True),
                name="claim_unranked",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["spine", "field"],
                condition=Q(rank=ClaimRank.PREFERRED, deleted_at__isnull=True),
                name="claim_one_preferred",
                violation_error_message="A field has at most one preferred claim.",
            ),
            models.CheckConstraint(
                condition=~Q(basis=BasisKind.PUBLIC_RECORD) | ~Q(citation_title=""),
                name="claim_public_record_cited",
                violation_error_message="A public record is cited by its title.",
            ),
            models.CheckConstraint(
                condition=~Q(basis=BasisKind.JUDGEMENT) | ~Q(reason=""),
                name="claim_judgement_reasoned",
                violation_error_message="An analyst's judgement gives its reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} = {self.value!r} ({self.get_basis_display()}, {self.rank})"

    def citation(self) -> dict | None:
        if self.basis != BasisKind.PUBLIC_RECORD:
            return None
        return {
            "title": self.citation_title,
            "publisher": self.citation_publisher,
            "url": self.citation_url,
            "accessed": self.citation_accessed.isoformat() if self.citation_accessed else None,
        }
