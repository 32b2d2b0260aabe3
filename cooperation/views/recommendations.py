"""Recommendation tracking: status transitions, proposals, responses and the board.

The recommendation page shows `{% recommendation_tracking %}`; its forms post here.
Every write goes through cooperation.services; a refused move, a missing note or a
stale version brings the form back on a page of its own with the input kept. The board's
move dialog (static/js/board.js) posts the same form asking for JSON (`Accept:
application/json`): it gets problem details (portal/problems.py) instead of a page, so the
refusal is shown inside the dialog with the input kept.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import internal_user_required
from cooperation.board import recommendation_board
from cooperation.forms.common import add_service_errors
from cooperation.forms.recommendations import ProposalDecisionForm, ResponseForm
from cooperation.models import Recommendation, StatusProposal
from cooperation.permissions import require, status_moves
from cooperation.services import (
    ConflictError,
    recommendation_response_record,
    recommendation_transition,
    status_proposal_create,
    status_proposal_decide,
)
from cooperation.templatetags.recommendations import status_change_form, tracking_permissions
from cooperation.views.redirects import safe_next_url, with_fragment
from portal.problems import problem_response

# The services name the target status `to`; the form calls it `to_status`.
SERVICE_FIELDS = {"to": "to_status"}


def _back(request, recommendation: Recommendation, fragment: str = "tracking"):
    return redirect(
        with_fragment(safe_next_url(request, recommendation.get_absolute_url()), fragment)
    )


def _wants_json(request) -> bool:
    """The board's dialog asks for JSON first; a browser's own form post asks for HTML."""
    first = request.headers.get("Accept", "").split(",")[0].split(";")[0].strip()
    return first in ("application/json", "application/problem+json")


def _form_problem(request, recommendation, form, *, status: int, code: str):
    """A refused move as problem details: the form's errors by field, and where the
    recommendation stands now (its version, status and the moves the user may make), so the
    dialog can offer the move again against the current version."""
    errors = {
        name: [error["message"] for error in field_errors]
        for name, field_errors in form.errors.get_json_data().items()
    }
    detail = " ".join(errors.pop("__all__", [])) or "The move was not saved: see the fields."
    recommendation.refresh_from_db()
    way, targets = status_moves(request.user, recommendation)
    return problem_response(
        status,
        detail,
        code=code,
        errors=errors,
        version=recommendation.version,
        current_status=recommendation.status,
        targets=targets if way else [],
    )


def _script_problems(view):
    """For the dialog's requests, a missing recommendation or a refused permission is
    problem details too (the pages' 404 and 403 stay pages for everyone else)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            if not _wants_json(request):
                raise
            return problem_response(404, "This recommendation no longer exists.", code="not_found")
        except PermissionDenied:
            if not _wants_json(request):
                raise
            return problem_response(
                403, "You may not move this recommendation's status.", code="permission_denied"
            )

    return wrapper


def _status_page(request, recommendation, form, *, status=200, conflict=False):
    return render(
        request,
        "cooperation/recommendations/status_change.html",
        {"recommendation": recommendation, "form": form, "conflict": conflict},
        status=status,
    )


def _conflict_form(request, recommendation, *, can_transition: bool, exc: ValidationError):
    """The user's input again, now against the current version, with the conflict said."""
    recommendation.refresh_from_db()
    data = request.POST.copy()
    data["version"] = str(recommendation.version)
    form = status_change_form(recommendation, can_transition=can_transition, data=data)
    form.is_valid()
    form.add_error(None, exc.messages)
    return form


def _status_move(request, recommendation: Recommendation, *, can_transition: bool):
    """The one way the status form is saved: a curator moves the status, an analyst proposes.

    Both services take the version the form was opened at and check it under the row
    lock: a stale form is the conflict page (409, the input kept, checked against the
    current version); any other refusal goes beside its field.
    """
    form = status_change_form(recommendation, can_transition=can_transition, data=request.POST)
    script = _wants_json(request)
    if not form.is_valid():
        if script:
            return _form_problem(request, recommendation, form, status=400, code="invalid")
        return _status_page(request, recommendation, form)
    data = form.cleaned_data
    save = recommendation_transition if can_transition else status_proposal_create
    # Only a move happens on a date: a proposal is dated by the curator who approves it.
    when = (
        {"happened_on": data["happened_on"]} if can_transition and data.get("happened_on") else {}
    )
    try:
        saved = save(
            recommendation=recommendation,
            to_status=data["to_status"],
            user=request.user,
            note=data["note"],
            expected_version=data["version"],
            **when,
            **form.evidence(),
        )
    except ConflictError as exc:
        form = _conflict_form(request, recommendation, can_transition=can_transition, exc=exc)
        if script:
            return _form_problem(request, recommendation, form, status=409, code="conflict")
        return _status_page(request, recommendation, form, status=409, conflict=True)
    except ValidationError as exc:
        add_service_errors(form, exc, SERVICE_FIELDS)
        if script:
            return _form_problem(request, recommendation, form, status=400, code="invalid")
        return _status_page(request, recommendation, form)
    if can_transition:
        message = f"Status changed to {saved.get_to_status_display().lower()}."
    else:
        message = "Proposal sent; a curator will approve or decline it."
    messages.success(request, message)
    back = _back(request, recommendation)
    if script:
        # The message waits in the session for the page the script goes to next.
        return JsonResponse({"detail": message, "redirect": back.url})
    return back


@internal_user_required
@require_http_methods(["GET", "POST"])
@_script_problems
def recommendation_transition_view(request, slug: str):
    """GET: the status form on its own page (the board's "move" link). POST: move (curators)."""
    recommendation = get_object_or_404(Recommendation.objects, slug=slug)
    perms = tracking_permissions(request.user)
    if request.method == "GET":
        if not (perms["can_transition"] or perms["can_propose"]):
            raise PermissionDenied
        form = status_change_form(
            recommendation,
            can_transition=perms["can_transition"],
            next_url=request.GET.get("next", ""),
        )
        return _status_page(request, recommendation, form)
    require(request.user, "transition", Recommendation)
    return _status_move(request, recommendation, can_transition=True)


@internal_user_required
@require_POST
@_script_problems
def recommendation_propose(request, slug: str):
    """An analyst's proposal: the same form, nothing moves until a curator decides."""
    recommendation = get_object_or_404(Recommendation.objects, slug=slug)
    require(request.user, "propose", Recommendation)
    return _status_move(request, recommendation, can_transition=False)


@internal_user_required
@require_http_methods(["GET", "POST"])
def recommendation_response(request, slug: str):
    recommendation = get_object_or_404(Recommendation.objects, slug=slug)
    require(request.user, "respond", Recommendation)
    form = ResponseForm(
        request.POST or None,
        recommendation=recommendation,
        initial={"next": request.GET.get("next", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recommendation_response_record(
                recommendation=recommendation,
                classification=data["classification"],
                responded_on=data["responded_on"],
                user=request.user,
                note=data["note"],
                **form.evidence(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Response recorded.")
            return _back(request, recommendation)
    return render(
        request,
        "cooperation/recommendations/response.html",
        {"recommendation": recommendation, "form": form},
    )


@internal_user_required
@require_POST
def proposal_decide(request, pk: int):
    proposal = get_object_or_404(StatusProposal.objects.select_related("recommendation"), pk=pk)
    recommendation = proposal.recommendation
    require(request.user, "decide", Recommendation)
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to approve or to decline the proposal.")
        return _back(request, recommendation)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        status_proposal_decide(
            proposal=proposal, user=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Proposal approved; the status moved." if approve else "Proposal declined."
        )
    return _back(request, recommendation)


# The filters the board offers (status is what the columns show, so it is not one of them).
BOARD_FILTERS = ("q", "actor", "topic", "priority", "owner", "overdue")
# Cards per column; a longer column links to the filtered list instead.
BOARD_COLUMN_LIMIT = 100


@internal_user_required
@require_http_methods(["GET"])
def board(request):
    """One column per status, in workflow order, filtered with the RecommendationFilterSet."""
    filterset, columns = recommendation_board(request.GET, limit=BOARD_COLUMN_LIMIT)
    perms = tracking_permissions(request.user)
    for column in columns:
        if column["more"]:
            # The whole column, with the same filters, as the paginated list.
            query = request.GET.copy()
            query.setlist("status", [column["status"]])
            column["list_url"] = f"{reverse('cooperation:recommendation_list')}?{query.urlencode()}"
    return render(
        request,
        "cooperation/recommendations/board.html",
        {
            "filterset": filterset,
            "filter_fields": [filterset.form[name] for name in BOARD_FILTERS],
            "filtered": any(request.GET.get(name) for name in BOARD_FILTERS),
            "columns": columns,
            "total": sum(column["count"] for column in columns),
            "can_move": perms["can_transition"] or perms["can_propose"],
            "move_label": "Change status" if perms["can_transition"] else "Propose a move",
            # The board's move dialog: a curator's move is dated, a proposal is not.
            "move_is_dated": perms["can_transition"],
        },
    )


urlpatterns = [
    path("recommendations/board/", board, name="recommendation_board"),
    path(
        "recommendations/<slug:slug>/transition/",
        recommendation_transition_view,
        name="recommendation_transition",
    ),
    path(
        "recommendations/<slug:slug>/propose/",
        recommendation_propose,
        name="recommendation_propose",
    ),
    path(
        "recommendations/<slug:slug>/response/",
        recommendation_response,
        name="recommendation_response",
    ),
    path("proposals/<int:pk>/decide/", proposal_decide, name="proposal_decide"),
]
