"""/api/: v1 routes, the OpenAPI schema and its docs (served from the sidecar, no CDN).

Any other path under /api/ answers the API's JSON 404, not the HTML page.
"""

from django.conf import settings
from django.urls import include, path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from cooperation.api.conventions import ApiNotFound

app_name = "api"

# Redoc draws itself with styled-components, which writes <style> elements it cannot give a
# nonce to, and builds its search index in a worker made from a blob: URL (which only a
# script already running on the page can create). This page alone allows both; scripts
# from elsewhere or inline stay refused, as everywhere.
REDOC_CSP = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}

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
        csp_override(REDOC_CSP)(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    re_path(r"^.*$", ApiNotFound.as_view()),
]
