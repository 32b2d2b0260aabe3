"""Record pages: detail, create, edit (with conflicts), history and restore, trash, publishing.

One set of views serves the four record kinds; each URL passes its `kind`. Every
write is a service call; a refusal from a service becomes a form error, a
message, or the 403 page, never a 500.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import CharField, F, Prefetch, Value, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import internal_user_required
from cooperation import record_versions
from cooperation.charts.data import neighbourhood
from cooperation.charts.svg import graph
from cooperation.choices import CLOSED_RECOMMENDATION_STATUSES, Visibility
from cooperation.claims_page import CLAIM_ROWS, claim_rows, page_claims
from cooperation.forms.basis import BASIS_FIELDS
from cooperation.forms.records import RECORD_FORMS
from cooperation.json_rows import (
    annotation_name,
    child_rows,
    fill_related,
    read_child_rows,
    with_related_rows,
)
from cooperation.models import (
    Agreement,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    Record,
    RecordEvidence,
    RecordSpine,
)
from cooperation.permissions import may, require, sees_internal
from cooperation.selectors import attestation, publish_warning, viewer_columns
from cooperation.services import (
    ConflictError,
    evidence_detach,
    record_set_visibility,
    tracked_delete,
    tracked_restore_version,
    tracked_undelete,
)
from cooperation.services.common import describe_validation_error
from cooperation.staff_statements import VIEWER, kept_for_staff, stand_in_viewer
from cooperation.templatetags.recommendations import tracking_columns
from cooperation.views.redirects import safe_next_url

# Reading text shown on either side of an excerpt, at most, within its paragraph.
CONTEXT_CHARS = 240
TRASH_PAGE_SIZE = 25


@dataclass(frozen=True)
class Kind:
    """One record kind as the pages see it: its model, URL prefix and what to load with it."""

    model: type[Record]
    prefix: str  # URL path segment and list name ("agreements")
    select: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    def url(self, page: str, **kwargs) -> str:
        return reverse(f"cooperation:{self.name}_{page}", kwargs=kwargs)

    def list_url(self) -> str:
        return reverse(f"cooperation:{self.name}_list")

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name).capitalize()

    @property
    def plural(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            Agreement,
            "agreements",
            prefetch=(
                "parties",
                "governed_deals",
                "challenges",
                "amends",
                "amended_by",
                "supersedes",
                "superseded_by",
            ),
        ),
        Kind(
            Deal,
            "deals",
            select=("supplier", "recipient"),
            prefetch=("governed_by", "challenges"),
        ),
        Kind(
            Challenge,
            "challenges",
            prefetch=("affects_deals", "affects_agreements", "recommendations"),
        ),
        Kind(
            Recommendation,
            "recommendations",
            select=("owner",),
            prefetch=("addressed_to", "addresses"),
        ),
    )
}


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404("No such kind of record.") from None


def _posted_version(request) -> int | None:
    """The version a button's page showed; None when not sent.

    Anything but a number can never match a version, so it is refused as stale.
    """
    raw = request.POST.get("expected_version", "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdecimal() else -1


# -- reading ---------------------------------------------------------------------------------


# Each evidence excerpt's place in the order the status and response forms offer them
# (evidence_excerpts: by source, as sources are ordered, then start), so the forms use the
# excerpts the page loaded with its evidence.
EXCERPT_RANK = Window(
    RowNumber(),
    order_by=[
        F("excerpt__source__published_on").desc(),
        F("excerpt__source__title").asc(),
        F("excerpt__start").asc(),
        F("excerpt__pk").asc(),
    ],
)


def _evidence_excerpts(record) -> list[Excerpt]:
    """The live excerpts of the record's live evidence, once each, in the forms' order."""
    seen: dict[int, tuple] = {}
    for link in record.evidence_links.all():
        excerpt = link.excerpt
        if excerpt.deleted_at is None and excerpt.pk not in seen:
            seen[excerpt.pk] = (link.excerpt_rank, excerpt)
    return [excerpt for _, excerpt in sorted(seen.values(), key=lambda pair: pair[0])]


def _links(kind: Kind) -> tuple[str, ...]:
    """The many-to-many relations a record page shows, each read as a JSON column."""
    return ("actors", "topics", "tags", *kind.prefetch)


def _evidence_prefetch() -> Prefetch:
    """The record's evidence links with their excerpts and sources, in reading order; a new
    one each time (Django's prefetch writes hints on its queryset while it runs)."""
    # Sources without their text: each quote is read through the source's reading view,
    # cached per text, so the text is loaded only when this process has not read it yet.
    evidence = (
        RecordEvidence.objects.select_related("excerpt__source", "created_by")
        .defer("excerpt__source__text")
        .annotate(excerpt_rank=EXCERPT_RANK)
    )
    return Prefetch("spine__evidence_links", queryset=evidence.order_by("excerpt__start", "pk"))


def _detail_queryset(kind: Kind, user):
    return _record_statement(kind, user).prefetch_related(_evidence_prefetch())


def _record_statement(kind: Kind, user):
    """The record page's one statement for the record (its evidence is prefetched apart)."""
    records = kind.model.objects.select_related("spine", "created_by", "updated_by", *kind.select)
    # The links, the watch button and the bell come with the record, in its one statement.
    records = with_related_rows(records, _links(kind)).annotate(**viewer_columns(user, kind.model))
    # Its external identifiers, which hang off its spine row, as one more JSON column.
    records = records.annotate(
        **{
            annotation_name("identifiers"): child_rows(
                RecordSpine, "identifiers", order_by=("scheme", "value"), outer="spine_id"
            )
        }
    )
    # Its claims (each fact's basis), one more JSON column (claims_page.py).
    records = records.annotate(**{CLAIM_ROWS: claim_rows()})
    if kind.model is Recommendation:
        records = records.annotate(**tracking_columns())
    return records


def _paragraph_context(text: str, start: int, end: int) -> tuple[str, str, bool, bool]:
    """Up to CONTEXT_CHARS of reading text either side of [start, end), kept in its paragraph."""
    before = text[max(0, start - CONTEXT_CHARS) : start]
    cut_before = start - CONTEXT_CHARS > 0
    if "\n\n" in before:
        before, cut_before = before.rsplit("\n\n", 1)[1], False
    elif cut_before and " " in before:
        before = before.split(" ", 1)[1]
    after = text[end : end + CONTEXT_CHARS]
    cut_after = end + CONTEXT_CHARS < len(text)
    if "\n\n" in after:
        after, cut_after = after.split("\n\n", 1)[0], False
    elif cut_after and " " in after:
        after = after.rsplit(" ", 1)[0]
    return before, after, cut_before, cut_after


@dataclass
class EvidenceItem:
    link: RecordEvidence
    excerpt: Excerpt
    quote: str
    before: str
    after: str
    cut_before: bool
    cut_after: bool


def evidence_items(record: Record) -> list[EvidenceItem]:
    """Each evidence excerpt as a person reads it, with some of the brief around it."""
    items = []
    for link in record.evidence_links.all():
        excerpt = link.excerpt
        reading = excerpt.source.reading
        start, end = reading.to_reading(excerpt.start), reading.to_reading(excerpt.end)
        before, after, cut_before, cut_after = _paragraph_context(reading.text, start, end)
        items.append(
            EvidenceItem(
                link=link,
                excerpt=excerpt,
                quote=reading.text[start:end],
                before=before,
                after=after,
                cut_before=cut_before,
                cut_after=cut_after,
            )
        )
    return items


def is_overdue(recommendation: Recommendation) -> bool:
    return (
        recommendation.target_date is not None
        and recommendation.target_date < timezone.localdate()
        and recommendation.status not in CLOSED_RECOMMENDATION_STATUSES
    )


# Stand-in for the page statement's slug (portal/statements.py): no record has this slug
# (slugs are letters, digits and hyphens); the viewer's is staff_statements.VIEWER.
_SLUG = "\x01contours record page slug\x01"


def page_record(kind: Kind, user, slug: str):
    """The live record of `kind` at `slug` as its page shows it (`_detail_queryset`), or None.

    Building and compiling that statement (the record with its links, claims, identifiers,
    tracking lists and the viewer's watch and bell, each a JSON or subquery column) cost
    about 20 ms a page, twenty times running it. For staff its SQL depends only on the
    kind and the database (they read every record, and the viewer's id is all that
    differs), so it is compiled once for each (portal/statements.py) with the slug and the
    viewer's id as its values. Anyone else's (no one opens the page today) would depend on
    their organisation too: they take the ordinary path. The evidence is prefetched after,
    with a Prefetch of its own."""

    def build():
        viewer = stand_in_viewer(user)
        if not sees_internal(viewer):  # its roles did not come across: keep nothing
            return kind.model.objects.none()
        return _record_statement(kind, viewer).filter(slug=_SLUG).order_by("pk")[:1]

    statement = kept_for_staff(
        user, ("record_page",), kind.model, build, {"slug": _SLUG, "viewer": VIEWER}
    )
    if statement is None:  # not staff, or not kept (a placeholder did not reach the values)
        return _detail_queryset(kind, user).filter(slug=slug).first()
    rows = statement.rows(slug=slug, viewer=user.pk)
    if not rows:
        return None
    prefetch_related_objects(rows, _evidence_prefetch())
    return rows[0]


@internal_user_required
def record_detail(request, kind: str, slug: str):
    kind = _kind(kind)
    record = page_record(kind, request.user, slug)
    if record is None:
        # A duplicate merged away keeps its address: old links lead to the record kept.
        merged = kind.model.all_objects.filter(slug=slug, merged_into__isnull=False).first()
        if merged is not None and not merged.merged_into.is_deleted:
            messages.info(request, f"“{merged.title}” was merged into this {kind.label.lower()}.")
            return redirect(merged.merged_into.get_absolute_url())
        raise Http404("No such record.")
    return record_detail_page(request, kind, record)


def record_detail_page(request, kind: Kind, record: Record, *, claim_form=None):
    """The record page for a record from `_detail_queryset` (also after a refused claim,
    with the claims panel's form holding what was typed: views/claims.py)."""
    from cooperation.forms.claims import ClaimForm

    fill_related(record, _links(kind))
    if isinstance(record, Recommendation):
        record.loaded_evidence_excerpts = _evidence_excerpts(record)
    may_claim = may(request.user, "edit", record)
    context = {
        "kind": kind,
        "record": record,
        "unread_notifications": record.viewer_unread,
        "list_url": kind.list_url(),
        "evidence": evidence_items(record),
        "attestation": attestation(record),
        "page_claims": page_claims(record),
        "claim_form": claim_form or (ClaimForm(record=record) if may_claim else None),
        "overdue": isinstance(record, Recommendation) and is_overdue(record),
        "publish_to": Visibility.PUBLISHED,
        "unpublish_to": Visibility.INTERNAL,
        **_identifier_context(request, record),
    }
    if isinstance(record, Recommendation | Challenge):
        around = neighbourhood(request.user, record)
        context["neighbourhood"] = around
        context["neighbourhood_svg"] = graph(
            around, ident="neighbourhood", title=f"{kind.label} and its neighbourhood"
        )
    return render(request, "cooperation/records/detail.html", context)


# -- create and edit -------------------------------------------------------------------------


def _excerpt_from_query(request):
    raw = request.GET.get("excerpt", "")
    if not raw.isdecimal():
        return None
    return Excerpt.objects.select_related("source").filter(pk=int(raw)).first()


@internal_user_required
def record_create(request, kind: str):
    kind = _kind(kind)
    require(request.user, "create", kind.model)
    form_class = RECORD_FORMS[kind.model]
    excerpt = _excerpt_from_query(request)
    if request.GET.get("excerpt") and excerpt is None:
        messages.warning(request, "That excerpt no longer exists; nothing will be attached.")
    if request.method == "POST":
        form = form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                record = form.save()
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"{kind.label} created.")
                # From the reader (a passage made evidence for a new record): back there.
                return redirect(safe_next_url(request, record.get_absolute_url()))
        excerpt = form.cleaned_data.get("excerpt") if hasattr(form, "cleaned_data") else excerpt
    else:
        form = form_class(user=request.user, initial={"excerpt": excerpt})
    return render(
        request,
        "cooperation/records/form.html",
        {"kind": kind, "form": form, "excerpt": excerpt, "creating": True},
    )


