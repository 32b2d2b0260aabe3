"""What every /api/ view answers alike, whatever its resource: throttles before permissions,
the RateLimit fields (portal/ratelimit.py) and the caching headers (conditional.py)."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from cooperation.api.conditional import cache_headers
from cooperation.api.errors import api_not_found
from cooperation.api.renderers import JSONRenderer
from portal import ratelimit


class ApiConventions:
    """Mixed into every DRF view under /api/ (viewsets, the API root, the catch-all 404)."""

    def check_permissions(self, request):
        # Throttle first: DRF checks permissions before throttles, so a client without
        # credentials would get unlimited 401s. Anonymous clients count against their rate too.
        self.check_throttles(request)
        self._throttles_checked = True
        super().check_permissions(request)

    def check_throttles(self, request):
        if not getattr(self, "_throttles_checked", False):
            super().check_throttles(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        ratelimit.add_fields(request, response)
        response._resource_closers.append(partial(_let_go, self, response))
        return cache_headers(request, response)


@extend_schema(exclude=True)
class ApiNotFound(ApiConventions, APIView):
    """Any /api/ path that names nothing: errors.api_not_found's JSON 404, counted and
    labelled like every other API answer (a token is checked; a bad one is a 401)."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def _not_found(self, request, *args, **kwargs):
        return api_not_found(request._request)

    get = post = put = patch = delete = head = options = trace = _not_found


def _let_go(view, response) -> None:
    """Once the answer is sent (response.close()), break the reference cycles DRF leaves it in.

    DRF keeps the view, the request and the response in `renderer_context`, and the view
    keeps the response, so an answer and its data (a list page's 50 documents: some 1,300
    dicts and lists) outlived every request until the garbage collector found the cycle:
    ~1.6 ms of a list page went to collections (docs/benchmarks.md). With the response out
    of the cycles, it and its data are freed as soon as the server lets go of it; the view
    and the DRF request, which still point at each other, are left to the collector (a
    few dozen objects). Django runs `_resource_closers` from close(), as it does for a
    FileResponse's file.
    """
    response.renderer_context = None
    view.__dict__.pop("response", None)
