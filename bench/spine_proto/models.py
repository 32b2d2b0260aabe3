"""The record spine as Django would hold it: multi-table inheritance, kinds keep their own ids.

- `Record` is concrete: every record's shared columns in one table, with its own key
  `record_id` (a spine-wide sequence) and `record_kind`.
- Each kind inherits from it but declares its own primary key `id` and a non-primary
  `record_ptr` parent link (Django's model_inheritance_regress.ParkingLot3 pattern), so
  `/api/v1/deals/7/`, the link tables and the status timeline keep the ids they have.
- Evidence and notes point at `Record` with real foreign keys.

Tables are prefixed `spine_proto_`; bench/spine_eval.py creates and fills them.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from cooperation.choices import (
    AgreementKind,
    AgreementStatus,
    AnnotationMotivation,
    AnnotationVisibility,
    ChallengeCategory,
    DatePrecision,
    DealKind,
    DealStatus,
    Priority,
    RecommendationStatus,
    Severity,
    Visibility,
)
from cooperation.history import History
from cooperation.models.base import LiveQuerySet, Tracked, live_index
from cooperation.models.ranks import choice_rank
from cooperation.models.search import search_index, weighted_vector


class RecordKind(models.TextChoices):
    AGREEMENT = "agreement"
    DEAL = "deal"
    CHALLENGE = "challenge"
    RECOMMENDATION = "recommendation"


class KindManager(models.Manager.from_queryset(LiveQuerySet)):
    """Live records of one kind. Naming the kind lets PostgreSQL use the spine's per-kind
    partial indexes; the join to the kind table alone would not tell it."""

    kind = ""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True, record_kind=self.kind)


def kind_manager(kind: str) -> KindManager:
    # A class per kind, not an argument: Django builds related managers from the class.
    return type(f"{kind.title()}Manager", (KindManager,), {"kind": kind})()


def _per_kind(*fields: str, name: str) -> list[models.Index]:
    """One partial index per kind: each kind's list walks only its own rows, as today."""
    return [
        models.Index(
            fields=list(fields),
            name=f"{name}_{kind[:4]}",
            condition=models.Q(deleted_at__isnull=True, record_kind=kind),
        )
        for kind in RecordKind.values
    ]


