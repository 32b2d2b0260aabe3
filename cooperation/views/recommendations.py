"""Recommendation tracking: status transitions, proposals, responses and the board."""

from django.urls import path

from cooperation.views.placeholder import not_built

urlpatterns = [
    path("recommendations/board/", not_built, name="recommendation_board"),
    path("recommendations/<slug:slug>/transition/", not_built, name="recommendation_transition"),
    path("recommendations/<slug:slug>/response/", not_built, name="recommendation_response"),
    path("proposals/<int:pk>/decide/", not_built, name="proposal_decide"),
]
