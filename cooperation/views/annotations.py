"""Annotation threads: create, reply, edit, delete and resolve."""

from django.urls import path

from cooperation.views.placeholder import not_built

urlpatterns = [
    path("notes/new/", not_built, name="annotation_create"),
    path("notes/<int:pk>/", not_built, name="annotation_detail"),
    path("notes/<int:pk>/reply/", not_built, name="annotation_reply"),
    path("notes/<int:pk>/edit/", not_built, name="annotation_edit"),
    path("notes/<int:pk>/delete/", not_built, name="annotation_delete"),
    path("notes/<int:pk>/resolve/", not_built, name="annotation_resolve"),
]
