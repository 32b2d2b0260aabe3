from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from cooperation.choices import DatePrecision, SourceFormat, Visibility
from cooperation.history import History
from cooperation.models.base import Tracked, live_index
from cooperation.models.search import Searchable, search_index
from cooperation.text import ReadingView, reading_view

_READING_CACHE: dict[str, ReadingView] = {}
_READING_CACHE_SIZE = 64


def cached_reading(sha256: str) -> ReadingView | None:
    """The reading view this process built for a text with this hash, if any (no query)."""
    return _READING_CACHE.get(sha256) if sha256 else None


class Source(Searchable, Tracked):
    """A brief, its text kept exactly as imported."""

    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=300, blank=True)
    authors = models.CharField(max_length=500, blank=True)
    reference_code = models.CharField(max_length=100, blank=True, db_index=True)
    url = models.URLField(
        "URL", max_length=500, blank=True, help_text="Where the brief is published."
    )
    published_on = models.DateField(null=True, blank=True, help_text="Event or publication date.")
    published_on_precision = models.CharField(
        max_length=8,
        choices=DatePrecision,
        blank=True,
        help_text="How much of the date the brief gives (“December 2015” is a month).",
    )
    # The stored text is the evidence: it is never rewritten after import.
    text = models.TextField(editable=False)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    format = models.CharField(max_length=16, choices=SourceFormat, editable=False)
    original_file = models.FileField(upload_to="sources/%Y/", blank=True, editable=False)
    original_filename = models.CharField(max_length=255, blank=True, editable=False)
    # Spans [start, end) of running headers and page numbers, found at import.
    furniture = models.JSONField(default=list, blank=True, editable=False)
    visibility = models.CharField(
        max_length=16, choices=Visibility, default=Visibility.INTERNAL, db_index=True
    )

    # The head of the text, folded for search (cooperation.models.search), weight D.
    search_d = models.TextField(blank=True, default="", editable=False)

    history = History(excluded_fields=["text"])

    publish_permission = "cooperation.publish_source"

    # What an analyst may correct after import (cooperation.services.source_metadata_update);
    # the text, its hash and its furniture never change.
    metadata_fields = (
        "title",
        "authors",
        "publisher",
        "published_on",
        "published_on_precision",
        "reference_code",
        "url",
    )

    class Meta(Tracked.Meta):
        ordering = ["-published_on", "title"]
        permissions = [("publish_source", "Can publish and unpublish sources")]
        indexes = [search_index("source", "source_fts")]

    search_key = "source"

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.published_on is None and self.published_on_precision:
            raise ValidationError({"published_on": "A precision needs a date."})

    def get_absolute_url(self) -> str:
        return reverse("cooperation:source_detail", kwargs={"pk": self.pk})

    @cached_property
    def reading(self) -> ReadingView:
        # Text and furniture never change after import, so one view per text serves
        # every instance (a list of excerpts loads a Source object per row).
        view = cached_reading(self.sha256)
        if view is None:
            view = reading_view(self.text, [tuple(span) for span in self.furniture])
            if len(_READING_CACHE) >= _READING_CACHE_SIZE:
                _READING_CACHE.pop(next(iter(_READING_CACHE)))
            if self.sha256:
                _READING_CACHE[self.sha256] = view
        return view


class Excerpt(Searchable, Tracked):
    """Evidence: a span of a source's text, as a W3C Web Annotation text selector pair.

    TextPositionSelector (start, end) and TextQuoteSelector (exact, prefix, suffix);
    `exact` always equals `source.text[start:end]`: the services build it from the
    text and `clean()` checks it; the database guarantees a non-empty span.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="excerpts")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)

    history = History()

    # The span and its selectors are the evidence: a different span is a new excerpt.
    fixed_after_create = ("source", "start", "end", "exact", "prefix", "suffix")

    class Meta(Tracked.Meta):
        ordering = ["source", "start", "end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="excerpt_end_after_start",
                violation_error_message="An excerpt must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["source", "start", "end"],
                condition=models.Q(deleted_at__isnull=True),
                name="excerpt_unique_live_span",
                violation_error_message="This span of the source is already an excerpt.",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "start"]),
            search_index("excerpt", "excerpt_fts"),
            # The API's "ordering=start" across sources (the default order, by source, start
            # and end, is answered by the excerpt_unique_live_span index).
            live_index("start", "id", name="excerpt_live_start"),
        ]

    def __str__(self) -> str:
        quote = self.display_quote
        return f"“{quote[:80]}…”" if len(quote) > 80 else f"“{quote}”"

    search_key = "excerpt"

    def get_absolute_url(self) -> str:
        # The reader scrolls to and highlights the excerpt.
        return f"{self.source.get_absolute_url()}#excerpt-{self.pk}"

    def clean(self) -> None:
        super().clean()
        if self.source_id is None or self.start is None or self.end is None:
            return
        text = self.source.text
        if not 0 <= self.start < self.end <= len(text):
            raise ValidationError(
                {"end": f"The span must lie inside the source ({len(text)} characters)."}
            )
        if self.exact != text[self.start : self.end]:
            raise ValidationError(
                {"exact": "The quote does not match the source text at that span."}
            )

    def delete_blocker(self) -> str:
        count = self.evidence_links.count()
        if count:
            return (
                f"This excerpt is evidence for {count} record{'s' if count != 1 else ''}; "
                "detach it from them first."
            )
        return ""

    @property
    def display_quote(self) -> str:
        """The quote as a person reads it: running headers inside the span left out."""
        if self.source_id is None:
            return self.exact
        return self.source.reading.quote(self.start, self.end)

    @property
    def url_fragment(self) -> str:
        # RFC 5147 character fragment, so the span can be linked from outside.
        return f"char={self.start},{self.end}"
