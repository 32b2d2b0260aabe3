"""The portal's URLs behind the floor views (used only by bench/settings.py)."""

from django.urls import include, path

from bench import floor
from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401

urlpatterns = [
    path("__bench__/static", floor.static, name="bench-floor-static"),
    path("__bench__/sql", floor.raw_sql, name="bench-floor-sql"),
    path("", include("portal.urls")),
]
