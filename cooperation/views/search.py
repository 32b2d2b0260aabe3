"""One search across records, sources and notes."""

from django.urls import path

from cooperation.views.placeholder import not_built

urlpatterns = [
    path("search/", not_built, name="search"),
]
