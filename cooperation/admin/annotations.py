"""Admin for annotations: read, resolve and hide. Bodies are edited only by their authors."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cooperation.models import Annotation
from cooperation.permissions import may
from cooperation.selectors import annotations_visible_to
from cooperation.services import annotation_delete, annotation_resolve

from .base import HistoryViewOnlyMixin, ServiceAdmin


@admin.register(Annotation)
class AnnotationAdmin(HistoryViewOnlyMixin, ServiceAdmin):
    list_display = (
        "__str__",
        "author",
        "motivation",
        "visibility",
        "resolved",
        "created_at",
        "target",
    )
    list_filter = ("motivation", "visibility", "resolved")
    list_select_related = ("author", "spine", "excerpt__source")
    search_fields = ("body", "author__email")
    readonly_fields = (
        "author",
        "target",
        "parent",
        "body",
        "motivation",
        "visibility",
        "resolved",
        "resolved_by",
        "resolved_at",
        "organisation",
        "shared_with",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    fields = readonly_fields
    actions = ["resolve", "reopen", "hide"]

    def get_queryset(self, request):
        return annotations_visible_to(request.user, super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # notes are written in context, on a record or an excerpt

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return may(request.user, "moderate", self.model)

    @admin.display(description=_("on"))
    def target(self, annotation):
        if annotation.excerpt_id:
            return annotation.excerpt
        if annotation.spine_id:
            return f"{annotation.spine.kind_label}: {annotation.spine.title}"
        return "—"

    @admin.action(description=_("Resolve selected threads"), permissions=["moderate"])
    def resolve(self, request, queryset):
        self._run_each(
            request,
            queryset.filter(parent__isnull=True),
            lambda a: annotation_resolve(annotation=a, user=request.user, resolved=True),
            _("Resolved %(count)d."),
        )

    @admin.action(description=_("Reopen selected threads"), permissions=["moderate"])
    def reopen(self, request, queryset):
        self._run_each(
            request,
            queryset.filter(parent__isnull=True),
            lambda a: annotation_resolve(annotation=a, user=request.user, resolved=False),
            _("Reopened %(count)d."),
        )

    @admin.action(description=_("Hide selected (kept in history)"), permissions=["moderate"])
    def hide(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda a: annotation_delete(annotation=a, user=request.user),
            _("Hid %(count)d."),
        )
