"""The source reader: the brief as a person reads it; selection to evidence or note; import.

Pages:
- source_detail: the text (cooperation/views/reader_markup.py), every excerpt highlighted
  and listed with the records it is evidence for and its notes.
- source_cite: an excerpt cited by its number (its id, the one number every page shows):
  the passage page with the evidence and note forms filled.
- source_selection: verifies the selectors the page computed (JSON for the page's
  script), or anchors a pasted quote (a page with the forms, the path without a mouse).
- source_make_evidence / source_annotate: create (or reuse) the excerpt and attach it to
  a record, or note on it; errors come back as the selection page with the input kept.
- source_import: upload a brief.

Every write goes through cooperation.services.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import internal_user_required
from cooperation.forms.reader import (
    RECORD_KINDS,
    CiteForm,
    EvidenceForm,
    PassageNoteForm,
    QuoteForm,
    SelectionForm,
    SourceImportForm,
)
from cooperation.models import Excerpt, RecordEvidence, Source
from cooperation.permissions import can, require
from cooperation.selectors import source_contributions, visible_note_count
from cooperation.services.jobs import import_job_create
from cooperation.services.passages import excerpt_create_as_evidence, excerpt_create_with_note
from cooperation.services.sources import source_import as import_source_service
from cooperation.text import build_selectors
from cooperation.views.reader_markup import Highlight, render_reading

# Characters of the text shown around a passage on the selection page.
CONTEXT_SHOWN = 120


# -- reads ------------------------------------------------------------------------------------


def _excerpts_with_links(source: Source, user) -> list[Excerpt]:
    """Live excerpts of `source`, each with `.records` (live, in title order) and `.note_count`.

    A fixed number of queries however many excerpts: one for the excerpts, one for the
    links with their records (through the record spine, whatever their kind).
    """
    excerpts = list(
        Excerpt.objects.filter(source=source)
        .annotate(note_count=visible_note_count(user, on="excerpt"))
        .order_by("start", "end", "pk")
    )
    for excerpt in excerpts:
        excerpt.source = source  # display_quote reads the source's text: no query per row
        excerpt.records = []
    by_pk = {excerpt.pk: excerpt for excerpt in excerpts}
    links = RecordEvidence.objects.filter(
        excerpt__source=source, excerpt__deleted_at__isnull=True, spine__deleted_at__isnull=True
    ).select_related("spine")
    for link in links:
        if link.excerpt_id in by_pk:
            by_pk[link.excerpt_id].records.append(link.spine)
    for excerpt in excerpts:
        excerpt.records.sort(key=lambda record: (record.kind_label, record.title.casefold()))
    return excerpts


def _record_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Live records grouped by kind, for the evidence form's record list (a query per kind)."""
    groups = []
    for name, model in RECORD_KINDS.items():
        rows = model.objects.only("pk", "title").order_by("title", "pk")
        groups.append(
            (
                model._meta.verbose_name_plural.capitalize(),
                [(f"{name}:{record.pk}", record.title) for record in rows],
            )
        )
    return groups


def _highlights(excerpts: list[Excerpt]) -> list[Highlight]:
    """Each excerpt's highlight, labelled with its id: the one number forms and pages cite."""
    highlights = []
    for excerpt in excerpts:
        count = len(excerpt.records)
        described = f"Excerpt #{excerpt.pk}: evidence for {count} record{'s' if count != 1 else ''}"
        if excerpt.note_count:
            described += f", {excerpt.note_count} note{'s' if excerpt.note_count != 1 else ''}"
        highlights.append(
            Highlight(
                pk=excerpt.pk,
                start=excerpt.start,
                end=excerpt.end,
                label=f"#{excerpt.pk}",
                ref_href=f"#card-excerpt-{excerpt.pk}",
                ref_description=described,
            )
        )
    return highlights


def _forms_context(request, source: Source, *, initial=None, **bound) -> dict:
    """The quote, evidence and note forms for a page: those given, the others fresh.

    `initial` (verified selectors) fills the fresh ones, so after an error in one form
    the person can still use the other on the same passage.
    """
    can_evidence = can(request.user, "cite", source)
    can_note = can(request.user, "annotate", source)
    initial = initial or {}
    context = {
        "source": source,
        "can_evidence": can_evidence,
        "can_note": can_note,
        "quote_form": bound.get("quote_form")
        or QuoteForm(source=source, prefix="quote", initial={"exact": initial.get("exact", "")}),
    }
    if can_evidence:
        context["evidence_form"] = bound.get("evidence_form") or EvidenceForm(
            source=source, initial=initial, record_choices=_record_choices()
        )
    if can_note:
        context["note_form"] = bound.get("note_form") or PassageNoteForm(
            source=source, initial=initial
        )
    return context


def _open_thread(request, excerpts: list[Excerpt]) -> Excerpt | None:
    """The excerpt whose notes the page shows in full (`?notes=<excerpt id>`).

    One thread at a time: a thread costs its own queries and forms, so showing every
    excerpt's would make the page grow with the number of excerpts. The others show
    how many notes they have and a link that opens theirs.
    """
    wanted = request.GET.get("notes", "")
    if not wanted.isdecimal():
        return None
    opened = next((e for e in excerpts if e.pk == int(wanted)), None)
    if opened is not None:
        opened.show_thread = True
    return opened


