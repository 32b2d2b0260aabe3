"""Admin for sources (import a brief by upload) and excerpts (pick a span or a quote)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cooperation.models import Excerpt, Source
from cooperation.services import (
    excerpt_create,
    excerpt_create_from_quote,
    source_import,
)
from cooperation.services.sources import source_import_check
from cooperation.text import anchor_quote, build_selectors

from .base import RECORD_FIELDSET, ServiceAdmin, VersionedForm
from .inlines import ExcerptInline

# What a person may say about a brief; its text, hash and format come from the file.
SOURCE_METADATA = ("title", "publisher", "authors", "reference_code", "published_on", "visibility")


class SourceImportForm(VersionedForm):
    upload = forms.FileField(
        label=_("Brief"), help_text=_(".txt, .md or .pdf, up to 20 MB. Its text is stored exactly.")
    )

    class Meta:
        model = Source
        fields = SOURCE_METADATA

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to take it from the file.")

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        limit = settings.CONTOURS_MAX_SOURCE_BYTES
        if upload.size > limit:  # refuse before reading a huge file into memory
            raise ValidationError(
                _("The file is %(size)s bytes, over the %(limit)s-byte limit."),
                params={"size": f"{upload.size:,}", "limit": f"{limit:,}"},
            )
        self.upload_data = upload.read()
        try:
            source_import_check(data=self.upload_data, filename=upload.name)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None
        return upload


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    list_display = (
        "title",
        "reference_code",
        "publisher",
        "published_on",
        "visibility",
        "excerpts",
    )
    list_filter = ("visibility", "format", "publisher")
    search_fields = ("title", "reference_code", "publisher", "authors")
    date_hierarchy = "published_on"
    inlines = [ExcerptInline]
    readonly_fields = (
        "reading_text",
        "sha256",
        "format",
        "original_file",
        "furniture_summary",
        *ServiceAdmin.readonly_fields,
    )
    fieldsets = (
        (
            None,
            {"fields": SOURCE_METADATA},
        ),
        (
            _("Text as imported"),
            {"fields": ("reading_text", "furniture_summary", "sha256", "format", "original_file")},
        ),
        RECORD_FIELDSET,
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(excerpt_count=Count("excerpts", filter=Q(excerpts__deleted_at__isnull=True)))
        )

    @admin.display(description=_("excerpts"), ordering="excerpt_count")
    def excerpts(self, source):
        return source.excerpt_count

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SourceImportForm
            kwargs["fields"] = SourceImportForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return (
                (
                    None,
                    {"fields": ("upload", *SOURCE_METADATA)},
                ),
            )
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def create_via_service(self, request, form):
        data = form.cleaned_data
        return source_import(
            data=form.upload_data,
            filename=data["upload"].name,
            user=request.user,
            title=data.get("title") or "",
            publisher=data.get("publisher") or "",
            authors=data.get("authors") or "",
            reference_code=data.get("reference_code") or "",
            published_on=data.get("published_on"),
            visibility=data["visibility"],
        )

    @admin.display(description=_("text (as a person reads it; running headers left out)"))
    def reading_text(self, source):
        return format_html(
            '<div class="contours-reading">{}</div>',
            source.reading.text,
        )

    @admin.display(description=_("page furniture recognised"))
    def furniture_summary(self, source):
        if not source.furniture:
            return _("none")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>characters {}–{}: <code>{}</code></li>",
                ((s, e, source.text[s:e].replace("\n", " / ")) for s, e in source.furniture),
            ),
        )


class ExcerptForm(VersionedForm):
    quote = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Either paste the exact words (they must occur in the source; context below picks "
            "between repeats), or give the start and end character positions."
        ),
    )
    quote_prefix = forms.CharField(required=False, label=_("words just before (optional)"))

    class Meta:
        model = Excerpt
        fields = ("source", "start", "end", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["start"].required = False
            self.fields["end"].required = False

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            return cleaned
        source, quote = cleaned.get("source"), cleaned.get("quote")
        start, end = cleaned.get("start"), cleaned.get("end")
        if source is None:
            return cleaned
        # Check here so a quote that is not in the source is a form error, not a failed save.
        if quote and "\r" not in source.text:
            # Browsers send a textarea's line breaks as CRLF; most sources store LF.
            quote = cleaned["quote"] = quote.replace("\r\n", "\n")
        if quote:
            try:
                anchor_quote(source.text, quote, cleaned.get("quote_prefix") or "")
            except LookupError:
                self.add_error("quote", _("These words do not occur in the source."))
        elif start is not None and end is not None:
            try:
                build_selectors(source.text, start, end)
            except ValueError as exc:
                self.add_error("end", str(exc))
        else:
            raise ValidationError(_("Give either the exact words or the start and end positions."))
        return cleaned

    def _post_clean(self):
        # Span and quote are checked by the service; skip the model's own clean for new rows.
        if self.instance.pk:
            super()._post_clean()


@admin.register(Excerpt)
class ExcerptAdmin(ServiceAdmin):
    form = ExcerptForm
    list_display = ("__str__", "source", "start", "end", "records")
    list_filter = ("source",)
    list_select_related = ("source",)
    search_fields = ("exact", "note", "source__title", "source__reference_code")
    readonly_fields = ("reads_as", "exact", "prefix", "suffix", *ServiceAdmin.readonly_fields)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("source", "quote", "quote_prefix", "start", "end", "note")
        return (
            "source",
            "start",
            "end",
            "reads_as",
            "exact",
            "prefix",
            "suffix",
            "note",
            "expected_version",
            *ServiceAdmin.readonly_fields,
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("source", "start", "end", *self.readonly_fields)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                record_count=Count(
                    "evidence_links", filter=Q(evidence_links__deleted_at__isnull=True)
                )
            )
        )

    @admin.display(description=_("records it supports"), ordering="record_count")
    def records(self, excerpt):
        return excerpt.record_count

    @admin.display(description=_("reads as"))
    def reads_as(self, excerpt):
        return excerpt.display_quote

    def create_via_service(self, request, form):
        data = form.cleaned_data
        if data.get("quote"):
            return excerpt_create_from_quote(
                source=data["source"],
                exact=data["quote"],
                prefix=data.get("quote_prefix") or "",
                user=request.user,
                note=data.get("note") or "",
            )
        return excerpt_create(
            source=data["source"],
            start=data["start"],
            end=data["end"],
            user=request.user,
            note=data.get("note") or "",
        )
