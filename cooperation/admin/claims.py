"""Admin for claims: every factual value of every record with its basis, read-only.

Claims are written only by the services (cooperation/services/claims.py): a record's save
with its basis, a claim added beside a value, a claim ranked. Here they are listed and
read, with their history; nobody adds, changes or deletes one, whatever their role.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cooperation.models import Claim

from .base import HistoryViewOnlyMixin
from .inlines import claim_grounds, claim_value
from .tracking import ReadOnlyAdmin


@admin.register(Claim)
class ClaimAdmin(HistoryViewOnlyMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = (
        "field",
        "record",
        "shown_value",
        "rank",
        "basis",
        "grounds",
        "created_by",
        "created_at",
    )
    list_filter = ("basis", "rank", "field")
    list_select_related = ("spine", "created_by")
    search_fields = ("spine__title", "field", "reason", "citation_title", "citation_publisher")
    date_hierarchy = "created_at"
    fields = (
        "record",
        "field",
        "shown_value",
        "rank",
        "basis",
        "grounds",
        "citation_title",
        "citation_publisher",
        "citation_url",
        "citation_accessed",
        "reason",
        "created_by",
        "created_at",
        "version",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("excerpts__source")

    @admin.display(description=_("record"), ordering="spine__title")
    def record(self, claim):
        spine = claim.spine
        url = reverse(f"admin:cooperation_{spine.record_kind}_change", args=[spine.kind_id])
        return format_html('<a href="{}">{}</a> <small>({})</small>', url, spine, spine.kind_label)

    @admin.display(description=_("value"))
    def shown_value(self, claim):
        return claim_value(claim, apps.get_model("cooperation", claim.spine.record_kind))

    @admin.display(description=_("rests on"))
    def grounds(self, claim):
        return claim_grounds(claim)
