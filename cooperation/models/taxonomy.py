import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from cooperation.choices import ActorKind
from cooperation.history import History
from cooperation.models.base import Tracked
from cooperation.models.search import Searchable, search_index


class Actor(Searchable, Tracked):
    """A state, organisation or grouping that records name."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=32, choices=ActorKind, default=ActorKind.STATE)
    description = models.TextField(blank=True)

    history = History()

    search_key = "actor"

    class Meta(Tracked.Meta):
        ordering = ["name"]
        indexes = [search_index("actor", "actor_fts")]

    def __str__(self) -> str:
        return self.name


class Topic(Searchable, Tracked):
    """A technology or policy area."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    history = History()

    search_key = "topic"

    class Meta(Tracked.Meta):
        ordering = ["name"]
        indexes = [search_index("topic", "topic_fts")]

    def __str__(self) -> str:
        return self.name


TAG_NAME_MAX = 40


# Letters (any script), digits, spaces and a little punctuation: a tag is a word or two,
# shown in lists and typed into URLs' `?tag=` as its slug.
_TAG_NAME = re.compile(r"^[\w][\w .&'+/()-]*$")


def clean_tag_name(name: str) -> str:
    """The name as it will be kept (spaces collapsed), or a ValidationError saying why not."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the tag a name."})
    if len(name) > TAG_NAME_MAX:
        raise ValidationError(
            {"name": f"Keep a tag's name to {TAG_NAME_MAX} characters (this has {len(name)})."}
        )
    if not _TAG_NAME.match(name):
        raise ValidationError(
            {
                "name": "Use letters, digits, spaces and - . & ' + / ( ) only, starting "
                "with a letter or digit."
            }
        )
    return name


class Tag(Tracked):
    """A short label analysts put on records and notes, to gather and filter them.

    Unlike a topic (a curated subject area with a description), a tag is made on the fly
    from the pickers. Names are unique whatever their case ("NATO" and "nato" are one tag):
    the constraint is on the lower-cased name, so two writers racing cannot both win.
    """

    name = models.CharField(max_length=TAG_NAME_MAX)
    slug = models.SlugField(max_length=60, unique=True)

    history = History()

    class Meta(Tracked.Meta):
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_ci",
                violation_error_message="A tag with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        self.name = clean_tag_name(self.name)
