"""Saved views in the admin: read only. People make and change their own on the list
pages and /views/ (cooperation/views/saved_views.py); the admin shows every one, its
owner, list, query and history, for an administrator who needs to see what is shared."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cooperation.models import SavedView

from .base import HistoryViewOnlyMixin, TableAdminMixin


@admin.register(SavedView)
class SavedViewAdmin(HistoryViewOnlyMixin, TableAdminMixin, SimpleHistoryAdmin):
    actions = None  # none: no bulk action, and no hard "delete selected"
    list_display = ("name", "list_key", "owner", "shared", "updated_at", "deleted_at")
    list_filter = ("list_key", "shared")
    list_select_related = ("owner",)
    search_fields = ("name", "owner__email", "query")
    readonly_fields = (
        "token",
        "owner",
        "name",
        "list_key",
        "query",
        "shared",
        "created_at",
        "updated_at",
        "deleted_at",
    )

    def get_queryset(self, request):
        return SavedView.all_objects.select_related("owner")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
