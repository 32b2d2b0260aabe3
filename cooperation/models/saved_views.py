"""Saved views: a person's named filters and ordering of one list, shareable with the team.

Written only by cooperation/services/saved_views.py. A view holds a query string, never
records: opening it runs the list with the visitor's own visibility, so a view shared by
someone who reads more shows a colleague only what that colleague may read.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from cooperation.choices import SavedViewList
from cooperation.history import History
from cooperation.models.base import LiveManager, LiveQuerySet

NAME_MAX = 100
# A list's whole query string; a longer one is refused (a URL people share stays usable).
QUERY_MAX = 2000


def new_token() -> str:
    """The link's opaque id: 16 random bytes, so a guessed or counted id names nothing."""
    return secrets.token_urlsafe(16)


class SavedView(models.Model):
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_views"
    )
    name = models.CharField(max_length=NAME_MAX)
    list_key = models.CharField("list", max_length=32, choices=SavedViewList)
    # Normalised (services/saved_views.normalise_query): only the list's own filter and
    # ordering parameters, sorted, no page or empty values.
    query = models.CharField(max_length=QUERY_MAX, blank=True)
    shared = models.BooleanField(
        "shared with the team", default=False, help_text="Colleagues may open it by its link."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Deleted from the web is a soft delete with a history row, as everywhere here.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = History()

    objects = LiveManager()
    all_objects = LiveQuerySet.as_manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["list_key", Lower("name"), "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                "list_key",
                condition=Q(deleted_at__isnull=True),
                name="savedview_name_unique_per_owner_and_list",
                violation_error_message="You already have a view of this list by that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