def _form_for_edit(kind: Kind, record: Record, user, **kwargs):
    return RECORD_FORMS[kind.model](instance=record, user=user, **kwargs)


@internal_user_required
def record_edit(request, kind: str, slug: str):
    kind = _kind(kind)
    require(request.user, "edit", kind.model)
    # A POST finds a record trashed meanwhile too, so the service can refuse it with the
    # person's input still in the form; a GET of a trashed record is a 404.
    record = get_object_or_404(
        kind.model.all_objects if request.method == "POST" else kind.model.objects, slug=slug
    )
    context = {"kind": kind, "record": record, "creating": False}
    if request.method != "POST":
        form = _form_for_edit(kind, record, request.user)
        return render(request, "cooperation/records/form.html", {**context, "form": form})

    # The form gets a copy: validating writes the input onto its instance, and the page
    # around an invalid form must still show (and link to) the record as saved.
    form = _form_for_edit(kind, copy.copy(record), request.user, data=request.POST)
    if not form.is_valid():
        if "reapply" in request.POST:
            # Their input, edited on the conflict page, needs fixing before it can be re-applied.
            return _conflict_page(request, kind, form, status=200)
        return render(request, "cooperation/records/form.html", {**context, "form": form})
    if "reapply" in request.POST:
        return _reapplied_form(request, kind, form)
    try:
        saved = form.save()
    except ConflictError:
        return _conflict_page(request, kind, form, status=409)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return render(request, "cooperation/records/form.html", {**context, "form": form})
    if saved.version == form.cleaned_data["expected_version"]:
        messages.info(request, "Nothing changed, so nothing was saved.")
    else:
        messages.success(request, f"Saved as version {saved.version}.")
    return redirect(saved.get_absolute_url())


