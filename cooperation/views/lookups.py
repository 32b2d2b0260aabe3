"""JSON lookups behind the record forms' pickers and the note forms' @mention completion.

`GET /lookup/<what>/?q=…` answers `{"results": [{"id", "label", "detail"}], "more": bool}`
with at most `LIMIT` rows the user may read (`selectors.pickable`), matching `q` anywhere in
the name or title; `q` may be empty (the first rows). `GET /lookup/people/?q=…` answers the
names `@q…` may complete to (`notifications.mention_candidates`: the people a mention
reaches). `POST /lookup/actors/new/`, `/lookup/topics/new/` and `/lookup/tags/new/` (`name`)
create one through `tracked_create` (a tag through `tag_create`), which asks
`permissions.require`; a refusal or bad input is a 400 or 403 with `{"detail": "…"}`,
never a 500.

The forms work without these: the pickers enhance the plain checkbox lists
(static/js/pickers.js), the completion a plain textarea (static/js/mentions.js).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import internal_user_required
from cooperation.models import Actor, Agreement, Challenge, Deal, Recommendation, Tag, Topic
from cooperation.selectors import pickable
from cooperation.services import tracked_create
from cooperation.services.common import describe_validation_error
from cooperation.services.notifications import mention_candidates
from cooperation.services.tags import tag_create
from cooperation.slugs import unique_slug

LIMIT = 10
MAX_QUERY = 100

# What a picker may look up: the path segment, the model and the field it matches.
LOOKUPS = {
    "actors": (Actor, "name"),
    "topics": (Topic, "name"),
    "tags": (Tag, "name"),
    "agreements": (Agreement, "title"),
    "deals": (Deal, "title"),
    "challenges": (Challenge, "title"),
    "recommendations": (Recommendation, "title"),
}
# What a picker may create inline, through the tracked service.
CREATABLE = {"actors": Actor, "topics": Topic, "tags": Tag}


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _query(request) -> str | JsonResponse:
    """The `q` parameter, trimmed; or the 400 that says what is wrong with it."""
    q = request.GET.get("q", "")
    if len(q) > MAX_QUERY:
        return _bad(f"Search for at most {MAX_QUERY} characters.")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in q):
        return _bad("The search contains characters that cannot be searched for.")
    return q.strip()


def _detail(obj) -> str:
    kind = getattr(obj, "get_kind_display", None)
    if kind is not None:
        return str(kind())
    visibility = getattr(obj, "get_visibility_display", None)
    return str(visibility()) if visibility is not None else ""


@internal_user_required
@require_GET
def lookup(request, what: str):
    model, field = LOOKUPS[what]
    q = _query(request)
    if isinstance(q, JsonResponse):
        return q
    rows = pickable(request.user, model)
    if q:
        rows = rows.filter(**{f"{field}__icontains": q})
    found = list(rows.order_by(field, "pk")[: LIMIT + 1])
    results = [
        {"id": obj.pk, "label": getattr(obj, field), "detail": _detail(obj)}
        for obj in found[:LIMIT]
    ]
    return JsonResponse({"results": results, "more": len(found) > LIMIT})


@internal_user_required
@require_GET
def lookup_people(request):
    q = _query(request)
    if isinstance(q, JsonResponse):
        return q
    return JsonResponse({"results": mention_candidates(q.removeprefix("@"), limit=LIMIT)})


@internal_user_required
@require_POST
def lookup_create(request, what: str):
    model = CREATABLE[what]
    noun = model._meta.verbose_name
    name = " ".join(request.POST.get("name", "").split())
    if not name:
        return _bad(f"Give the new {noun} a name.")
    max_length = model._meta.get_field("name").max_length
    if len(name) > max_length:
        return _bad(f"{_a(noun).capitalize()}'s name is at most {max_length} characters.")
    existing = model.objects.filter(name__iexact=name).first()
    if existing is not None:
        return _bad(f"There is already {_a(noun)} named “{existing.name}”: pick it from the list.")
    try:
        if model is Tag:
            # Tags have their own service: name rules, and unique whatever the case.
            obj = tag_create(user=request.user, name=name)
        else:
            obj = tracked_create(
                model=model,
                user=request.user,
                data={"name": name, "slug": unique_slug(model, name)},
                reason="Created",
            )
    except PermissionDenied:
        return _bad(f"You may not create {model._meta.verbose_name_plural}.", status=403)
    except ValidationError as exc:
        return _bad(describe_validation_error(exc))
    except IntegrityError:
        return _bad(f"Someone has just created this {noun}: search for it again.")
    return JsonResponse({"id": obj.pk, "label": obj.name, "detail": _detail(obj)}, status=201)


urlpatterns = [
    path("lookup/people/", lookup_people, name="lookup_people"),
    *(
        path(f"lookup/{what}/new/", lookup_create, {"what": what}, name=f"lookup_{what}_create")
        for what in CREATABLE
    ),
    *(path(f"lookup/{what}/", lookup, {"what": what}, name=f"lookup_{what}") for what in LOOKUPS),
]
