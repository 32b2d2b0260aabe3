from django.contrib import admin
from django.urls import include, path

from cooperation.admin.base import view_on_site
from cooperation.views.dashboard import dashboard
from portal import views

admin.site.site_header = "Contours administration"
admin.site.site_title = "Contours admin"
admin.site.index_title = "Curate records, sources and accounts"

urlpatterns = [
    path("", dashboard, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("api/", include("portal.api_urls")),
    # Before the admin's own "view on site", which would answer for any object (see there).
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
    path("admin/", admin.site.urls),
    path("", include("cooperation.urls")),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