def _fresh(kind: Kind, record: Record) -> Record:
    """The record as saved now, links loaded, for comparing with what a person typed."""
    fields = [f.name for f in kind.model._meta.many_to_many]
    return kind.model.all_objects.prefetch_related(*fields).get(pk=record.pk)


def _conflict_page(request, kind: Kind, form, *, status: int):
    """Someone saved since this form was opened: nothing was saved; show both versions."""
    current = _fresh(kind, form.instance)
    names = [name for name in form._meta.fields if name in form.fields]
    comparison = record_versions.conflict(
        current, form.cleaned_data, names, form.cleaned_data.get("expected_version")
    )
    context = {
        "kind": kind,
        "record": current,
        "form": form,
        "comparison": comparison,
        "opened_version": form.cleaned_data.get("expected_version"),
        "current": current,
    }
    return render(request, "cooperation/records/conflict.html", context, status=status)


def _reapplied_form(request, kind: Kind, form):
    """A fresh form at the latest version, holding the latest values with this person's on top."""
    current = _fresh(kind, form.instance)
    names = [name for name in form._meta.fields if name in form.fields]
    comparison = record_versions.conflict(
        current, form.cleaned_data, names, form.cleaned_data.get("expected_version")
    )
    fresh = _form_for_edit(
        kind,
        current,
        request.user,
        # What they said the facts rest on comes along with their values.
        initial={
            **comparison.merged,
            **{name: form.data[name] for name in BASIS_FIELDS if form.data.get(name)},
            "expected_version": current.version,
        },
    )
    context = {
        "kind": kind,
        "record": current,
        "form": fresh,
        "creating": False,
        "reapplied": comparison.reapplied,
    }
    return render(request, "cooperation/records/form.html", context)


