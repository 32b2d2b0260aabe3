"""The source reader: the brief as a person reads it; selection to evidence or note."""

from django.urls import path

from cooperation.views.placeholder import not_built

urlpatterns = [
    path("sources/import/", not_built, name="source_import"),
    path("sources/<int:pk>/", not_built, name="source_detail"),
    path("sources/<int:pk>/selection/", not_built, name="source_selection"),
    path("sources/<int:pk>/evidence/", not_built, name="source_make_evidence"),
    path("sources/<int:pk>/annotate/", not_built, name="source_annotate"),
]
