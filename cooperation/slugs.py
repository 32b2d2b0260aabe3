"""Slugs made from titles and names: one rule for the web forms, the pickers and the API."""

from __future__ import annotations

from django.utils.text import slugify

from cooperation.models import Record, Tracked

SLUG_MAX = Record._meta.get_field("slug").max_length


def unique_slug(model: type[Tracked], title: str, *, exclude_pk: int | None = None) -> str:
    """A slug from `title`, unique among every row of the model (a record kind, actors,
    topics), trash included.

    The trash keeps its slugs (a restored record keeps its address), so a new record
    cannot take one.
    """
    base = slugify(title)[: SLUG_MAX - 6].strip("-") or model._meta.model_name
    taken = set(
        model.all_objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
