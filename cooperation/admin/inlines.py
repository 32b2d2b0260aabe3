"""Inlines shown on record pages; each saves through a service or is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cooperation.choices import BasisKind
from cooperation.models import (
    Actor,
    Annotation,
    Claim,
    Excerpt,
    Identifier,
    RecommendationResponse,
    RecommendationStatusChange,
    RecordEvidence,
    RecordSpine,
    StatusProposal,
)
from cooperation.permissions import may
from cooperation.provenance import display_value
from cooperation.selectors import annotations_visible_to
from cooperation.services import (
    annotation_create,
    evidence_attach,
    evidence_detach,
    recommendation_response_record,
    tracked_update,
)
from cooperation.services.identifiers import identifier_add

from .base import ReadOnlyInlineMixin, ServiceInlineMixin, VersionedForm


def _changed_forms(formset):
    """(form, deleted) for every inline form the user touched."""
    for form in formset.forms:
        deleted = formset.can_delete and formset._should_delete_form(form)
        if deleted and form.instance.pk:
            yield form, True
        elif not deleted and form.has_changed():
            yield form, False


class SpineInlineFormSet(BaseInlineFormSet):
    """An inline formset over what hangs off a record's spine row, given the record."""

    def __init__(self, data=None, files=None, instance=None, **kwargs):
        self.record = instance
        has_spine = instance is not None and instance.spine_id
        instance = instance.spine if has_spine else RecordSpine()
        super().__init__(data, files, instance=instance, **kwargs)


class SpineTabularInline(admin.TabularInline):
    """A tabular inline of rows with a `spine` foreign key, on a record kind's admin page.

    Evidence and notes point at the record spine, not at the kind, so the formset is
    built against RecordSpine and handed the record's spine row.
    """

    formset = SpineInlineFormSet
    fk_name = "spine"

    def __init__(self, parent_model, admin_site):
        super().__init__(parent_model, admin_site)
        self.record_model = parent_model
        self.parent_model = RecordSpine


