"""The record spine: one row for every record, whatever its kind.

Evidence links, notes, notifications and watches point here with real foreign keys
instead of a (content type, object id) pair, so "what hangs off records this person may
see" is one join on this table for every kind, and the database refuses a link to a
record that does not exist. Decision: docs/decisions/0002-thin-record-spine.md.

The kinds' own tables stay the truth for every column. The spine holds the kind, the
kind's id and copies of the columns that attachments are filtered and shown by (title,
slug, visibility, deleted_at); `Record.save()` writes them in the same transaction as the
kind's row, and nothing else writes them. `spine_drift()` finds any row whose copies
disagree (the test suite asserts it finds none after every test).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from cooperation.choices import RecordKind, Visibility

# The kind's columns the spine carries a copy of.
SPINE_COPIES = ("title", "slug", "visibility", "deleted_at")

# select_related() paths that load each spine row's record, whatever its kind.
KIND_PATHS = tuple(kind.value for kind in RecordKind)


def with_records(path: str = "spine") -> tuple[str, ...]:
    """select_related() paths for a row's spine row and its record (four LEFT JOINs)."""
    return (path, *(f"{path}__{kind}" for kind in KIND_PATHS))


class RecordSpine(models.Model):
    record_kind = models.CharField(max_length=16, choices=RecordKind, editable=False)
    # Set once, right after the kind's row is inserted (its id comes from its own sequence).
    kind_id = models.PositiveBigIntegerField(null=True, editable=False)
    title = models.CharField(max_length=300, editable=False)
    slug = models.SlugField(max_length=120, editable=False)
    visibility = models.CharField(
        max_length=16, choices=Visibility, default=Visibility.DRAFT, editable=False
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "record (any kind)"
        verbose_name_plural = "records (any kind)"
        constraints = [
            models.UniqueConstraint(
                fields=["record_kind", "kind_id"], name="spine_one_row_per_record"
            )
        ]
        indexes = [
            models.Index(
                fields=["visibility"],
                name="spine_live_visibility",
                condition=Q(deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(f"cooperation:{self.record_kind}_detail", kwargs={"slug": self.slug})

    @property
    def kind_record(self):
        """The agreement, deal, challenge or recommendation itself (one query unless
        loaded with `select_related(*KIND_PATHS)`)."""
        return getattr(self, self.record_kind)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def kind_label(self) -> str:
        return str(self.get_record_kind_display())


def spine_copies(record) -> dict:
    return {name: getattr(record, name) for name in SPINE_COPIES}


def spines_before_bulk_create(model, rows: list) -> list:
    """Spine rows for records about to be bulk-created (bulk_create skips `save()`)."""
    wanted = [row for row in rows if row.spine_id is None]
    spines = RecordSpine.objects.bulk_create(
        [RecordSpine(record_kind=model._meta.model_name, **spine_copies(row)) for row in wanted]
    )
    for row, spine in zip(wanted, spines, strict=True):
        row.spine = spine
    return spines


def spines_after_bulk_create(model, spines: list) -> None:
    """Each new spine row learns its record's id, in one statement."""
    from django.db.models import OuterRef, Subquery

    if not spines:
        return
    kind_ids = model.all_objects.filter(spine_id=OuterRef("pk")).values("pk")[:1]
    RecordSpine.objects.filter(pk__in=[s.pk for s in spines]).update(kind_id=Subquery(kind_ids))


def spine_drift() -> list[tuple[str, int]]:
    """(kind, id) of every record whose spine row disagrees with it: should be none."""
    drift = []
    for kind in RecordKind.values:
        model = RecordSpine._meta.apps.get_model("cooperation", kind)
        same = Q(
            spine__record_kind=model._meta.model_name,
            spine__kind_id=F("pk"),
            spine__title=F("title"),
            spine__slug=F("slug"),
            spine__visibility=F("visibility"),
        ) & (
            Q(spine__deleted_at__isnull=True, deleted_at__isnull=True)
            | Q(spine__deleted_at=F("deleted_at"))
        )
        drift += [(kind, pk) for pk in model.all_objects.exclude(same).values_list("pk", flat=True)]
    return drift