def _reader_page(request, source: Source, *, cite_form=None, status: int = 200):
    excerpts = _excerpts_with_links(source, request.user)
    context = _forms_context(request, source)
    context.update(
        excerpts=excerpts,
        open_excerpt=_open_thread(request, excerpts),
        reading_html=render_reading(source.text, source.reading, _highlights(excerpts)),
        text_length=len(source.text),
        cite_form=cite_form or CiteForm(source=source),
        contributions=source_contributions(request.user, source),
    )
    return render(request, "cooperation/reader/source_detail.html", context, status=status)


@internal_user_required
def source_detail(request, pk: int):
    source = get_object_or_404(Source.objects, pk=pk)
    return _reader_page(request, source)


@internal_user_required
@require_safe
def source_cite(request, pk: int):
    """Cite an excerpt of this source by its number: the passage page with its forms filled.

    The path without script (and for a number typed in the reader): the reader's own
    script opens the evidence dialog in place for an excerpt on the page.
    """
    source = get_object_or_404(Source.objects, pk=pk)
    require(request.user, "cite", source)
    cite_form = CiteForm(request.GET, source=source)
    if not cite_form.is_valid():
        return _reader_page(request, source, cite_form=cite_form, status=400)
    excerpt = cite_form.cleaned_data["excerpt"]
    s = build_selectors(source.text, excerpt.start, excerpt.end)
    quote_form = QuoteForm(
        {
            f"quote-{name}": value
            for name, value in (
                ("start", s.start),
                ("end", s.end),
                ("exact", s.exact),
                ("prefix", s.prefix),
                ("suffix", s.suffix),
            )
        },
        source=source,
        prefix="quote",
    )
    if not quote_form.is_valid():  # the stored excerpt always verifies; kept for safety
        return _selection_page(request, source, quote_form, status=400)
    return _selection_page(request, source, quote_form)


# -- selection --------------------------------------------------------------------------------


def _existing_excerpt(source: Source, start: int, end: int) -> Excerpt | None:
    return Excerpt.objects.filter(source=source, start=start, end=end).first()


def _selection_json(source: Source, form: SelectionForm) -> dict:
    s = form.selection.selectors
    existing = _existing_excerpt(source, s.start, s.end)
    payload = {
        "start": s.start,
        "end": s.end,
        "exact": s.exact,
        "prefix": s.prefix,
        "suffix": s.suffix,
        "display_quote": source.reading.quote(s.start, s.end),
        "reanchored": form.selection.reanchored,
        "excerpt": None,
    }
    if existing is not None:
        records = []
        for link in existing.evidence_links.select_related("spine"):
            record = link.spine
            if record is not None and not record.is_deleted:
                records.append(
                    {
                        "title": record.title,
                        "url": record.get_absolute_url(),
                        "kind": record.kind_label,
                    }
                )
        payload["excerpt"] = {
            "id": existing.pk,
            "url": existing.get_absolute_url(),
            "records": records,
        }
    return payload


def _wants_json(request) -> bool:
    return request.content_type == "application/json"


@internal_user_required
@require_POST
def source_selection(request, pk: int):
    """Verify selectors. JSON in, JSON out for the page's script; a pasted quote gets a page."""
    source = get_object_or_404(Source.objects, pk=pk)
    if _wants_json(request):
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return JsonResponse({"detail": "The request body is not valid JSON."}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"detail": "Send a JSON object of selectors."}, status=400)
        form = SelectionForm(data, source=source)
        if not form.is_valid():
            return JsonResponse(
                {
                    "detail": " ".join(form.non_field_errors()),
                    "errors": form.errors.get_json_data(),
                },
                status=400,
            )
        return JsonResponse(_selection_json(source, form))
    quote_form = QuoteForm(request.POST, source=source, prefix="quote")
    if not quote_form.is_valid():
        return _selection_page(request, source, quote_form, status=400)
    return _selection_page(request, source, quote_form)


def _selection_page(request, source: Source, form: SelectionForm, *, status: int = 200):
    """The passage in context with the evidence and note forms: the page without script.

    `form` is the form just submitted (quote, evidence or note), shown with its errors.
    """
    selection = form.selection
    is_quote = isinstance(form, QuoteForm)
    bound = {
        "quote_form": form if is_quote else None,
        "evidence_form": form if isinstance(form, EvidenceForm) else None,
        "note_form": form if isinstance(form, PassageNoteForm) else None,
    }
    if selection is None and not is_quote:
        # The passage could not be placed: the form comes back with its quote in a box to
        # correct, and everything else the person typed.
        form.show_quote_box()
    context = _forms_context(request, source, initial=form.selection_initial(), **bound)
    context.update(
        submitted=form,
        show_quote_form=is_quote or selection is not None,
        show_evidence=selection is not None or bound["evidence_form"] is not None,
        show_note=selection is not None or bound["note_form"] is not None,
    )
    if selection is not None:
        s, reading = selection.selectors, source.reading
        start, end = reading.to_reading(s.start), reading.to_reading(s.end)
        context.update(
            selection=selection,
            display_quote=reading.text[start:end],
            context_before=_whole_words(
                reading.text[max(0, start - CONTEXT_SHOWN) : start], "left"
            ),
            context_after=_whole_words(reading.text[end : end + CONTEXT_SHOWN], "right"),
            existing_excerpt=_existing_excerpt(source, s.start, s.end),
        )
    return render(request, "cooperation/reader/selection.html", context, status=status)


