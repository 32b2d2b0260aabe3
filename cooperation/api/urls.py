"""/api/v1/ routes: the API root and one router. The resource names are a contract partners
rely on (docs/api.md)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from cooperation.api import views
from cooperation.api.changes import ChangesView
from cooperation.api.root import ApiRoot

router = SimpleRouter()
router.register("sources", views.SourceViewSet, basename="source")
router.register("excerpts", views.ExcerptViewSet, basename="excerpt")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("deals", views.DealViewSet, basename="deal")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("annotations", views.AnnotationViewSet, basename="annotation")

# The API root, then the partners' change feed (the root lists it by this name).
urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("changes/", ChangesView.as_view(), name="changes"),
    *router.urls,
]
