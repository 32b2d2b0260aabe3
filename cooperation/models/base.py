"""Abstract bases: who and when, a version number, and soft deletion."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Visibility
from cooperation.models.checks import PythonChecks
from cooperation.models.search import Searchable, search_index
from portal.loading import FastLoad


class LiveQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class LiveManager(models.Manager.from_queryset(LiveQuerySet)):
    """The default manager hides soft-deleted rows; `all_objects` sees everything."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


def live_index(*columns, name: str) -> models.Index:
    """A partial index on live rows, as the default manager reads them.

    Each one answers a list's filter or order that tests/scale/test_query_plans.py
    shows would otherwise scan the whole table. `columns` are field names or
    expressions (an expression index matches only a query repeating it exactly).
    """
    live = models.Q(deleted_at__isnull=True)
    if all(isinstance(column, str) for column in columns):
        return models.Index(fields=list(columns), name=name, condition=live)
    expressions = [models.F(c) if isinstance(c, str) else c for c in columns]
    return models.Index(*expressions, name=name, condition=live)


class Tracked(PythonChecks, FastLoad):
    """Who made and last changed a row, when, its version, and whether it is in the trash.

    `version` rises by one with every write; edits carry the version they started
    from, so a stale form or API call is refused instead of overwriting.
    Nothing is hard-deleted: a delete sets `deleted_at`.
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = LiveManager()
    all_objects = LiveQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    # Who wrote the row: set by the services to the acting user, never from input (the
    # fields are not editable). Django's clean_fields would ask the database whether each
    # still exists, two or three statements per row saved; the foreign keys enforce it.
    _AUTHOR_FIELDS = frozenset({"created_by", "updated_by", "deleted_by"})

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=self._AUTHOR_FIELDS.union(exclude or ()))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def delete_blocker(self) -> str:
        """Why this may not go to the trash now, or "" when it may."""
        return ""


class RecordQuerySet(LiveQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create with each record's spine row (cooperation/models/spine.py), as
        `Record.save()` makes it one row at a time: three statements a batch."""
        from cooperation.models.spine import spines_after_bulk_create, spines_before_bulk_create

        objs = list(objs)
        spines = spines_before_bulk_create(self.model, objs)
        created = super().bulk_create(objs, *args, **kwargs)
        spines_after_bulk_create(self.model, spines)
        return created


class RecordManager(models.Manager.from_queryset(RecordQuerySet)):
    """The default manager of every record kind: live rows only (see LiveManager)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Record(Searchable, Tracked):
    """What agreements, deals, challenges and recommendations have in common."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility, default=Visibility.DRAFT, db_index=True
    )
    actors = models.ManyToManyField("cooperation.Actor", blank=True, related_name="%(class)s_set")
    topics = models.ManyToManyField("cooperation.Topic", blank=True, related_name="%(class)s_set")
    tags = models.ManyToManyField("cooperation.Tag", blank=True, related_name="%(class)s_set")
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_duplicates",
        editable=False,
        help_text="Set when this record was merged into another as a duplicate.",
    )
    # Its row in the record spine, which evidence, notes, notifications and watches point
    # at (cooperation/models/spine.py). Made and kept by save(); never in history.
    spine = models.OneToOneField(
        "cooperation.RecordSpine",
        on_delete=models.PROTECT,
        related_name="%(class)s",
        editable=False,
    )

    objects = RecordManager()
    all_objects = RecordQuerySet.as_manager()

    publish_permission = "cooperation.publish_record"
    search_key = "record"  # which vector in cooperation.models.search

    # Many-to-many fields each concrete record snapshots into its history.
    history_m2m_fields: tuple[str, ...] = ("actors", "topics", "tags")

    class Meta(Tracked.Meta):
        abstract = True
        ordering = ["title"]
        permissions = [
            ("publish_record", "Can publish and unpublish records"),
            ("merge_record", "Can merge duplicate records"),
            ("restore_record", "Can restore earlier versions and deleted records"),
        ]
        indexes = [
            search_index("record", "%(class)s_fts"),
            # The lists' default order (title, then pk for stable pages).
            live_index("title", "id", name="%(class)s_live_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        """Save the row and its spine row's copies in the caller's transaction."""
        from cooperation.models.spine import SPINE_COPIES, RecordSpine, spine_copies

        update_fields = kwargs.get("update_fields")
        copies_change = update_fields is None or set(update_fields) & set(SPINE_COPIES)
        stale = (
            self.spine_id is not None
            and copies_change
            and not RecordSpine.objects.filter(pk=self.spine_id).update(**spine_copies(self))
        )
        if stale:
            # The spine row was made by an attempt whose transaction rolled back (a retried
            # write saves the same instance again): make it anew.
            self.spine = None
        if self.spine_id is None:
            self.spine = RecordSpine.objects.create(
                record_kind=self._meta.model_name, kind_id=self.pk, **spine_copies(self)
            )
            super().save(*args, **kwargs)
            if self.spine.kind_id != self.pk:
                RecordSpine.objects.filter(pk=self.spine_id).update(kind_id=self.pk)
                self.spine.kind_id = self.pk
            return
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"cooperation:{self._meta.model_name}_detail", kwargs={"slug": self.slug})

    @property
    def evidence_links(self):
        """Its evidence links (a prefetch of `spine__evidence_links` is used when made)."""
        if "spine" in self._state.fields_cache:
            return self.spine.evidence_links
        evidence = self._meta.apps.get_model("cooperation", "RecordEvidence")
        return evidence.objects.filter(spine_id=self.spine_id)

    @property
    def annotations(self):
        """The notes on it (all of them: readers filter through the selectors)."""
        if "spine" in self._state.fields_cache:
            return self.spine.annotations
        notes = self._meta.apps.get_model("cooperation", "Annotation")
        return notes.objects.filter(spine_id=self.spine_id)

    def clean(self):
        super().clean()
        from cooperation.precise_dates import check

        errors = check(self)
        if errors:
            raise ValidationError(errors)

    @property
    def kind_label(self) -> str:
        return self._meta.verbose_name.capitalize()

    def live_evidence_links(self):
        return self.evidence_links.select_related("excerpt")
