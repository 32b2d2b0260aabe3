"""/api/v1/ routes: the API root and one router. The resource names are a contract partners
rely on (docs/api.md)."""

from django.urls import path

from cooperation.api.changes import ChangesView
from cooperation.api.root import ApiRoot
from cooperation.api.router import grouped_urls, router

# The API root, then the partners' change feed (the root lists it by this name).
urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("changes/", ChangesView.as_view(), name="changes"),
    *grouped_urls(router),
]