class Record(Tracked):
    record_id = models.BigAutoField(primary_key=True)
    record_kind = models.CharField(max_length=16, choices=RecordKind, editable=False)
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, db_index=False)
    summary = models.TextField(blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility, default=Visibility.DRAFT)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_duplicates",
        editable=False,
    )

    class Meta:
        ordering = ["title"]
        base_manager_name = "all_objects"
        constraints = [
            # Web URLs are /<kind>/<slug>/: a slug is unique within its kind, as today.
            models.UniqueConstraint(fields=["record_kind", "slug"], name="spine_kind_slug"),
        ]
        indexes = [
            *_per_kind("title", "record_id", name="spine_title"),
            # The cross-kind list ("all records", newest first) and the dashboard's stamp.
            live_index("updated_at", "record_id", name="spine_live_updated"),
            live_index("title", "record_id", name="spine_live_title"),
            # Search stays per kind (as today's four GIN indexes): one index over all kinds
            # returned every kind's matches for a one-kind search, 1.3x slower.
            *(
                GinIndex(
                    weighted_vector("record"),
                    name=f"spine_fts_{kind[:4]}",
                    condition=models.Q(deleted_at__isnull=True, record_kind=kind),
                )
                for kind in RecordKind.values
            ),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new deal is a "deal" on the spine; a loaded row keeps what the table says.
        if not self.__dict__.get("record_kind") and type(self) is not Record:
            self.record_kind = self._meta.model_name

    def __str__(self) -> str:
        return self.title


class KindLinks(models.Model):
    """Actors and topics stay on each kind, in the link tables they have today.

    Declared on the spine, django-simple-history 3.13 would build one history model,
    `HistoricalRecord_actors`, for all four kinds (its m2m models are keyed by field),
    tied to whichever kind registered last: a deal's history write then fails.
    """

    actors = models.ManyToManyField("cooperation.Actor", blank=True, related_name="+")
    topics = models.ManyToManyField("cooperation.Topic", blank=True, related_name="+")

    class Meta:
        abstract = True


class Agreement(KindLinks, Record):
    id = models.BigAutoField(primary_key=True)
    record_ptr = models.OneToOneField(
        Record, on_delete=models.PROTECT, parent_link=True, related_name="agreement"
    )
    kind = models.CharField(max_length=32, choices=AgreementKind, db_index=True)
    status = models.CharField(max_length=32, choices=AgreementStatus, db_index=True)
    parties = models.ManyToManyField("cooperation.Actor", blank=True, related_name="+")
    signed_on = models.DateField(null=True, blank=True)
    signed_on_precision = models.CharField(max_length=8, choices=DatePrecision, blank=True)
    in_force_on = models.DateField(null=True, blank=True)

    objects = kind_manager(RecordKind.AGREEMENT)
    history = History(m2m_fields=("actors", "topics", "parties"))

    class Meta:
        # The partial condition lives on the spine now: kind indexes can't be partial.
        indexes = [models.Index(fields=["signed_on", "id"], name="spine_agreement_signed")]


class Deal(KindLinks, Record):
    id = models.BigAutoField(primary_key=True)
    record_ptr = models.OneToOneField(
        Record, on_delete=models.PROTECT, parent_link=True, related_name="deal"
    )
    kind = models.CharField(max_length=32, choices=DealKind, db_index=True)
    status = models.CharField(max_length=32, choices=DealStatus, db_index=True)
    supplier = models.ForeignKey(
        "cooperation.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "cooperation.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    system = models.CharField(max_length=300, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    governed_by = models.ManyToManyField(Agreement, blank=True, related_name="governed_deals")

    objects = kind_manager(RecordKind.DEAL)
    history = History(m2m_fields=("actors", "topics", "governed_by"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="spine_deal_period_ordered",
            )
        ]
        indexes = [models.Index(fields=["period_start", "id"], name="spine_deal_period_start")]


class Challenge(KindLinks, Record):
    id = models.BigAutoField(primary_key=True)
    record_ptr = models.OneToOneField(
        Record, on_delete=models.PROTECT, parent_link=True, related_name="challenge"
    )
    category = models.CharField(max_length=32, choices=ChallengeCategory, db_index=True)
    severity = models.CharField(max_length=16, choices=Severity, db_index=True)
    affects_deals = models.ManyToManyField(Deal, blank=True, related_name="challenges")
    affects_agreements = models.ManyToManyField(Agreement, blank=True, related_name="challenges")

    objects = kind_manager(RecordKind.CHALLENGE)
    history = History(m2m_fields=("actors", "topics", "affects_deals", "affects_agreements"))

    class Meta:
        indexes = [
            models.Index(choice_rank("severity", Severity), "id", name="spine_challenge_severity")
        ]


class Recommendation(KindLinks, Record):
    id = models.BigAutoField(primary_key=True)
    record_ptr = models.OneToOneField(
        Record, on_delete=models.PROTECT, parent_link=True, related_name="recommendation"
    )
    priority = models.CharField(max_length=16, choices=Priority, db_index=True)
    addressed_to = models.ManyToManyField("cooperation.Actor", blank=True, related_name="+")
    addresses = models.ManyToManyField(Challenge, blank=True, related_name="recommendations")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_date = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=32, choices=RecommendationStatus, editable=False, db_index=True
    )

    objects = kind_manager(RecordKind.RECOMMENDATION)
    history = History(m2m_fields=("actors", "topics", "addressed_to", "addresses"))

    class Meta:
        indexes = [
            models.Index(
                choice_rank("priority", Priority), "id", name="spine_recommendation_priority"
            )
        ]


KIND_MODELS = {"agreement": Agreement, "deal": Deal, "challenge": Challenge}
KIND_MODELS["recommendation"] = Recommendation


class StatusChange(models.Model):  # noqa: DJ008
    """The real timeline table, read as is: its recommendation ids are the kind's own ids."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    changed_at = models.DateTimeField()
    note = models.TextField()
    evidence_excerpt = models.ForeignKey(
        "cooperation.Excerpt",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    evidence_url = models.URLField(max_length=500, blank=True)

    class Meta:
        managed = False
        db_table = "cooperation_recommendationstatuschange"


class RecordEvidence(Tracked):
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="evidence_links")
    excerpt = models.ForeignKey("cooperation.Excerpt", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    history = History()

    class Meta:
        ordering = ["excerpt__start"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["record", "excerpt"],
                condition=models.Q(deleted_at__isnull=True),
                name="spine_evidence_unique_live_link",
            )
        ]


class Annotation(Tracked):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.PROTECT, related_name="annotations"
    )
    excerpt = models.ForeignKey(
        "cooperation.Excerpt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    body = models.TextField()
    motivation = models.CharField(
        max_length=16, choices=AnnotationMotivation, default=AnnotationMotivation.COMMENT
    )
    visibility = models.CharField(
        max_length=16, choices=AnnotationVisibility, default=AnnotationVisibility.TEAM
    )
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = History()

    class Meta:
        ordering = ["created_at", "id"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(excerpt__isnull=False) | models.Q(record__isnull=False),
                name="spine_annotation_has_target",
            )
        ]
        indexes = [search_index("annotation", "spine_annotation_fts")]