# -- history and restore ---------------------------------------------------------------------


@internal_user_required
def record_history(request, kind: str, slug: str):
    kind = _kind(kind)
    record = get_object_or_404(kind.model.all_objects, slug=slug)
    context = {
        "kind": kind,
        "record": record,
        "versions": record_versions.timeline(record),
    }
    return render(request, "cooperation/records/history.html", context)


@internal_user_required
def record_restore(request, kind: str, slug: str, history_id: int):
    kind = _kind(kind)
    require(request.user, "restore", kind.model)
    record = get_object_or_404(kind.model.objects, slug=slug)
    rows = record_versions.history_rows(kind.model, record.pk, history_ids=[history_id])
    if not rows:
        raise Http404("No such version of this record.")
    past = rows[0]
    if request.method == "POST":
        try:
            restored = tracked_restore_version(
                instance=record,
                history_id=history_id,
                user=request.user,
                expected_version=_posted_version(request),
            )
        except ConflictError:
            messages.error(
                request,
                "The record changed while you were looking at this version; check again.",
            )
            return redirect(request.path)
        except ValidationError as exc:
            messages.error(request, describe_validation_error(exc))
            return redirect(kind.url("history", slug=record.slug))
        messages.success(request, f"Version {past.version} restored as version {restored.version}.")
        return redirect(restored.get_absolute_url())
    current = _fresh(kind, record)
    names = record_versions.compared_fields(kind.model)
    now = record_versions.live_snapshot(current, names)
    labeller = record_versions.Labeller(kind.model, names, [now, past.snapshot])
    changes = record_versions.diff(labeller, now, past.snapshot)
    if isinstance(record, Recommendation):
        # Restoring never moves a status: that goes through the transition service.
        changes = [c for c in changes if c.name != "status"]
    context = {"kind": kind, "record": record, "past": past, "changes": changes}
    return render(request, "cooperation/records/restore_confirm.html", context)


