"""Temporary: a page not built yet answers 501 so the URL contract holds while areas land.

Delete this module once no urlpattern points at `not_built`.
"""

from django.http import HttpResponse

from accounts.decorators import internal_user_required


@internal_user_required
def not_built(request, **kwargs):
    return HttpResponse("Not built yet.", status=501, content_type="text/plain")
