"""What becomes of a recommendation: status changes, proposals and the addressee's response."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cooperation.choices import ProposalState, RecommendationStatus, ResponseClassification
from cooperation.history import History
from cooperation.models.precision import precision


class RecommendationStatusChange(models.Model):
    """One move of a recommendation's status. Rows are only ever added, never edited."""

    recommendation = models.ForeignKey(
        "cooperation.Recommendation", on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=32, choices=RecommendationStatus, blank=True)
    to_status = models.CharField(max_length=32, choices=RecommendationStatus)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(
        default=timezone.now, db_index=True, help_text="When the change was recorded here."
    )
    # When it happened, as precisely as the evidence says (cooperation/precise_dates.py);
    # empty when that is the moment it was recorded.
    happened_on = models.DateField(
        null=True, blank=True, help_text="When the change happened, if not when recorded."
    )
    happened_on_precision = precision("date it happened")
    note = models.TextField()
    evidence_excerpt = models.ForeignKey(
        "cooperation.Excerpt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["recommendation", "changed_at", "id"]
        get_latest_by = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class StatusProposal(models.Model):
    """An analyst's request that a curator move a recommendation's status."""

    recommendation = models.ForeignKey(
        "cooperation.Recommendation", on_delete=models.PROTECT, related_name="status_proposals"
    )
    from_status = models.CharField(max_length=32, choices=RecommendationStatus)
    to_status = models.CharField(max_length=32, choices=RecommendationStatus)
    note = models.TextField()
    evidence_excerpt = models.ForeignKey(
        "cooperation.Excerpt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_url = models.URLField(max_length=500, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=16, choices=ProposalState, default=ProposalState.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    history = History()

    class Meta:
        ordering = ["-proposed_at"]
        permissions = [("decide_statusproposal", "Can approve or decline status proposals")]

    def __str__(self) -> str:
        return f"Proposal {self.from_status} → {self.to_status} ({self.get_state_display()})"


class RecommendationResponse(models.Model):
    """The addressee's response, classified as parliamentary action-taken reports do."""

    recommendation = models.ForeignKey(
        "cooperation.Recommendation", on_delete=models.PROTECT, related_name="responses"
    )
    classification = models.CharField(max_length=32, choices=ResponseClassification)
    responded_on = models.DateField()
    responded_on_precision = precision("response date")
    note = models.TextField(blank=True)
    evidence_excerpt = models.ForeignKey(
        "cooperation.Excerpt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_url = models.URLField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = History()

    class Meta:
        ordering = ["recommendation", "responded_on", "id"]
        get_latest_by = ["responded_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_classification_display()} ({self.responded_on})"