class EvidenceInline(ServiceInlineMixin, SpineTabularInline):
    model = RecordEvidence
    form = VersionedForm
    fields = ("excerpt", "quote", "note", "expected_version")
    readonly_fields = ("quote",)
    autocomplete_fields = ("excerpt",)
    extra = 0
    verbose_name = _("evidence excerpt")
    verbose_name_plural = _("evidence (excerpts of sources that support this record)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("excerpt__source")

    @admin.display(description=_("as it reads in the source"))
    def quote(self, link):
        if not link.pk:
            return "—"
        excerpt = link.excerpt
        return format_html(
            "“{}” <small>({}, characters {}–{})</small>",
            excerpt.display_quote,
            excerpt.source.reference_code or excerpt.source.title,
            excerpt.start,
            excerpt.end,
        )

    def save_formset_via_services(self, request, parent, formset) -> None:
        for form, deleted in _changed_forms(formset):
            link = form.instance
            if deleted:
                formset.deleted_objects.append(evidence_detach(link=link, user=request.user))
            elif link.pk is None:
                created = evidence_attach(
                    record=parent,
                    excerpt=form.cleaned_data["excerpt"],
                    user=request.user,
                    note=form.cleaned_data.get("note", ""),
                )
                formset.new_objects.append(created)
            elif "excerpt" in form.changed_data:
                # Pointing a link at another excerpt is a new link: the old one is detached.
                original = RecordEvidence.objects.get(pk=link.pk)
                formset.deleted_objects.append(evidence_detach(link=original, user=request.user))
                created = evidence_attach(
                    record=parent,
                    excerpt=form.cleaned_data["excerpt"],
                    user=request.user,
                    note=form.cleaned_data.get("note", ""),
                )
                formset.new_objects.append(created)
            else:
                changed = {k: form.cleaned_data[k] for k in form.changed_data if k == "note"}
                updated = tracked_update(
                    instance=RecordEvidence.objects.get(pk=link.pk),
                    user=request.user,
                    data=changed,
                    expected_version=form.cleaned_data.get("expected_version"),
                )
                formset.changed_objects.append((updated, list(changed)))


class AddOnlyInlineMixin(ServiceInlineMixin):
    """Rows are shown read-only and new ones added through `create` (a service call)."""

    extra = 0
    can_delete = False
    # The table's row for adding one here: (kind, action), asked of the parent object.
    add_action: tuple[str, str] = ("", "")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        kind, action = self.add_action
        parent = obj if obj is not None else getattr(self, "record_model", self.parent_model)
        return may(request.user, action, parent, kind=kind)

    def create(self, request, parent, cleaned: dict):
        raise NotImplementedError

    def save_formset_via_services(self, request, parent, formset) -> None:
        for form, _deleted in _changed_forms(formset):
            if form.instance.pk is None:
                formset.new_objects.append(self.create(request, parent, form.cleaned_data))


class AnnotationInline(AddOnlyInlineMixin, SpineTabularInline):
    """Existing notes are shown read-only (only their author edits them); new ones can be added."""

    model = Annotation
    fields = ("body", "motivation", "visibility", "author", "created_at", "resolved")
    readonly_fields = ("author", "created_at", "resolved")
    add_action = ("annotation", "create")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("author")
        return annotations_visible_to(request.user, queryset)

    def create(self, request, parent, cleaned):
        return annotation_create(
            author=request.user,
            record=parent,
            body=cleaned["body"],
            motivation=cleaned["motivation"],
            visibility=cleaned["visibility"],
        )


class StatusChangeInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = RecommendationStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note", "evidence")
    readonly_fields = fields
    verbose_name_plural = _("status timeline (change it with the “Change status” button)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by", "evidence_excerpt")

    @admin.display(description=_("evidence"))
    def evidence(self, change):
        parts = []
        if change.evidence_excerpt_id:
            parts.append(str(change.evidence_excerpt))
        if change.evidence_url:
            parts.append(format_html('<a href="{0}" rel="noopener">{0}</a>', change.evidence_url))
        return format_html_join(" ", "{}", ((part,) for part in parts)) if parts else "—"


class StatusProposalInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = StatusProposal
    fk_name = "recommendation"
    fields = ("proposed_at", "proposed_by", "from_status", "to_status", "note", "state")
    readonly_fields = fields
    verbose_name_plural = _("status proposals by analysts")


class ResponseInline(AddOnlyInlineMixin, admin.TabularInline):
    """The addressee's responses: recorded here through the service, never edited after."""

    model = RecommendationResponse
    fields = ("responded_on", "classification", "note", "evidence_excerpt", "evidence_url")
    autocomplete_fields = ("evidence_excerpt",)
    add_action = ("record", "respond")
    verbose_name_plural = _("responses of the addressee (action-taken report terms)")

    def create(self, request, parent, cleaned):
        return recommendation_response_record(
            recommendation=parent,
            user=request.user,
            **{name: cleaned[name] for name in self.fields},
        )


class ExcerptInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Excerpt
    fields = ("start", "end", "reads_as", "created_by")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("excerpts (add them from the Excerpts page)")

    @admin.display(description=_("reads as"))
    def reads_as(self, excerpt):
        return excerpt.display_quote


class _IdentifierInlineBase(AddOnlyInlineMixin):
    """External identifiers: shown read-only, linked out; new ones added through the service
    (which validates each scheme's form and refuses one that names something else)."""

    model = Identifier
    fields = ("scheme", "value", "url", "link_out")
    readonly_fields = ("link_out",)
    add_action = ("identifier", "add")
    verbose_name = _("external identifier")
    verbose_name_plural = _("external identifiers (Wikidata, UN Treaty Series, SIPRI, other)")

    @admin.display(description=_("link"))
    def link_out(self, row):
        if not row.pk:
            return "—"
        return format_html(
            '<a href="{}" rel="noopener noreferrer external" target="_blank">{} ↗</a>',
            row.link,
            row.value,
        )

    def create(self, request, parent, cleaned):
        target = {"actor": parent} if isinstance(parent, Actor) else {"record": parent}
        return identifier_add(
            user=request.user,
            scheme=cleaned["scheme"],
            value=cleaned["value"],
            url=cleaned.get("url") or "",
            **target,
        )


class IdentifierInline(_IdentifierInlineBase, SpineTabularInline):
    pass


class ActorIdentifierInline(_IdentifierInlineBase, admin.TabularInline):
    fk_name = "actor"


def claim_value(claim: Claim, record_model) -> str:
    """A claim's value as people read it: a date at its precision, names for ids."""
    return display_value(record_model(), claim.field, claim.value)


def claim_grounds(claim: Claim) -> str:
    """What a claim rests on: the brief's words, the cited record, or the reason."""
    if claim.basis == BasisKind.BRIEF:
        return format_html_join(
            mark_safe("<br>"),
            "“{}” <small>(excerpt {}, {})</small>",
            (
                (e.display_quote, e.pk, e.source.reference_code or e.source.title)
                for e in claim.excerpts.all()
            ),
        )
    if claim.basis == BasisKind.PUBLIC_RECORD:
        read = claim.citation_accessed.isoformat() if claim.citation_accessed else "—"
        title = (
            format_html(
                '<a href="{}" rel="noopener noreferrer external">{}</a>',
                claim.citation_url,
                claim.citation_title,
            )
            if claim.citation_url
            else claim.citation_title
        )
        return format_html(
            "{} <small>({}; read {})</small>", title, claim.citation_publisher or "—", read
        )
    return claim.reason


class ClaimInline(ReadOnlyInlineMixin, SpineTabularInline):
    """Where each of the record's values comes from, read-only: claims change only through
    the services (a record's save with its basis; a claim added or ranked)."""

    model = Claim
    fields = ("field", "shown_value", "rank", "basis", "grounds", "created_by", "created_at")
    readonly_fields = fields
    verbose_name = _("claim")
    verbose_name_plural = _("claims (each value with its basis: brief, public record, judgement)")

    def has_view_permission(self, request, obj=None):
        # Whoever may open the record's page reads its claims (Django asks without the
        # record, too, before it lists the rows).
        return may(request.user, "browse", obj if obj is not None else self.record_model)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .prefetch_related("excerpts__source")
        )

    @admin.display(description=_("value"))
    def shown_value(self, claim):
        return claim_value(claim, self.record_model) if claim.pk else "—"

    @admin.display(description=_("rests on"))
    def grounds(self, claim):
        return claim_grounds(claim) if claim.pk else "—"
