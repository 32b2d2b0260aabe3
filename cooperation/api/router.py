"""The API's collections: one router, its resource names a contract partners rely on
(docs/api.md). Apart from urls.py so that the API root can list them without importing
the URLs that route to it."""

from __future__ import annotations

from django.urls import include, path
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


def grouped_urls(router: SimpleRouter) -> list:
    """The router's URLs, each resource's under one `<prefix>/` include.

    `router.urls` is one flat list of ~55 patterns, and Django tries them in order, each a
    regex and an entry in the list of tried patterns that every enclosing resolver copies:
    resolving a recommendation's detail, near the end, cost ~130 µs of every request's
    CPU. Grouped, a path is matched against one prefix per resource, then the few routes
    of its own. The paths, names and views are the router's own (the routes are the
    router's, made for an empty prefix): tests/api/test_routes.py holds the two lists to
    the same answers.
    """
    if type(router) is not SimpleRouter or router.trailing_slash != "/":
        # The routes are remade for an empty prefix as this router's defaults make them; a
        # router of another kind or set otherwise keeps its own flat list.
        return router.urls
    urls = []
    for prefix, viewset, basename in router.registry:
        own = SimpleRouter()
        own.register("", viewset, basename=basename)
        urls.append(path(f"{prefix}/", include(own.urls)))
    return urls
