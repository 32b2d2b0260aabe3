"""The four record kinds and the evidence that links them to excerpts."""

from django.conf import settings
from django.db import models

from cooperation.choices import (
    AgreementKind,
    AgreementStatus,
    ChallengeCategory,
    DealKind,
    DealStatus,
    GaoStatus,
    Priority,
    RecommendationStatus,
    Severity,
    gao_status,
)
from cooperation.history import History
from cooperation.models.base import Record, Tracked, live_index
from cooperation.models.precision import precision
from cooperation.models.ranks import choice_rank


class Agreement(Record):
    """A declaration, agreement, MoU, national policy or legislation."""

    kind = models.CharField(max_length=32, choices=AgreementKind, db_index=True)
    status = models.CharField(
        max_length=32, choices=AgreementStatus, default=AgreementStatus.SIGNED, db_index=True
    )
    parties = models.ManyToManyField(
        "cooperation.Actor", blank=True, related_name="agreements_as_party"
    )
    signed_on = models.DateField(null=True, blank=True)
    signed_on_precision = precision("signing date")
    in_force_on = models.DateField(null=True, blank=True)
    in_force_on_precision = precision("date of entry into force")

    history_m2m_fields = ("actors", "topics", "tags", "parties")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    class Meta(Record.Meta):
        indexes = [
            *Record.Meta.indexes,
            live_index("signed_on", "id", name="agreement_live_signed"),
        ]


class Deal(Record):
    """An acquisition, co-development, co-production or technology collaboration."""

    kind = models.CharField(max_length=32, choices=DealKind, db_index=True)
    status = models.CharField(
        max_length=32, choices=DealStatus, default=DealStatus.PROPOSED, db_index=True
    )
    supplier = models.ForeignKey(
        "cooperation.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals_as_supplier",
    )
    recipient = models.ForeignKey(
        "cooperation.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals_as_recipient",
    )
    system = models.CharField(max_length=300, blank=True, help_text="System or programme.")
    period_start = models.DateField(null=True, blank=True)
    period_start_precision = precision("period's start")
    period_end = models.DateField(null=True, blank=True)
    period_end_precision = precision("period's end")
    governed_by = models.ManyToManyField(
        Agreement, blank=True, related_name="governed_deals", help_text="Agreements that govern it."
    )

    history_m2m_fields = ("actors", "topics", "tags", "governed_by")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    class Meta(Record.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="deal_period_ordered",
                violation_error_message="The period must end on or after its start.",
            )
        ]
        indexes = [
            *Record.Meta.indexes,
            live_index("period_start", "id", name="deal_live_period_start"),
            # The web list joins supplier and recipient; without it, sorting by visibility
            # sorts every deal.
            live_index("visibility", "id", name="deal_live_visibility"),
        ]


class Challenge(Record):
    """An obstacle to cooperation."""

    category = models.CharField(max_length=32, choices=ChallengeCategory, db_index=True)
    severity = models.CharField(
        max_length=16, choices=Severity, default=Severity.MEDIUM, db_index=True
    )
    affects_deals = models.ManyToManyField(
        Deal, blank=True, related_name="challenges", help_text="Deals this challenge holds back."
    )
    affects_agreements = models.ManyToManyField(
        Agreement, blank=True, related_name="challenges", help_text="Agreements it hampers."
    )

    history_m2m_fields = ("actors", "topics", "tags", "affects_deals", "affects_agreements")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    class Meta(Record.Meta):
        indexes = [
            *Record.Meta.indexes,
            # Severity sorts low → high (the FilterSets' rank expression, repeated exactly).
            live_index(choice_rank("severity", Severity), "id", name="challenge_live_severity"),
        ]


class Recommendation(Record):
    """What someone should do. Its status moves only through the transition service."""

    priority = models.CharField(
        max_length=16, choices=Priority, default=Priority.MEDIUM, db_index=True
    )
    addressed_to = models.ManyToManyField(
        "cooperation.Actor", blank=True, related_name="recommendations_addressed"
    )
    addresses = models.ManyToManyField(
        Challenge, blank=True, related_name="recommendations", help_text="Challenges it answers."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_recommendations",
        help_text="The analyst who follows it up.",
    )
    target_date = models.DateField(null=True, blank=True, db_index=True)
    target_date_precision = precision("target date")
    # Never assigned directly: RecommendationStatusChange rows are the truth,
    # and this column is their latest `to_status`, kept by the same service.
    status = models.CharField(
        max_length=32,
        choices=RecommendationStatus,
        default=RecommendationStatus.PROPOSED,
        editable=False,
        db_index=True,
    )

    history_m2m_fields = ("actors", "topics", "tags", "addressed_to", "addresses")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    # Created only by services.recommendation_create, which starts the status timeline.
    create_service = "recommendation_create"

    class Meta(Record.Meta):
        permissions = [
            *Record.Meta.permissions,
            ("transition_recommendation", "Can move a recommendation's status"),
        ]
        indexes = [
            *Record.Meta.indexes,
            # Priority sorts low → high (the FilterSets' rank expression, repeated exactly).
            live_index(
                choice_rank("priority", Priority), "id", name="recommendation_live_priority"
            ),
        ]

    @property
    def gao_status(self) -> str:
        """Open, closed–implemented or closed–not-implemented: derived from the status."""
        return gao_status(self.status)

    def get_gao_status_display(self) -> str:
        return GaoStatus(self.gao_status).label


RECORD_MODELS: tuple[type[Record], ...] = (Agreement, Deal, Challenge, Recommendation)


class RecordEvidence(Tracked):
    """Links a record to an excerpt that supports it."""

    excerpt = models.ForeignKey(
        "cooperation.Excerpt", on_delete=models.PROTECT, related_name="evidence_links"
    )
    spine = models.ForeignKey(
        "cooperation.RecordSpine", on_delete=models.PROTECT, related_name="evidence_links"
    )
    note = models.CharField(max_length=500, blank=True, help_text="What the passage shows.")

    history = History()

    class Meta(Tracked.Meta):
        verbose_name = "evidence link"
        ordering = ["excerpt__start"]
        constraints = [
            models.UniqueConstraint(
                fields=["spine", "excerpt"],
                condition=models.Q(deleted_at__isnull=True),
                name="evidence_unique_live_link",
                violation_error_message="This excerpt is already evidence for this record.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.excerpt} → {self.spine.record_kind} #{self.spine.kind_id}"

    @property
    def record(self):
        """The record it supports, of whatever kind."""
        return self.spine.kind_record
