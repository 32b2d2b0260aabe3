"""Forms of the source reader: a selection (verified against the stored text), evidence,
a note on a passage, and importing a source.

The browser computes W3C selectors (TextPositionSelector start/end and TextQuoteSelector
exact/prefix/suffix) from the page; here they are verified, never trusted. Positions that
disagree with the quote are re-anchored from the quote; a quote that is not in the text is
an error. Saving is the views' job, through cooperation.services.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.filtersets import MAX_ID
from cooperation.forms.common import MentionTextarea
from cooperation.models import RECORD_MODELS, Excerpt, Record, Source
from cooperation.services.sources import source_import_check
from cooperation.text import Selectors, anchor_quote, build_selectors
from cooperation.text_extraction import SourceImportError

RECORD_KINDS = {model._meta.model_name: model for model in RECORD_MODELS}
KIND_CHOICES = [
    (name, model._meta.verbose_name.capitalize()) for name, model in RECORD_KINDS.items()
]


@dataclass(frozen=True)
class ResolvedSelection:
    """Verified selectors on the stored text, and whether the quote had to be re-anchored."""

    selectors: Selectors
    reanchored: bool


def _tidy_span(source: Source, start: int, end: int) -> tuple[int, int]:
    """Move a span's ends out of page furniture and off blank space at either end.

    A start inside a furniture zone moves forward past it, an end inside one (or at its
    end) moves back before it, so an excerpt never begins or ends with a running header.
    static/js/reader.js does the same in the page, so both agree on the span.
    """
    text, zones = source.text, source.reading.zones
    zone_starts = [zone[0] for zone in zones]
    for _ in range(len(zones) + 2):
        before = (start, end)
        i = bisect.bisect_right(zone_starts, start) - 1
        if i >= 0 and start < zones[i][1]:
            start = zones[i][1]
        j = bisect.bisect_left(zone_starts, end) - 1
        if j >= 0 and end <= zones[j][1]:
            end = zones[j][0]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if (start, end) == before:
            break
    return start, end


def _lines(value: str) -> str:
    # Browsers send every line break in a form field as CRLF; the stored text may use LF.
    return value.replace("\r\n", "\n")


def _loose_pattern(exact: str) -> re.Pattern | None:
    """The quote's words separated by any run of white space (a quote from reflowed lines).

    Literal words between white-space runs cannot backtrack far: the search stays linear.
    """
    words = exact.split()
    return re.compile(r"\s+".join(re.escape(word) for word in words)) if words else None


def _anchor(source: Source, exact: str, prefix: str, suffix: str, hint: int | None):
    """Where the quote is in the stored text, or None: exactly, then as the page reads it."""
    text, reading = source.text, source.reading
    attempts = ((exact, prefix, suffix), (_lines(exact), _lines(prefix), _lines(suffix)))
    for quote, before, after in attempts:
        try:
            return anchor_quote(text, quote, before, after, hint=hint)
        except LookupError:
            pass
    # As it reads: running headers left out, so "high cost" is found across a header.
    reading_hint = None
    if hint is not None and 0 <= hint <= len(text):
        reading_hint = reading.to_reading(hint)
    try:
        start, end = anchor_quote(reading.text, _lines(exact), hint=reading_hint)
        return reading.to_stored(start), reading.to_stored(end, is_end=True)
    except LookupError:
        pass
    pattern = _loose_pattern(exact)
    if pattern is None:
        return None
    match = pattern.search(text)
    if match:
        return match.span()
    match = pattern.search(reading.text)
    if match:
        return reading.to_stored(match.start()), reading.to_stored(match.end(), is_end=True)
    return None


def resolve_selection(
    source: Source,
    *,
    exact: str,
    start: int | None = None,
    end: int | None = None,
    prefix: str = "",
    suffix: str = "",
) -> ResolvedSelection:
    """Verified selectors for what the user selected, or a ValidationError saying why not.

    Positions are accepted when the quote equals the stored text there (or how it reads,
    furniture left out) and the context agrees; otherwise the quote is anchored in the text.
    """
    text = source.text
    if not exact or not exact.strip():
        raise ValidationError({"exact": "Select or paste a passage of the text."})
    span = None
    if start is not None and end is not None and 0 <= start < end <= len(text):
        here = build_selectors(text, start, end)
        quote = _lines(exact)
        quote_agrees = quote in (_lines(here.exact), _lines(source.reading.quote(start, end)))
        context_agrees = _lines(here.prefix).endswith(_lines(prefix)) and _lines(
            here.suffix
        ).startswith(_lines(suffix))
        if quote_agrees and context_agrees:
            span = (start, end)
    reanchored = span is None and start is not None
    if span is None:
        span = _anchor(source, exact, prefix, suffix, start)
    if span is None:
        shown = exact if len(exact) <= 80 else exact[:77] + "…"
        raise ValidationError(
            {"exact": f"This passage is not in the text of this source: “{shown}”."}
        )
    tidy_start, tidy_end = _tidy_span(source, *span)
    if tidy_start >= tidy_end:
        raise ValidationError(
            {"exact": "The selection holds only a page header or blank space; select some words."}
        )
    return ResolvedSelection(build_selectors(text, tidy_start, tidy_end), reanchored)


class SelectionForm(forms.Form):
    """The selectors the page computed. All hidden: the person sees the quote, not these."""

    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, widget=forms.HiddenInput, label="Quote")
    prefix = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    suffix = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    # Where a selection that cannot be verified is reported: the form as a whole, since
    # its fields are hidden; the quote box shows it beside the quote.
    selection_error_field: str | None = None

    def __init__(self, *args, source: Source, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.source = source
        self.selection: ResolvedSelection | None = None

    def clean(self):
        data = super().clean()
        if "exact" in self.errors:
            # An empty quote: one clear message instead of Django's "This field is required."
            self.errors.pop("exact")
            data["exact"] = ""
        try:
            self.selection = resolve_selection(
                self.source,
                exact=data.get("exact") or "",
                start=data.get("start"),
                end=data.get("end"),
                prefix=data.get("prefix") or "",
                suffix=data.get("suffix") or "",
            )
        except ValidationError as exc:
            self.add_error(self.selection_error_field, exc.message_dict.get("exact", exc.messages))
        return data

    def show_quote_box(self) -> None:
        """Make the hidden quote a visible box, to correct a selection that failed."""
        self.fields["exact"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["exact"].label = "Quote from the text"
        self.fields["exact"].help_text = (
            "This quote was not found in the text. Correct it (line breaks and page headers "
            "do not matter) and send the form again."
        )

    def selection_initial(self) -> dict:
        """The verified selectors, to carry into the next form on the page."""
        if self.selection is None:
            return {}
        s = self.selection.selectors
        return {
            "start": s.start,
            "end": s.end,
            "exact": s.exact,
            "prefix": s.prefix,
            "suffix": s.suffix,
        }


class QuoteForm(SelectionForm):
    """The path without a mouse: paste (or type) a quote, and the server finds it."""

    selection_error_field = "exact"

    exact = forms.CharField(
        strip=False,
        label="Quote from the text",
        help_text="Paste or type the words; line breaks and page headers do not matter.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EvidenceForm(SelectionForm):
    """Make the selected passage evidence for an existing record, or for a new one."""

    EXISTING, NEW = "existing", "new"

    target = forms.ChoiceField(
        label="Evidence for",
        choices=[(EXISTING, "An existing record"), (NEW, "A new record")],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label="Kind of record", choices=KIND_CHOICES)
    # Checked in clean(), not against the list: a record trashed since the page was
    # opened gets a message that says so.
    record = forms.CharField(label="Record", required=False, widget=forms.Select)
    note = forms.CharField(
        label="What the passage shows (optional)", required=False, max_length=500
    )

    def __init__(self, *args, record_choices=(), **kwargs):
        # Distinct ids: the reader holds the evidence and note forms on one page.
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)
        self.fields["record"].widget.choices = [("", "Choose a record…"), *record_choices]
        self.record: Record | None = None

    def clean(self):
        data = super().clean()
        if data.get("target") != self.EXISTING:
            return data
        value = data.get("record") or ""
        kind, _, pk = value.partition(":")
        model = RECORD_KINDS.get(kind)
        if not value:
            self.add_error("record", "Choose the record this passage is evidence for.")
        elif model is None or not pk.isdecimal():
            self.add_error("record", "Choose a record from the list.")
        else:
            self.record = model.objects.filter(pk=int(pk)).first()
            if self.record is None:
                self.add_error("record", "That record no longer exists (it may be in the trash).")
        return data


class PassageNoteForm(SelectionForm):
    """A note (annotation) on the selected passage."""

    body = forms.CharField(
        label="Note",
        help_text="Markdown: *emphasis*, lists and links.",
        widget=MentionTextarea(attrs={"rows": 5}),
    )
    motivation = forms.ChoiceField(
        label="Kind of note", choices=AnnotationMotivation.choices, initial="comment"
    )
    visibility = forms.ChoiceField(
        label="Who can read it", choices=AnnotationVisibility.choices, initial="team"
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)


class SourceImportForm(forms.Form):
    """Upload a brief. Every refusal the import service would make shows as a form error."""

    file = forms.FileField(
        label="File",
        help_text="Plain text (.txt), Markdown (.md) or PDF with a text layer.",
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.text,.md,.markdown,.pdf"}),
    )
    title = forms.CharField(
        label="Title",
        max_length=300,
        required=False,
        help_text="Left blank: found in the brief (a PDF's title or largest type, else its "
        "first line past the publisher's name).",
    )
    publisher = forms.CharField(label="Publisher", max_length=300, required=False)
    authors = forms.CharField(label="Authors", max_length=500, required=False)
    reference_code = forms.CharField(label="Reference code", max_length=100, required=False)
    published_on = forms.DateField(
        label="Event or publication date",
        required=False,
        help_text="Left blank: the date on the brief's opening, if it gives one.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.queued = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CONTOURS_MAX_SOURCE_BYTES
        if upload.size > limit:
            # Refused before reading it into memory.
            raise ValidationError(
                f"The file is {upload.size:,} bytes, over the {limit:,}-byte limit."
            )
        data = upload.read()
        self.data_bytes = data
        # A large file is checked by the worker that imports it (cooperation/tasks.py): its
        # text extraction is the slow part, and it must not hold a web request.
        self.queued = upload.size > settings.CONTOURS_INLINE_IMPORT_BYTES
        if self.queued:
            return upload
        try:
            source_import_check(data=data, filename=upload.name)
        except SourceImportError as exc:
            message = " ".join(exc.messages)
            raise ValidationError(message[:1].upper() + message[1:]) from None
        return upload


class CiteForm(forms.Form):
    """An excerpt of this source by its number (its id: "#35" in the reader and on records)."""

    excerpt = forms.IntegerField(
        label="Cite an excerpt by its number",
        min_value=1,
        max_value=MAX_ID,
        help_text="The number after # on a highlighted passage, e.g. 35.",
    )

    def __init__(self, *args, source: Source, **kwargs):
        kwargs.setdefault("auto_id", "cite_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.source = source

    def clean_excerpt(self):
        number = self.cleaned_data["excerpt"]
        excerpt = Excerpt.objects.filter(pk=number).only("pk", "source_id", "start", "end").first()
        if excerpt is None:
            raise ValidationError(f"There is no excerpt #{number} (it may be in the trash).")
        if excerpt.source_id != self.source.pk:
            raise ValidationError(f"Excerpt #{number} is a passage of another source.")
        return excerpt