# -- visibility, trash and evidence ----------------------------------------------------------


@internal_user_required
@require_POST
def record_visibility(request, kind: str, slug: str):
    kind = _kind(kind)
    record = get_object_or_404(kind.model.objects, slug=slug)
    visibility = request.POST.get("visibility", "")
    try:
        saved = record_set_visibility(
            record=record,
            user=request.user,
            visibility=visibility,
            expected_version=_posted_version(request),
        )
    except ConflictError:
        messages.error(request, "Someone changed this record meanwhile; check it and try again.")
    except ValidationError as exc:
        messages.error(request, describe_validation_error(exc))
    else:
        messages.success(request, f"Visibility is now {saved.get_visibility_display().lower()}.")
        warning = publish_warning(saved) if record.visibility != saved.visibility else None
        if warning:
            messages.warning(request, warning)
    return redirect(record.get_absolute_url())


@internal_user_required
def record_delete(request, kind: str, slug: str):
    kind = _kind(kind)
    require(request.user, "delete", kind.model)
    record = get_object_or_404(kind.model.objects, slug=slug)
    if request.method == "POST":
        try:
            tracked_delete(
                instance=record,
                user=request.user,
                expected_version=_posted_version(request),
            )
        except ConflictError:
            messages.error(request, "Someone changed this record meanwhile; check it first.")
            return redirect(record.get_absolute_url())
        except ValidationError as exc:
            messages.error(request, describe_validation_error(exc))
            return redirect(record.get_absolute_url())
        messages.success(
            request,
            f"“{record.title}” is in the trash. It can be restored from the trash page.",
        )
        return redirect(kind.list_url())
    context = {"kind": kind, "record": record, "blocker": record.delete_blocker()}
    return render(request, "cooperation/records/delete_confirm.html", context)


@internal_user_required
@require_POST
def record_evidence_detach(request, kind: str, slug: str, link_id: int):
    kind = _kind(kind)
    require(request.user, "unlink_evidence", kind.model)
    record = get_object_or_404(kind.model.objects, slug=slug)
    link = get_object_or_404(
        RecordEvidence.objects.select_related("excerpt"),
        pk=link_id,
        spine_id=record.spine_id,
    )
    try:
        evidence_detach(link=link, user=request.user)
    except ValidationError as exc:
        messages.error(request, describe_validation_error(exc))
    else:
        messages.success(request, f"Detached {link.excerpt} (kept in history).")
    return redirect(record.get_absolute_url())


# -- external identifiers (cooperation/services/identifiers.py) -------------------------------


def _identifier_context(request, record, form=None, duplicate=None) -> dict:
    from cooperation.forms.identifiers import IdentifierForm
    from cooperation.selectors import records_sharing_identifiers

    may_identify = may(request.user, "add", record, kind="identifier")
    if hasattr(record, annotation_name("identifiers")):  # read with the page's statement
        identifiers = read_child_rows(
            record, "identifiers", order_by=("scheme", "value"), model=RecordSpine
        )
    else:
        identifiers = list(record.spine.identifiers.all())
    return {
        "identifiers": identifiers,
        "may_identify": may_identify,
        "identifier_form": form or (IdentifierForm() if may_identify else None),
        "identifier_duplicate": duplicate,
        "same_elsewhere": records_sharing_identifiers(record, request.user, identifiers),
    }


