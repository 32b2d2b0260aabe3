from django.db import models

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
