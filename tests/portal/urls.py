"""The portal's URLs plus views that fail on purpose, for the error-page and CSP tests.

The handlers are the portal's own (portal/urls.py), so a failure here is answered exactly
as one anywhere in the portal would be.
"""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns

SECRET = "the-error-detail-no-one-may-see"


def fail(request, status):
    if status == 400:
        raise BadRequest(SECRET)
    if status == 403:
        raise PermissionDenied(SECRET)
    if status == 404:
        raise Http404(SECRET)
    raise RuntimeError(SECRET)


INLINE = engines["django"].from_string(
    '<!doctype html><title>nonce</title><script nonce="{{ csp_nonce }}">'
    'document.title = "ran";</script>'
)


def inline_script(request):
    return HttpResponse(INLINE.render({}, request))


urlpatterns = [
    path("test-fail/<int:status>/", fail),
    path("api/test-fail/<int:status>/", fail),
    path("test-inline-script/", inline_script),
    *portal_urlpatterns,
]
