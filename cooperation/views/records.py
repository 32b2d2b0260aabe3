"""Record pages: detail, create, edit, history and restore, trash, publishing."""

from django.urls import path

from cooperation.views.placeholder import not_built

urlpatterns = [
    path("agreements/new/", not_built, name="agreement_create"),
    path("agreements/<slug:slug>/", not_built, name="agreement_detail"),
    path("agreements/<slug:slug>/edit/", not_built, name="agreement_edit"),
    path("agreements/<slug:slug>/history/", not_built, name="agreement_history"),
    path(
        "agreements/<slug:slug>/history/<int:history_id>/restore/",
        not_built,
        name="agreement_restore",
    ),
    path("agreements/<slug:slug>/delete/", not_built, name="agreement_delete"),
    path("agreements/<slug:slug>/visibility/", not_built, name="agreement_visibility"),
    path(
        "agreements/<slug:slug>/evidence/<int:link_id>/detach/",
        not_built,
        name="agreement_evidence_detach",
    ),
    path("deals/new/", not_built, name="deal_create"),
    path("deals/<slug:slug>/", not_built, name="deal_detail"),
    path("deals/<slug:slug>/edit/", not_built, name="deal_edit"),
    path("deals/<slug:slug>/history/", not_built, name="deal_history"),
    path("deals/<slug:slug>/history/<int:history_id>/restore/", not_built, name="deal_restore"),
    path("deals/<slug:slug>/delete/", not_built, name="deal_delete"),
    path("deals/<slug:slug>/visibility/", not_built, name="deal_visibility"),
    path(
        "deals/<slug:slug>/evidence/<int:link_id>/detach/", not_built, name="deal_evidence_detach"
    ),
    path("challenges/new/", not_built, name="challenge_create"),
    path("challenges/<slug:slug>/", not_built, name="challenge_detail"),
    path("challenges/<slug:slug>/edit/", not_built, name="challenge_edit"),
    path("challenges/<slug:slug>/history/", not_built, name="challenge_history"),
    path(
        "challenges/<slug:slug>/history/<int:history_id>/restore/",
        not_built,
        name="challenge_restore",
    ),
    path("challenges/<slug:slug>/delete/", not_built, name="challenge_delete"),
    path("challenges/<slug:slug>/visibility/", not_built, name="challenge_visibility"),
    path(
        "challenges/<slug:slug>/evidence/<int:link_id>/detach/",
        not_built,
        name="challenge_evidence_detach",
    ),
    path("recommendations/new/", not_built, name="recommendation_create"),
    path("recommendations/<slug:slug>/", not_built, name="recommendation_detail"),
    path("recommendations/<slug:slug>/edit/", not_built, name="recommendation_edit"),
    path("recommendations/<slug:slug>/history/", not_built, name="recommendation_history"),
    path(
        "recommendations/<slug:slug>/history/<int:history_id>/restore/",
        not_built,
        name="recommendation_restore",
    ),
    path("recommendations/<slug:slug>/delete/", not_built, name="recommendation_delete"),
    path("recommendations/<slug:slug>/visibility/", not_built, name="recommendation_visibility"),
    path(
        "recommendations/<slug:slug>/evidence/<int:link_id>/detach/",
        not_built,
        name="recommendation_evidence_detach",
    ),
    path("trash/", not_built, name="trash"),
    path("trash/<str:model>/<int:pk>/restore/", not_built, name="trash_restore"),
]
