from django.contrib import admin

from cooperation.models import Actor, Topic

from .base import ServiceAdmin


@admin.register(Actor)
class ActorAdmin(ServiceAdmin):
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
