"""Admin for the recommendation workflow rows: proposals to decide, and the status log."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cooperation.choices import ProposalState
from cooperation.models import Recommendation, RecommendationStatusChange, StatusProposal
from cooperation.permissions import may
from cooperation.services import status_proposal_decide

from .base import HistoryViewOnlyMixin, RunEachMixin, TableAdminMixin


class ReadOnlyAdmin(TableAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecommendationStatusChange)
class RecommendationStatusChangeAdmin(ReadOnlyAdmin):
    """The log of every status move; rows are written only by the transition service."""

    list_display = ("changed_at", "recommendation", "from_status", "to_status", "changed_by")
    list_filter = ("to_status", "from_status")
    list_select_related = ("recommendation", "changed_by")
    search_fields = ("recommendation__title", "note")
    date_hierarchy = "changed_at"


@admin.register(StatusProposal)
class StatusProposalAdmin(HistoryViewOnlyMixin, RunEachMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = (
        "proposed_at",
        "recommendation",
        "from_status",
        "to_status",
        "proposed_by",
        "state",
    )
    list_filter = ("state", "to_status")
    list_select_related = ("recommendation", "proposed_by")
    search_fields = ("recommendation__title", "note")
    actions = ["approve", "decline"]

    def has_decide_permission(self, request):
        return may(request.user, "decide", Recommendation)

    def _decide(self, request, queryset, approve: bool):
        self._run_each(
            request,
            queryset.filter(state=ProposalState.OPEN),
            lambda proposal: status_proposal_decide(
                proposal=proposal, user=request.user, approve=approve
            ),
            _("Decided %(count)d proposal(s)."),
        )

    @admin.action(description=_("Approve selected (moves the status)"), permissions=["decide"])
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Decline selected"), permissions=["decide"])
    def decline(self, request, queryset):
        self._decide(request, queryset, approve=False)
