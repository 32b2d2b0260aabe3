"""A recommendation's status moves only here, and only along RECOMMENDATION_TRANSITIONS."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from cooperation import precise_dates
from cooperation.changes import serialise_writes
from cooperation.choices import (
    CLOSED_RECOMMENDATION_STATUSES,
    ProposalState,
    RecommendationStatus,
    ResponseClassification,
    allowed_transitions,
)
from cooperation.history import CHANGED
from cooperation.models import (
    Excerpt,
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    StatusProposal,
)
from cooperation.permissions import require
from cooperation.services import notifications
from cooperation.services.common import (
    acting_user,
    ensure_live,
    save_with_history,
    save_workflow_row,
)
from cooperation.services.tracked import check_version, create_tracked, lock


def _validate_move(recommendation: Recommendation, to_status: str, note: str) -> None:
    errors = {}
    if to_status not in RecommendationStatus.values:
        errors["to"] = f"Unknown status {to_status!r}."
    elif to_status not in allowed_transitions(recommendation.status):
        allowed = ", ".join(allowed_transitions(recommendation.status)) or "none"
        errors["to"] = (
            f"A recommendation that is {recommendation.get_status_display().lower()} cannot move "
            f"to {RecommendationStatus(to_status).label.lower()} (allowed: {allowed})."
        )
    if not (note or "").strip():
        errors["note"] = "Say why the status changes."
    if errors:
        raise ValidationError(errors)


def _validate_closing(to_status: str, excerpt: Excerpt | None, url: str) -> None:
    """Closing a recommendation (implemented, rejected) needs its evidence, as GAO closes one."""
    if to_status in CLOSED_RECOMMENDATION_STATUSES and excerpt is None and not url:
        raise ValidationError(
            {
                "evidence_excerpt": "Closing a recommendation (implemented or rejected) needs "
                "evidence: an excerpt of a brief, or a link to the public record."
            }
        )


def _happened(value, field: str) -> tuple[date | None, str]:
    """When something happened, as precisely as known: a date, or `2015`, `2015-12`,
    `2015-12-12`; never after today."""
    if value is None or value == "":
        return None, ""
    if isinstance(value, tuple):
        day, precision = value
    else:
        try:
            day, precision = precise_dates.parse(value)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    if precise_dates.normalise(day, precision) != day:
        raise ValidationError({field: f"Known only to the {precision}: give its first day."})
    if day > timezone.localdate():
        raise ValidationError({field: "This cannot have happened after today."})
    return day, precision


def _validate_evidence(excerpt: Excerpt | None, url: str) -> None:
    if excerpt is not None and excerpt.is_deleted:
        raise ValidationError({"evidence_excerpt": "This excerpt is in the trash."})
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError({"evidence_url": "Enter a valid http(s) address."}) from None


@transaction.atomic
def recommendation_transition(
    *,
    recommendation: Recommendation,
    to_status: str,
    user,
    note: str,
    evidence_excerpt: Excerpt | None = None,
    evidence_url: str = "",
    expected_version: int | None = None,
    happened_on=None,
) -> RecommendationStatusChange:
    """Move the status one step, writing the change row and a history row together.

    `happened_on` (a date, or `2015`, `2015-12`, `2015-12-12`) is when the move happened
    in the world, when that is not the moment it is recorded; a move to a closing status
    needs evidence (an excerpt or a link to the public record).
    """
    require(user, "transition", recommendation)
    current = lock(recommendation)
    check_version(current, expected_version)
    if current.is_deleted:
        raise ValidationError("A recommendation in the trash cannot change status.")
    _validate_move(current, to_status, note)
    _validate_evidence(evidence_excerpt, evidence_url)
    _validate_closing(to_status, evidence_excerpt, evidence_url)
    day, precision = _happened(happened_on, "happened_on")
    change = RecommendationStatusChange(
        recommendation=current,
        from_status=current.status,
        to_status=to_status,
        changed_by=acting_user(user),
        note=note.strip(),
        evidence_excerpt=evidence_excerpt,
        evidence_url=evidence_url,
        happened_on=day,
        happened_on_precision=precision,
    )
    save_workflow_row(change, user=user)
    before = current.get_status_display()
    current.status = to_status
    current.version += 1
    save_with_history(
        current,
        user=user,
        kind=CHANGED,
        reason=f"Status {before} → {current.get_status_display()}",
    )
    recommendation.status, recommendation.version = current.status, current.version
    notifications.status_moved(change, user=user)
    return change


@transaction.atomic
def recommendation_create(
    *,
    user,
    data: dict,
    reason: str = "Created",
    evidence_excerpt: Excerpt | None = None,
    made_on=None,
    basis=None,
) -> Recommendation:
    """A new recommendation, its status timeline started at creation in the same transaction.

    The first status row goes from nothing to `proposed`, citing `evidence_excerpt`
    (e.g. the words of the brief that propose it) when given; `made_on` is when the
    recommendation was made (the brief's or the talk's date), if not today.
    """
    _validate_evidence(evidence_excerpt, "")
    day, precision = _happened(made_on, "made_on")
    recommendation = create_tracked(
        model=Recommendation, user=user, data=data, reason=reason, basis=basis
    )
    first = RecommendationStatusChange(
        recommendation=recommendation,
        from_status="",
        to_status=recommendation.status,
        changed_by=acting_user(user),
        note=reason,
        evidence_excerpt=evidence_excerpt,
        happened_on=day,
        happened_on_precision=precision,
    )
    save_workflow_row(first, user=user)
    return recommendation


@transaction.atomic
def status_proposal_create(
    *,
    recommendation: Recommendation,
    to_status: str,
    user,
    note: str,
    evidence_excerpt: Excerpt | None = None,
    evidence_url: str = "",
    expected_version: int | None = None,
) -> StatusProposal:
    """An analyst asks a curator to move the status; nothing moves until a curator decides.

    With `expected_version`, refuses (ConflictError) unless the recommendation is still at
    that version; the row stays locked until the proposal is written.
    """
    require(user, "propose", recommendation)
    if expected_version is not None:
        check_version(lock(recommendation), expected_version)
    ensure_live(recommendation, "This recommendation")
    _validate_move(recommendation, to_status, note)
    _validate_evidence(evidence_excerpt, evidence_url)
    _validate_closing(to_status, evidence_excerpt, evidence_url)
    proposal = StatusProposal(
        recommendation=recommendation,
        from_status=recommendation.status,
        to_status=to_status,
        note=note.strip(),
        evidence_excerpt=evidence_excerpt,
        evidence_url=evidence_url,
        proposed_by=acting_user(user),
    )
    save_workflow_row(proposal, user=user)
    return proposal


@transaction.atomic
def status_proposal_decide(
    *, proposal: StatusProposal, user, approve: bool, note: str = ""
) -> StatusProposal:
    """Approve (the status moves, citing the proposal) or decline an open proposal."""
    require(user, "decide", proposal.recommendation)
    serialise_writes()  # before any row lock: cooperation/changes.py
    proposal = StatusProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.OPEN:
        raise ValidationError(f"This proposal is already {proposal.get_state_display().lower()}.")
    if approve:
        if proposal.recommendation.status != proposal.from_status:
            raise ValidationError(
                "The status has moved since this was proposed; decline it and propose again."
            )
        proposer = proposal.proposed_by.email if proposal.proposed_by else "unknown"
        recommendation_transition(
            recommendation=proposal.recommendation,
            to_status=proposal.to_status,
            user=user,
            note=f"{proposal.note}\n\n(Proposed by {proposer}.) {note}".strip(),
            evidence_excerpt=proposal.evidence_excerpt,
            evidence_url=proposal.evidence_url,
        )
    proposal.state = ProposalState.APPROVED if approve else ProposalState.DECLINED
    proposal.decided_by = acting_user(user)
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    save_workflow_row(proposal, user=user, validate=False)
    return proposal


@transaction.atomic
def recommendation_response_record(
    *,
    recommendation: Recommendation,
    classification: str,
    responded_on,
    user,
    note: str = "",
    evidence_excerpt: Excerpt | None = None,
    evidence_url: str = "",
) -> RecommendationResponse:
    """Record how the addressee answered (action-taken report terms).

    `responded_on`: a date, or `2015`, `2015-12`, `2015-12-12` when that is all that is known.
    """
    require(user, "respond", recommendation)
    ensure_live(recommendation, "This recommendation")
    if classification not in ResponseClassification.values:
        raise ValidationError({"classification": f"Unknown classification {classification!r}."})
    _validate_evidence(evidence_excerpt, evidence_url)
    day, precision = _happened(responded_on, "responded_on")
    if day is None:
        raise ValidationError({"responded_on": "Say when the addressee responded."})
    response = RecommendationResponse(
        recommendation=recommendation,
        classification=classification,
        responded_on=day,
        responded_on_precision=precision,
        note=note,
        evidence_excerpt=evidence_excerpt,
        evidence_url=evidence_url,
        recorded_by=acting_user(user),
    )
    save_workflow_row(response, user=user)
    return response
