from django.apps import AppConfig


class SpineProtoConfig(AppConfig):
    name = "bench.spine_proto"
    label = "spine_proto"
    default_auto_field = "django.db.models.BigAutoField"
