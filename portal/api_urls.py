"""/api/: v1 routes, the OpenAPI schema and its docs (served from the sidecar, no CDN).

Any other path under /api/ answers the API's JSON 404, not the HTML page.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from cooperation.api.errors import api_not_found

app_name = "api"

urlpatterns = [
    path("v1/", include("cooperation.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path(
        "docs/redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    re_path(r"^.*$", api_not_found),
]