def _whole_words(context: str, side: str) -> str:
    """Context cut at a word boundary on its open side ("…hat must" reads badly)."""
    if side == "left":
        cut = context.find(" ")
        return context[cut + 1 :] if cut != -1 else context
    cut = context.rfind(" ")
    return context[:cut] if cut != -1 else context


def _service_errors(form, exc: ValidationError) -> None:
    """A service's refusal as form errors; those on hidden fields (the selectors) go on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            shown = field in form.fields and not form[field].is_hidden
            form.add_error(field if shown else None, errors)
    else:
        form.add_error(None, exc)


def _reader_url(excerpt: Excerpt, *, with_notes: bool = False) -> str:
    """The reader at the excerpt; `with_notes` opens its thread in the side list."""
    address = reverse("cooperation:source_detail", kwargs={"pk": excerpt.source_id})
    query = f"?notes={excerpt.pk}" if with_notes else ""
    return f"{address}{query}#excerpt-{excerpt.pk}"


@internal_user_required
@require_POST
def source_make_evidence(request, pk: int):
    source = get_object_or_404(Source.objects, pk=pk)
    require(request.user, "cite", source)
    form = EvidenceForm(request.POST, source=source, record_choices=_record_choices())
    if form.is_valid():
        s = form.selection.selectors
        existing = form.cleaned_data["target"] == EvidenceForm.EXISTING
        try:
            excerpt = excerpt_create_as_evidence(
                source=source,
                start=s.start,
                end=s.end,
                exact=s.exact,
                user=request.user,
                record=form.record if existing else None,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            if form.record is None:
                kind = form.cleaned_data["kind"]
                create_url = reverse(f"cooperation:{kind}_create")
                # Once the record is saved, back to this passage in the reader.
                query = urlencode({"excerpt": excerpt.pk, "next": _reader_url(excerpt)})
                return redirect(f"{create_url}?{query}")
            messages.success(
                request,
                f"The passage is now evidence for {form.record.kind_label.lower()} "
                f"“{form.record.title}”.",
            )
            return HttpResponseRedirect(_reader_url(excerpt))
    return _selection_page(request, source, form, status=400)


@internal_user_required
@require_POST
def source_annotate(request, pk: int):
    source = get_object_or_404(Source.objects, pk=pk)
    require(request.user, "annotate", source)
    form = PassageNoteForm(request.POST, source=source)
    if form.is_valid():
        s = form.selection.selectors
        try:
            excerpt, _note = excerpt_create_with_note(
                source=source,
                start=s.start,
                end=s.end,
                exact=s.exact,
                user=request.user,
                body=form.cleaned_data["body"],
                motivation=form.cleaned_data["motivation"],
                visibility=form.cleaned_data["visibility"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "Your note on the passage is saved.")
            return HttpResponseRedirect(_reader_url(excerpt, with_notes=True))
    return _selection_page(request, source, form, status=400)


# -- import -----------------------------------------------------------------------------------


@internal_user_required
@require_http_methods(["GET", "POST"])
def source_import(request):
    require(request.user, "import", Source)
    form = SourceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.queued:
        data = form.cleaned_data
        job = import_job_create(
            user=request.user,
            data=form.data_bytes,
            filename=data["file"].name,
            metadata={
                "title": data["title"],
                "publisher": data["publisher"],
                "authors": data["authors"],
                "reference_code": data["reference_code"],
                "published_on": data["published_on"].isoformat() if data["published_on"] else None,
            },
        )
        messages.info(request, "The file is large: it is being imported in the background.")
        return redirect(job)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = import_source_service(
                data=form.data_bytes,
                filename=data["file"].name,
                user=request.user,
                title=data["title"],
                publisher=data["publisher"],
                authors=data["authors"],
                reference_code=data["reference_code"],
                published_on=data["published_on"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, f"Imported “{source.title}”.")
            return redirect(source)
    status = 400 if request.method == "POST" else 200
    return render(request, "cooperation/reader/source_import.html", {"form": form}, status=status)


urlpatterns = [
    path("sources/import/", source_import, name="source_import"),
    path("sources/<int:pk>/", source_detail, name="source_detail"),
    path("sources/<int:pk>/selection/", source_selection, name="source_selection"),
    path("sources/<int:pk>/cite/", source_cite, name="source_cite"),
    path("sources/<int:pk>/evidence/", source_make_evidence, name="source_make_evidence"),
    path("sources/<int:pk>/annotate/", source_annotate, name="source_annotate"),
]
