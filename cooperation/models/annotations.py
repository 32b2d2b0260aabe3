from django.conf import settings
from django.db import models

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.history import History
from cooperation.markdown import markdown_plain_text
from cooperation.models.base import Tracked
from cooperation.models.search import Searchable, search_index


class Annotation(Searchable, Tracked):
    """A user's note on a record or on an excerpt of a source; replies form threads.

    The body is Markdown as the author typed it; it is sanitised when rendered.
    A reply carries its thread's target too, so a target's notes are one query.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    # The record it is on (through the record spine), or else `excerpt`.
    spine = models.ForeignKey(
        "cooperation.RecordSpine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
    )
    excerpt = models.ForeignKey(
        "cooperation.Excerpt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    body = models.TextField()
    motivation = models.CharField(
        max_length=16, choices=AnnotationMotivation, default=AnnotationMotivation.COMMENT
    )
    visibility = models.CharField(
        max_length=16,
        choices=AnnotationVisibility,
        default=AnnotationVisibility.TEAM,
        db_index=True,
    )
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Partners are separate tenants (docs/partner-guide.md, "Whose notes you see"): a
    # partner's thread belongs to their organisation; a staff note marked "partners"
    # reaches every partner organisation unless `shared_with` names some.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The partner organisation whose thread this is; empty for staff threads.",
    )
    shared_with = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="+",
        help_text="Partner organisations a curator shared this thread with (or, for a staff "
        "thread, restricted it to).",
    )

    # Labels for gathering notes (readers see them only on notes they may read).
    tags = models.ManyToManyField("cooperation.Tag", blank=True, related_name="annotations")

    history = History(m2m_fields=["shared_with", "tags"])

    # Only the author edits a note: the generic tracked_* services refuse annotations.
    generic_services = False

    class Meta(Tracked.Meta):
        ordering = ["created_at", "id"]
        permissions = [("moderate_annotation", "Can resolve and hide others' annotations")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(excerpt__isnull=False) | models.Q(spine__isnull=False),
                name="annotation_has_target",
                violation_error_message="A note must be on a record or on an excerpt.",
            )
        ]
        indexes = [
            search_index("annotation", "annotation_fts"),
        ]

    search_key = "annotation"

    @property
    def target_record(self):
        """The record it is on, of whatever kind, or None for a note on an excerpt."""
        return self.spine.kind_record if self.spine_id else None

    @property
    def target(self):
        """What the thread is about: the record, or else the excerpt."""
        return self.target_record if self.spine_id else self.excerpt

    def get_absolute_url(self) -> str:
        # A record's spine row knows its page: no query for the record itself.
        target = self.spine if self.spine_id else self.excerpt
        base = target.get_absolute_url() if target is not None else ""
        return f"{base.split('#')[0]}#annotation-{self.pk}"

    def __str__(self) -> str:
        # Its text without Markdown markup, cut after a whole word.
        return markdown_plain_text(self.body, max_chars=80)
