from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cooperation.models import RECORD_MODELS, Actor, Annotation, Tag, Topic
from cooperation.services.tags import tag_create

from .base import ServiceAdmin
from .inlines import ActorIdentifierInline


@admin.register(Actor)
class ActorAdmin(ServiceAdmin):
    inlines = [ActorIdentifierInline]
    list_display = ("name", "kind", "slug")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name",
        "slug",
        "kind",
        "description",
        "expected_version",
        *ServiceAdmin.readonly_fields,
    )


@admin.register(Topic)
class TopicAdmin(ServiceAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "expected_version", *ServiceAdmin.readonly_fields)


def _usage(through, owner: str):
    """How many live rows (records of one kind, or notes) carry the tag: a subquery per kind,
    so the changelist's rows are not multiplied by joins."""
    rows = (
        through.objects.filter(tag=OuterRef("pk"), **{f"{owner}__deleted_at__isnull": True})
        .order_by()
        .values("tag")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(Tag)
class TagAdmin(ServiceAdmin):
    """Tags, with how many records and notes carry each. Made through `tag_create` (the
    name rules, unique whatever its case); renamed or trashed as any tracked row."""

    list_display = ("name", "slug", "record_count", "note_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "expected_version", *ServiceAdmin.readonly_fields)

    def get_queryset(self, request):
        counts = {
            f"{model._meta.model_name}_uses": _usage(model.tags.through, model._meta.model_name)
            for model in RECORD_MODELS
        }
        return (
            super()
            .get_queryset(request)
            .annotate(**counts, note_uses=_usage(Annotation.tags.through, "annotation"))
        )

    @admin.display(description="Records", ordering="agreement_uses")
    def record_count(self, tag) -> int:
        return sum(getattr(tag, f"{m._meta.model_name}_uses", 0) for m in RECORD_MODELS)

    @admin.display(description="Notes", ordering="note_uses")
    def note_count(self, tag) -> int:
        return getattr(tag, "note_uses", 0)

    def create_via_service(self, request, form):
        return tag_create(user=request.user, name=form.cleaned_data["name"])
