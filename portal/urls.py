from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views

admin.site.site_header = "Contours administration"
admin.site.site_title = "Contours admin"
admin.site.index_title = "Curate records, sources and accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
