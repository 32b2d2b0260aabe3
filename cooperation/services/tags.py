"""Tags: making one, and putting tags on records and notes or taking them off.

A tag on a record is one of the record's links, like a topic: it changes through
`tracked_update` (the version check, one history row naming the new set of tags, the
watchers told). A note's tags change only through `annotation_tags_set` here, since the
generic services refuse notes (cooperation/services/annotations.py is theirs).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from cooperation.models import Annotation, Record, Tag
from cooperation.models.taxonomy import clean_tag_name
from cooperation.permissions import require
from cooperation.services.annotations import annotation_edit
from cooperation.services.common import live_tag_ids
from cooperation.services.tracked import create_tracked, lock, tracked_update

SLUG_MAX = Tag._meta.get_field("slug").max_length


def existing_tag(name: str) -> Tag | None:
    """The tag of this name in any case ("nato" finds "NATO"), trash included."""
    return Tag.all_objects.filter(name__iexact=clean_tag_name(name)).order_by("pk").first()


def _slug_for(name: str) -> str:
    base = slugify(name)[: SLUG_MAX - 6].strip("-") or "tag"
    taken = set(Tag.all_objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def tag_create(*, user, name: str) -> Tag:
    """A new tag. A name that exists in any case is refused, naming the tag that has it."""
    name = clean_tag_name(name)
    require(user, "create", Tag, message="You may not make tags.")
    same = Tag.all_objects.filter(name__iexact=name).first()
    if same is not None:
        where = " (in the trash)" if same.is_deleted else ""
        raise ValidationError(
            {"name": f"The tag “{same.name}”{where} already exists; use it instead."},
            code="duplicate",
        )
    try:
        with transaction.atomic():
            return create_tracked(
                model=Tag, user=user, data={"name": name, "slug": _slug_for(name)}, reason="Created"
            )
    except IntegrityError:
        # Someone made it in another case between our check and our insert.
        raise ValidationError(
            {"name": "A tag with this name was just made by someone else; use it instead."},
            code="duplicate",
        ) from None


def tag_get_or_create(*, user, name: str) -> tuple[Tag, bool]:
    """The live tag of this name in any case, or a new one (the pickers' inline create)."""
    found = existing_tag(name)
    if found is not None and not found.is_deleted:
        return found, False
    return tag_create(user=user, name=name), True


@transaction.atomic
def record_tags_change(
    *,
    record: Record,
    user,
    add=(),
    remove=(),
    expected_version: int | None = None,
    must_change: bool = False,
) -> Record:
    """Put `add` on the record and take `remove` off it, as one version with one history row.

    A change that changes nothing (the tags are already there) writes nothing; with
    `must_change` (a bulk action, which reports each row) it is refused, saying why.
    """
    require(user, "tag", record, message="You may not tag this record.")
    add_ids = live_tag_ids(add)
    remove_ids = {getattr(tag, "pk", tag) for tag in remove}
    current = lock(record)
    if current.is_deleted:
        raise ValidationError("This record is in the trash; restore it before tagging it.")
    now = set(current.tags.values_list("pk", flat=True))
    wanted = (now | add_ids) - remove_ids
    names = dict(Tag.all_objects.filter(pk__in=add_ids | remove_ids).values_list("pk", "name"))
    parts = [f"+{names[pk]}" for pk in sorted(add_ids - now)]
    parts += [f"−{names[pk]}" for pk in sorted(remove_ids & now)]
    if must_change and not parts:
        listed = ", ".join(f"“{names[pk]}”" for pk in sorted(add_ids | remove_ids))
        raise ValidationError(
            f"It already carries {listed}." if add_ids else f"It does not carry {listed}.",
            code="unchanged",
        )
    return tracked_update(
        instance=current,
        user=user,
        data={"tags": sorted(wanted)},
        expected_version=expected_version,
        reason=("Tags " + " ".join(parts))[:100] if parts else "Tags",
    )


def annotation_tags_set(*, annotation: Annotation, user, tags) -> Annotation:
    """The note's tags become `tags`: its author's (or a moderator's) act, one history row.

    The notes service's own edit does it (notes have one write path), at any version.
    """
    return annotation_edit(annotation=annotation, user=user, expected_version=None, tags=tags)
