"""Lists of every record kind, sources and notes: filters, search, order, pages, CSV."""

from django.urls import path

from cooperation.views.placeholder import not_built

urlpatterns = [
    path("agreements/", not_built, name="agreement_list"),
    path("agreements/export.csv", not_built, name="agreement_export"),
    path("deals/", not_built, name="deal_list"),
    path("deals/export.csv", not_built, name="deal_export"),
    path("challenges/", not_built, name="challenge_list"),
    path("challenges/export.csv", not_built, name="challenge_export"),
    path("recommendations/", not_built, name="recommendation_list"),
    path("recommendations/export.csv", not_built, name="recommendation_export"),
    path("sources/", not_built, name="source_list"),
    path("sources/export.csv", not_built, name="source_export"),
    path("notes/", not_built, name="annotation_list"),
    path("notes/export.csv", not_built, name="annotation_export"),
]