@internal_user_required
@require_POST
def record_identifier_add(request, kind: str, slug: str):
    from cooperation.forms.identifiers import IdentifierForm
    from cooperation.services.identifiers import DuplicateIdentifier, identifier_add

    kind = _kind(kind)
    record = get_object_or_404(kind.model.objects.select_related("spine"), slug=slug)
    form = IdentifierForm(request.POST)
    duplicate = None
    if form.is_valid():
        try:
            row = identifier_add(user=request.user, record=record, **form.cleaned_data)
        except DuplicateIdentifier as exc:
            duplicate = exc.holder
            form.add_error("value", exc.message_dict["value"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Identifier {row.scheme_label} {row.value} added.")
            return redirect(record.get_absolute_url())
    record = _detail_queryset(kind, request.user).get(pk=record.pk)
    context = {
        "kind": kind,
        "record": record,
        "list_url": kind.list_url(),
        "evidence": evidence_items(record),
        "attestation": attestation(record),
        "overdue": isinstance(record, Recommendation) and is_overdue(record),
        "publish_to": Visibility.PUBLISHED,
        "unpublish_to": Visibility.INTERNAL,
        **_identifier_context(request, record, form=form, duplicate=duplicate),
    }
    return render(request, "cooperation/records/detail.html", context, status=400)


@internal_user_required
@require_POST
def record_identifier_remove(request, kind: str, slug: str, identifier_id: int):
    from cooperation.services.identifiers import identifier_remove

    kind = _kind(kind)
    record = get_object_or_404(kind.model.objects, slug=slug)
    row = get_object_or_404(record.spine.identifiers.all(), pk=identifier_id)
    identifier_remove(user=request.user, identifier=row)
    messages.success(
        request, f"Identifier {row.scheme_label} {row.value} removed (kept in history)."
    )
    return redirect(record.get_absolute_url())


def _trash_kinds(user) -> list[Kind]:
    return [kind for kind in KINDS.values() if may(user, "untrash", kind.model)]


@internal_user_required
def trash(request):
    """Every kind's trashed records, newest first, one page at a time."""
    kinds = _trash_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    parts = [
        kind.model.all_objects.deleted()
        .annotate(record_kind=Value(kind.name, output_field=CharField()), when=F("deleted_at"))
        .values_list("record_kind", "pk", "when")
        .order_by()
        for kind in kinds
    ]
    combined = parts[0].union(*parts[1:], all=True).order_by("-when", "record_kind", "-pk")
    page = Paginator(combined, TRASH_PAGE_SIZE).get_page(request.GET.get("page"))
    wanted: dict[str, list[int]] = {}
    for name, pk, _when in page.object_list:
        wanted.setdefault(name, []).append(pk)
    loaded = {
        name: KINDS[name].model.all_objects.select_related("deleted_by", "merged_into").in_bulk(pks)
        for name, pks in wanted.items()
    }
    rows = [(KINDS[name], loaded[name][pk]) for name, pk, _when in page.object_list]
    return render(request, "cooperation/records/trash.html", {"page": page, "rows": rows})


@internal_user_required
@require_POST
def trash_restore(request, model: str, pk: int):
    kind = _kind(model)
    require(request.user, "untrash", kind.model)
    record = get_object_or_404(kind.model.all_objects, pk=pk)
    try:
        restored = tracked_undelete(instance=record, user=request.user)
    except ValidationError as exc:
        messages.error(request, describe_validation_error(exc))
    else:
        messages.success(request, f"Restored “{restored.title}” from the trash.")
    return redirect(safe_next_url(request, reverse("cooperation:trash")))


# -- URLs ------------------------------------------------------------------------------------


def _kind_urls(kind: Kind) -> list:
    p, n, k = kind.prefix, kind.name, {"kind": kind.name}
    return [
        path(f"{p}/new/", record_create, k, name=f"{n}_create"),
        path(f"{p}/<slug:slug>/", record_detail, k, name=f"{n}_detail"),
        path(f"{p}/<slug:slug>/edit/", record_edit, k, name=f"{n}_edit"),
        path(f"{p}/<slug:slug>/history/", record_history, k, name=f"{n}_history"),
        path(
            f"{p}/<slug:slug>/history/<int:history_id>/restore/",
            record_restore,
            k,
            name=f"{n}_restore",
        ),
        path(f"{p}/<slug:slug>/delete/", record_delete, k, name=f"{n}_delete"),
        path(f"{p}/<slug:slug>/visibility/", record_visibility, k, name=f"{n}_visibility"),
        path(
            f"{p}/<slug:slug>/evidence/<int:link_id>/detach/",
            record_evidence_detach,
            k,
            name=f"{n}_evidence_detach",
        ),
        path(
            f"{p}/<slug:slug>/identifiers/add/",
            record_identifier_add,
            k,
            name=f"{n}_identifier_add",
        ),
        path(
            f"{p}/<slug:slug>/identifiers/<int:identifier_id>/remove/",
            record_identifier_remove,
            k,
            name=f"{n}_identifier_remove",
        ),
    ]


urlpatterns = [
    *(pattern for kind in KINDS.values() for pattern in _kind_urls(kind)),
    path("trash/", trash, name="trash"),
    path("trash/<str:model>/<int:pk>/restore/", trash_restore, name="trash_restore"),
]
