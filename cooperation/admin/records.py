"""Admin for agreements, deals, challenges and recommendations."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cooperation.choices import RecommendationStatus, allowed_transitions
from cooperation.fieldspec import SPECS
from cooperation.forms.basis import BASIS_FIELDS, BasisFields
from cooperation.forms.common import PartyDatesField
from cooperation.models import Agreement, Challenge, Deal, Excerpt, Recommendation
from cooperation.permissions import may, visibility_choices
from cooperation.selectors import duplicate_candidates, internal_users, publish_warning
from cooperation.services import (
    recommendation_create,
    recommendation_transition,
    record_merge,
    record_publish,
    record_unpublish,
    status_proposal_create,
)
from cooperation.services.claim_rows import NEEDS_BASIS
from cooperation.services.common import describe_validation_error

from .base import RECORD_FIELDSET, ServiceAdmin, VersionedForm
from .inlines import (
    AnnotationInline,
    ClaimInline,
    EvidenceInline,
    IdentifierInline,
    ResponseInline,
    StatusChangeInline,
    StatusProposalInline,
)


class RecordAdminForm(BasisFields, VersionedForm):
    """A record's admin form, with where the values it changes come from (one basis for all
    of them; the claims service refuses a changed fact without one, naming the field)."""

    def clean(self):
        cleaned = super().clean()
        refusal = getattr(self, "refusal", {})  # ShowsRefusal's, on a refused save
        unfounded = [name for name, said in refusal.items() if NEEDS_BASIS in said]
        if unfounded and "basis_kind" in self.fields:
            labels = [
                str(self._meta.model._meta.get_field(name).verbose_name) for name in unfounded
            ]
            self.add_error(
                "basis_kind",
                _("Say where the values you set come from (%(fields)s changed).")
                % {"fields": ", ".join(labels)},
            )
        return cleaned


# Below the record's own fields: where the values this save sets or changes come from.
BASIS_FIELDSET = (
    _("Basis for the values you change"),
    {
        "fields": BASIS_FIELDS,
        "description": _(
            "Needed when you set or change a date, status, party, quantity, severity, "
            "priority or other fact: excerpts of a brief (their ids), a public record (its "
            "title, publisher, URL and the date you read it) or your judgement with a "
            "one-line reason. One basis covers every value this save changes; the claims "
            "below keep each value's basis."
        ),
    },
)


def record_fieldsets(model) -> tuple:
    return (*SPECS[model].admin_fieldsets(BASIS_FIELDSET), RECORD_FIELDSET)


class RecordAdmin(ServiceAdmin):
    form = RecordAdminForm
    list_display_links = ("title",)
    search_fields = ("title", "summary", "slug")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("actors", "topics", "tags")
    inlines = [ClaimInline, EvidenceInline, IdentifierInline, AnnotationInline]

    def service_kwargs(self, form) -> dict:
        return {"basis": form.basis_value()}

    def get_inlines(self, request, obj):
        # A record not yet saved has no claims to show.
        inlines = super().get_inlines(request, obj)
        return inlines if obj is not None else [i for i in inlines if i is not ClaimInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the evidence inline saved: warn as the publish action does.
        if "visibility" in form.changed_data:
            saved = self.model.all_objects.get(pk=form.instance.pk)
            warning = publish_warning(saved)
            if warning:
                self.message_user(request, warning, messages.WARNING)

    actions = ["publish", "unpublish", "merge_duplicates", *ServiceAdmin.actions]
    list_per_page = 50
    change_list_template = "admin/cooperation/record_change_list.html"

    common_list_filter = (
        "visibility",
        ("actors", admin.RelatedOnlyFieldListFilter),
        "topics",
        ("tags", admin.RelatedOnlyFieldListFilter),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                evidence_count=Count(
                    "spine__evidence_links",
                    filter=Q(spine__evidence_links__deleted_at__isnull=True),
                    distinct=True,  # other annotations join other tables
                )
            )
        )

    @admin.display(description=_("evidence"), ordering="evidence_count")
    def evidence(self, record):
        return record.evidence_count

    @admin.display(description=_("visibility"), ordering="visibility")
    def visibility_badge(self, record):
        # A class, not a style attribute: the Content-Security-Policy refuses inline styles
        # (colours in static/css/admin.css).
        return format_html(
            '<strong class="visibility-badge visibility-{}">{}</strong>',
            record.visibility,
            record.get_visibility_display(),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Only curators move a record into or out of "published" (the service checks too).
        choices = [] if obj is None else visibility_choices(request.user, obj)
        if obj is not None and [value for value, _ in choices] == [obj.visibility]:
            fields.append("visibility")
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "visibility":
            kwargs["choices"] = visibility_choices(request.user, self.model)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    # -- actions -------------------------------------------------------------------------

    def has_publish_permission(self, request):
        return may(request.user, "publish", self.model)

    def has_merge_permission(self, request):
        return may(request.user, "merge", self.model)

    @admin.action(
        description=_("Publish selected (partners can read them)"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda r: self._publish_and_warn(request, r),
            _("Published %(count)d."),
        )

    def _publish_and_warn(self, request, record):
        warning = publish_warning(record_publish(record=record, user=request.user))
        if warning:
            self.message_user(request, f"{record}: {warning}", messages.WARNING)

    @admin.action(description=_("Unpublish selected (back to internal)"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda r: record_unpublish(record=r, user=request.user),
            _("Unpublished %(count)d."),
        )

    @admin.action(
        description=_("Merge two selected duplicates (the older one is kept)"),
        permissions=["merge"],
    )
    def merge_duplicates(self, request, queryset):
        records = list(queryset.order_by("created_at", "pk"))
        if len(records) != 2:
            self.message_user(request, _("Select exactly two records to merge."), messages.ERROR)
            return None
        keep, duplicate = records
        try:
            record_merge(keep=keep, duplicate=duplicate, user=request.user)
        except ValidationError as exc:
            self.message_user(request, describe_validation_error(exc), messages.ERROR)
            return None
        self.message_user(
            request, _("Merged “%(dup)s” into “%(keep)s”.") % {"dup": duplicate, "keep": keep}
        )
        return None

    # -- possible duplicates -------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name=f"{info[0]}_{info[1]}_duplicates",
            ),
            *super().get_urls(),
        ]

    def duplicates_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Possible duplicate %(name)s") % {"name": self.opts.verbose_name_plural},
            "candidates": duplicate_candidates(self.model),
            "can_merge": self.has_merge_permission(request),
        }
        return TemplateResponse(request, "admin/cooperation/duplicates.html", context)


@admin.register(Agreement)
class AgreementAdmin(RecordAdmin):
    list_display = ("title", "kind", "status", "signed_on", "visibility_badge", "evidence")
    list_filter = ("kind", "status", *RecordAdmin.common_list_filter)
    autocomplete_fields = ("actors", "topics", "tags", "parties", "amends", "supersedes")
    search_fields = (*RecordAdmin.search_fields, "registration_number")
    date_hierarchy = "signed_on"
    fieldsets = record_fieldsets(Agreement)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "party_dates":
            # One party a line, as the workspace's form takes them (not raw JSON).
            return PartyDatesField(label=db_field.verbose_name.capitalize())
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Deal)
class DealAdmin(RecordAdmin):
    list_display = (
        "title",
        "kind",
        "status",
        "supplier",
        "recipient",
        "visibility_badge",
        "evidence",
    )
    list_filter = (
        "kind",
        "status",
        "weapon_category",
        "licensed_production",
        *RecordAdmin.common_list_filter,
    )
    list_select_related = ("supplier", "recipient")
    autocomplete_fields = ("actors", "topics", "tags", "supplier", "recipient", "governed_by")
    fieldsets = record_fieldsets(Deal)


@admin.register(Challenge)
class ChallengeAdmin(RecordAdmin):
    list_display = ("title", "category", "severity", "answered", "visibility_badge", "evidence")
    list_filter = ("category", "severity", *RecordAdmin.common_list_filter)
    autocomplete_fields = ("actors", "topics", "tags", "affects_deals", "affects_agreements")
    fieldsets = record_fieldsets(Challenge)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                recommendation_count=Count(
                    "recommendations",
                    filter=Q(recommendations__deleted_at__isnull=True),
                    distinct=True,
                )
            )
        )

    @admin.display(description=_("recommendations answering it"), ordering="recommendation_count")
    def answered(self, challenge):
        return challenge.recommendation_count


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_excerpt = forms.ModelChoiceField(
        label=_("Evidence excerpt"),
        queryset=Excerpt.objects.select_related("source"),
        required=False,
    )
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https")

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (value, RecommendationStatus(value).label) for value in statuses
        ]


@admin.register(Recommendation)
class RecommendationAdmin(RecordAdmin):
    list_display = (
        "title",
        "status",
        "priority",
        "target_date",
        "owner",
        "visibility_badge",
        "evidence",
    )
    list_filter = ("status", "priority", "target_date", *RecordAdmin.common_list_filter)
    list_select_related = ("owner",)
    autocomplete_fields = ("actors", "topics", "tags", "addressed_to", "addresses")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            # Owners are the research team; analysts need no access to the user admin for this.
            kwargs["queryset"] = internal_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    inlines = [
        StatusChangeInline,
        StatusProposalInline,
        ResponseInline,
        ClaimInline,
        EvidenceInline,
        IdentifierInline,
        AnnotationInline,
    ]
    actions = ["change_status", *RecordAdmin.actions]
    fieldsets = record_fieldsets(Recommendation)

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "status")

    def create_via_service(self, request, form):
        return recommendation_create(
            user=request.user, data=self.service_data(form), **self.service_kwargs(form)
        )

    def has_transition_permission(self, request):
        return may(request.user, "transition", self.model)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{info[0]}_{info[1]}_transition",
            ),
            *super().get_urls(),
        ]

    def _transition_page(self, request, form, recommendations, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "recommendations": recommendations,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/cooperation/recommendation/transition.html", context
        )

    def _apply_transition(self, request, recommendations, cleaned) -> None:
        self._run_each(
            request,
            recommendations,
            lambda recommendation: recommendation_transition(
                recommendation=recommendation,
                to_status=cleaned["to_status"],
                user=request.user,
                note=cleaned["note"],
                evidence_excerpt=cleaned.get("evidence_excerpt"),
                evidence_url=cleaned.get("evidence_url") or "",
            ),
            _("Changed the status of %(count)d."),
        )

    def transition_view(self, request, object_id):
        """Curators move the status; analysts get the same form to propose the move."""
        may_move = self.has_transition_permission(request)
        if not may_move and not may(request.user, "propose", self.model):
            raise PermissionDenied
        recommendation = self.get_object(request, unquote(object_id))
        if recommendation is None:
            raise Http404("No such recommendation.")
        statuses = allowed_transitions(recommendation.status)
        form = TransitionForm(request.POST or None, statuses=statuses)
        if request.method == "POST" and form.is_valid():
            if may_move:
                self._apply_transition(request, [recommendation], form.cleaned_data)
            else:
                self._propose(request, recommendation, form.cleaned_data)
            return HttpResponseRedirect(
                reverse("admin:cooperation_recommendation_change", args=[recommendation.pk])
            )
        template = (
            _("Change the status of “%(r)s” (now %(s)s)")
            if may_move
            else _("Propose a status change for “%(r)s” (now %(s)s); a curator decides")
        )
        title = template % {"r": recommendation, "s": recommendation.get_status_display().lower()}
        return self._transition_page(request, form, [recommendation], title)

    def _propose(self, request, recommendation, cleaned) -> None:
        try:
            status_proposal_create(
                recommendation=recommendation,
                to_status=cleaned["to_status"],
                user=request.user,
                note=cleaned["note"],
                evidence_excerpt=cleaned.get("evidence_excerpt"),
                evidence_url=cleaned.get("evidence_url") or "",
            )
        except ValidationError as exc:
            self.message_user(request, describe_validation_error(exc), messages.ERROR)
        else:
            self.message_user(request, _("Proposed. A curator will decide."), messages.SUCCESS)

    @admin.action(
        description=_("Change status of selected (with a note)…"), permissions=["transition"]
    )
    def change_status(self, request, queryset):
        recommendations = list(queryset)
        # Offer every status any selected recommendation may move to; the service refuses
        # (and reports) those for which the move is not allowed.
        statuses = sorted(
            {s for r in recommendations for s in allowed_transitions(r.status)},
            key=RecommendationStatus.values.index,
        )
        form = TransitionForm(request.POST if "apply" in request.POST else None, statuses=statuses)
        if "apply" in request.POST and form.is_valid():
            self._apply_transition(request, recommendations, form.cleaned_data)
            return None
        return self._transition_page(
            request, form, recommendations, _("Change the status of the selected recommendations")
        )
