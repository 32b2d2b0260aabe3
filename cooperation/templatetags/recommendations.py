"""Recommendation tracking in pages. Contract used by the recommendation page:

    {% load recommendations %}
    {% recommendation_tracking recommendation %}  {# status, allowed moves, timeline, proposals #}

What a user sees follows their permissions: curators get the status-change form
(only the moves RECOMMENDATION_TRANSITIONS allows) and decide proposals; analysts
get the same form as a proposal; both record the addressee's responses. The tag
costs the same few queries however long the timeline is.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from cooperation.choices import ProposalState, allowed_transitions
from cooperation.forms.recommendations import (
    ProposalDecisionForm,
    ResponseForm,
    StatusChangeForm,
    evidence_excerpts,
)
from cooperation.json_rows import annotation_name, child_rows, read_child_rows
from cooperation.models import Recommendation
from cooperation.permissions import may

register = template.Library()

EVIDENCE = "evidence_excerpt__source"
# The evidence link shows the quote, read through the source's cached reading view.
EVIDENCE_TEXT = "evidence_excerpt__source__text"


# The tracking lists, each with who wrote it and its evidence (a quote's excerpt and source):
# (relation, rows it follows, order, filter). A recommendation page loads them as JSON
# columns of the recommendation's own statement (`tracking_columns`); elsewhere the tag
# queries them.
EVIDENCE_PATHS = ("evidence_excerpt", EVIDENCE)
TRACKING_LISTS = {
    "proposals": (
        "status_proposals",
        ("proposed_by", *EVIDENCE_PATHS),
        ("proposed_at", "pk"),
        {"state": ProposalState.OPEN},
    ),
    "changes": ("status_changes", ("changed_by", *EVIDENCE_PATHS), ("-changed_at", "-pk"), {}),
    "responses": ("responses", ("recorded_by", *EVIDENCE_PATHS), ("-responded_on", "-pk"), {}),
}


def tracking_columns() -> dict:
    """Columns for the statement that loads a recommendation: its tracking lists as JSON."""
    return {
        annotation_name(name): child_rows(Recommendation, name, select=select, order_by=order, **f)
        for name, select, order, f in TRACKING_LISTS.values()
    }


def _tracking_lists(recommendation) -> dict[str, list]:
    lists = {}
    for key, (name, select, order, filters) in TRACKING_LISTS.items():
        if hasattr(recommendation, annotation_name(name)):
            lists[key] = read_child_rows(recommendation, name, select=select, order_by=order)
        else:
            lists[key] = list(
                getattr(recommendation, name)
                .filter(**filters)
                .select_related(select[0], EVIDENCE)
                .defer(EVIDENCE_TEXT)
                .order_by(*order)
            )
    return lists


def tracking_permissions(user) -> dict[str, bool]:
    """Which tracking forms to show: the table's rows for recommendations."""
    return {
        f"can_{action}": may(user, action, Recommendation)
        for action in ("transition", "propose", "decide", "respond")
    }


def status_change_form(
    recommendation, *, can_transition: bool, data=None, next_url="", loaded=None
):
    """The one status form: a move for curators, a proposal for analysts."""
    form = StatusChangeForm(
        data,
        recommendation=recommendation,
        loaded=loaded,
        auto_id="status-change-%s",
        initial={"next": next_url},
    )
    name = "recommendation_transition" if can_transition else "recommendation_propose"
    form.action = reverse(f"cooperation:{name}", kwargs={"slug": recommendation.slug})
    form.is_proposal = not can_transition
    if form.is_proposal:
        del form.fields["happened_on"]  # a proposal is dated by the curator who approves it
    return form


@register.inclusion_tag("cooperation/includes/recommendation_tracking.html", takes_context=True)
def recommendation_tracking(context, recommendation, heading_level=2):
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    next_url = request.get_full_path() if request is not None else ""
    perms = tracking_permissions(user)
    allowed = allowed_transitions(recommendation.status)
    can_change = bool(allowed) and (perms["can_transition"] or perms["can_propose"])
    # Both forms offer the recommendation's excerpts: read them once, in one plain query.
    excerpts = evidence_excerpts(recommendation)
    loaded = None
    if can_change or perms["can_respond"]:
        # The recommendation page loaded them with its evidence (cooperation/views/records.py).
        loaded = getattr(recommendation, "loaded_evidence_excerpts", None)
        loaded = list(excerpts) if loaded is None else loaded
    status_form = None
    if can_change:
        status_form = status_change_form(
            recommendation,
            can_transition=perms["can_transition"],
            next_url=next_url,
            loaded=loaded,
        )
    response_form = None
    if perms["can_respond"]:
        response_form = ResponseForm(
            recommendation=recommendation,
            excerpts=excerpts,
            loaded=loaded,
            auto_id="response-%s",
            initial={"next": next_url},
        )
    lists = _tracking_lists(recommendation)
    proposals = lists["proposals"]
    for proposal in proposals:
        proposal.is_stale = proposal.from_status != recommendation.status
        if perms["can_decide"]:
            proposal.decision_form = ProposalDecisionForm(
                auto_id=f"proposal-{proposal.pk}-%s", initial={"next": next_url}
            )
    return {
        "recommendation": recommendation,
        "request": request,
        "user": user,
        "heading_level": heading_level,
        "subheading_level": min(int(heading_level) + 1, 6),
        "allowed": allowed,
        "status_form": status_form,
        "response_form": response_form,
        "proposals": proposals,
        "changes": lists["changes"],
        "responses": lists["responses"],
        "next_url": next_url,
        **perms,
    }


@register.inclusion_tag("cooperation/recommendations/_evidence.html")
def tracking_evidence(row):
    """A status change's, proposal's or response's evidence: an excerpt link and/or a web link."""
    return {"excerpt": row.evidence_excerpt, "url": row.evidence_url}
