"""The API's collections: one router, its resource names a contract partners rely on
(docs/api.md). Apart from urls.py so that the API root can list them without importing
the URLs that route to it."""

from rest_framework.routers import SimpleRouter

from cooperation.api import views

router = SimpleRouter()
router.register("sources", views.SourceViewSet, basename="source")
router.register("excerpts", views.ExcerptViewSet, basename="excerpt")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("tags", views.TagViewSet, basename="tag")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("deals", views.DealViewSet, basename="deal")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("annotations", views.AnnotationViewSet, basename="annotation")
