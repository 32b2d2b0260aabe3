"""Admin plumbing shared by every tracked model: writes go through the services.

Django's admin normally saves models itself. Here `save_model`, `save_related`,
`delete_model` and `delete_queryset` hand the form's cleaned data to the
services instead, so the admin obeys the same rules (validation, version
check, one history row, soft delete) as every other way in.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cooperation.permissions import may
from cooperation.services import (
    ConflictError,
    tracked_create,
    tracked_delete,
    tracked_restore_version,
    tracked_undelete,
    tracked_update,
)
from cooperation.services.common import describe_validation_error
from cooperation.services.tracked import current_version, editable_field_names

from .history import ReadableHistoryMixin


class VersionedForm(forms.ModelForm):
    """Carries the version the form was opened at, so a stale save shows a conflict."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An edit must say which version it started from, or it could overwrite blindly.
            self.fields["expected_version"].required = True
            if not self.is_bound:
                self.initial["expected_version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            # Locked until the admin's save (see current_version).
            current = current_version(type(self.instance), self.instance.pk)
            if current is not None and current != expected:
                # Both versions stay visible: the form keeps what this person typed,
                # and the message links to the history holding the other person's save.
                raise ValidationError(
                    _(
                        "Someone else saved this since you opened it (you started from version "
                        "%(expected)s; it is now version %(current)s). Your changes are still in "
                        "the form below and were not saved: open the history in a new tab to see "
                        "theirs, then reload and apply yours again."
                    ),
                    code="conflict",
                    params={"expected": expected, "current": current},
                )
        return cleaned


class ShowsRefusal:
    """Puts a service's refusal (a ValidationError raised by the save) on the form again.

    Set as a subclass of the admin's form on the second pass of a refused save (see
    ServiceAdmin.changeform_view): each message lands beside the field it names, or above
    the form when the form has no such field, and the invalid form saves nothing.
    """

    refusal: dict[str, list[str]] = {}

    def clean(self):
        cleaned = super().clean()
        for name, said in self.refusal.items():
            self.add_error(name if name in self.fields else None, said)
        return cleaned


def refusal_messages(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError's messages by field (NON_FIELD_ERRORS for those it does not name)."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {NON_FIELD_ERRORS: exc.messages}


class VisibleHistoryMixin(ReadableHistoryMixin):
    """History pages show only what the change page may show, and say what each version changed.

    simple-history finds a missing object through its history rows, and its version
    page reads the historical row directly: neither asks `get_queryset`, so a note
    hidden from the list (another user's private note) would be read there. Both
    pages first look the object up through `get_queryset` (which includes the trash),
    and answer 404 as the change page does when it is not there.
    """

    def _visible_or_404(self, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such object.")

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryViewOnlyMixin(VisibleHistoryMixin):
    """History pages that show earlier versions but never write them back.

    simple-history's revert saves the model directly; for models whose writes go
    through services (or are workflow rows), that would bypass every rule.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("Earlier versions are shown here, not restored.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class TrashFilter(admin.SimpleListFilter):
    title = _("trash")
    parameter_name = "trash"

    def lookups(self, request, model_admin):
        return [("live", _("Not in trash")), ("deleted", _("In trash"))]

    def choices(self, changelist):
        # "Not in trash" is the default, so it is selected when no value is given.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "live") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset.deleted() if self.value() == "deleted" else queryset.live()


BOOKKEEPING_FIELDS = ("version", "created_at", "created_by", "updated_at", "updated_by")
# Who and when, and the version the form was opened at (hidden), folded away on each page.
RECORD_FIELDSET = (
    _("Record"),
    {"fields": ("expected_version", *BOOKKEEPING_FIELDS), "classes": ("collapse",)},
)


class RunEachMixin:
    """Admin actions that call a service once per selected object and report each refusal."""

    def _run_each(self, request, queryset, service, done_message):
        done, failed = 0, []
        for obj in queryset:
            try:
                service(obj)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = (
                    describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
                )
                failed.append(f"{obj}: {text}")
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.ERROR)


class TableAdminMixin:
    """The admin's view, add, change and delete permissions, asked of cooperation.permissions.

    Which rows a list shows is the model admin's `get_queryset` (the read selectors); the
    services refuse a state (the trash, say) in words of their own.
    """

    def _target(self, obj):
        return obj if obj is not None else self.model

    def has_view_permission(self, request, obj=None):
        return may(request.user, "browse", self._target(obj))

    def has_add_permission(self, request, *args):
        return may(request.user, "create", self.model)

    def has_change_permission(self, request, obj=None):
        return may(request.user, "edit", self._target(obj))

    def has_delete_permission(self, request, obj=None):
        return may(request.user, "delete", self._target(obj))


class ServiceAdmin(TableAdminMixin, VisibleHistoryMixin, RunEachMixin, SimpleHistoryAdmin):
    """A ModelAdmin for Tracked models whose every write is a service call."""

    form = VersionedForm
    readonly_fields = BOOKKEEPING_FIELDS
    actions = ["move_to_trash", "restore_from_trash"]

    # -- reads ---------------------------------------------------------------------------

    def get_queryset(self, request):
        # Include the trash; TrashFilter shows live rows unless asked otherwise.
        return self.model.all_objects.get_queryset()

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete"):
            # Pickers offer live rows only; the changelist can show the trash.
            queryset = queryset.live()
        return queryset, may_have_duplicates

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), TrashFilter)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # its page promises a hard delete; ours is soft
        return actions

    # -- writes --------------------------------------------------------------------------

    def service_data(self, form) -> dict:
        names = editable_field_names(self.model) & set(form.cleaned_data) & set(form.changed_data)
        return {name: form.cleaned_data[name] for name in names}

    def service_kwargs(self, form) -> dict:
        """What else the services take from this form (a record's basis, for one)."""
        return {}

    def create_via_service(self, request, form):
        return tracked_create(
            model=self.model,
            user=request.user,
            data=self.service_data(form),
            **self.service_kwargs(form),
        )

    def update_via_service(self, request, obj, form):
        original = self.model.all_objects.get(pk=obj.pk)
        return tracked_update(
            instance=original,
            user=request.user,
            data=self.service_data(form),
            expected_version=form.cleaned_data.get("expected_version"),
            **self.service_kwargs(form),
        )

    def save_model(self, request, obj, form, change):
        saved = (
            self.update_via_service(request, obj, form)
            if change
            else self.create_via_service(request, form)
        )
        # The admin goes on using `obj` (redirects, log entries): make it the saved row.
        obj.pk = saved.pk
        obj.version = saved.version
        obj._state.adding = False
        form.instance = obj

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields went to the service with the rest of the form; only
        # inline formsets remain, and each inline admin saves them through services.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "service_inline", None)
        if inline is None:
            raise PermissionDenied("This inline has no service to save through.")
        # The admin's change message reads these; the inline fills them as it saves.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        inline.save_formset_via_services(request, form.instance, formset)

    def delete_view(self, request, object_id, extra_context=None):
        # Django's delete page lists "related objects that will be deleted": that is a hard
        # delete's promise. Records go to the trash through the list's action instead.
        self.message_user(
            request,
            _("Nothing is deleted here: select it in the list, then “Move selected to the trash”."),
            messages.WARNING,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["show_delete"] = False  # the delete page is not offered (see delete_view)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_model(self, request, obj):
        tracked_delete(instance=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            tracked_delete(instance=obj, user=request.user)

    def get_deleted_objects(self, objs, request):
        # A soft delete removes nothing else, so there is nothing to list or protect.
        perms_needed = set()
        if not self.has_delete_permission(request):
            perms_needed.add(self.opts.verbose_name)
        return [str(obj) for obj in objs], {}, perms_needed, []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form
        return type(form.__name__, (ShowsRefusal, form), {"refusal": refusal})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConflictError as exc:
            # Lost the race between the form check and the locked write: nothing was saved.
            self.message_user(request, exc.messages[0], messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except ValidationError as exc:
            refused = exc
        if request.method == "POST" and not hasattr(request, "_service_refusal"):
            # The service refused the save (a fact without a basis, say) and its transaction
            # rolled back: render the form again, as typed, with the refusal beside the
            # fields it names. That form is invalid, so this second pass writes nothing.
            request._service_refusal = refusal_messages(refused)
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except ValidationError as exc:
                refused = exc
        self.message_user(request, describe_validation_error(refused), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    # -- history and restore -------------------------------------------------------------

    def revert_disabled(self, request, obj=None):
        return not may(request.user, "restore", obj if obj is not None else self.model)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not str(version_id).isdecimal():
            raise Http404("No such version.")
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        if self.revert_disabled(request, obj):
            raise PermissionDenied
        try:
            tracked_restore_version(instance=obj, history_id=int(version_id), user=request.user)
        except ValidationError as exc:
            self.message_user(request, describe_validation_error(exc), messages.ERROR)
        else:
            self.message_user(
                request, _("Restored that version as a new version."), messages.SUCCESS
            )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        )

    # -- actions -------------------------------------------------------------------------

    @admin.action(description=_("Move selected to the trash"), permissions=["delete"])
    def move_to_trash(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda obj: tracked_delete(instance=obj, user=request.user),
            _("Moved %(count)d to the trash."),
        )

    @admin.action(description=_("Restore selected from the trash"), permissions=["delete"])
    def restore_from_trash(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda obj: tracked_undelete(instance=obj, user=request.user),
            _("Restored %(count)d from the trash."),
        )


class ServiceInlineMixin:
    """An inline whose formset saves through services (see ServiceAdmin.save_formset)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.service_inline = self
        return formset

    def save_formset_via_services(self, request, parent, formset) -> None:
        raise NotImplementedError


class ReadOnlyInlineMixin(ServiceInlineMixin):
    """An inline that only shows rows; they are written elsewhere (e.g. by a workflow)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset_via_services(self, request, parent, formset) -> None:
        return None  # nothing can be added or changed here


def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" redirect, for objects the admin would show this user.

    Django's shortcut redirects to any object's page whoever asks, and so tells
    anyone with staff access that an object exists (and where): this asks the
    model's admin first, and answers 404 for what its change page would not show.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.contenttypes.views import shortcut

    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ValueError, ContentType.DoesNotExist):
        raise Http404("No such object.") from None
    model_admin = admin.site._registry.get(model)
    if (
        model_admin is None
        or not model_admin.has_view_or_change_permission(request)
        or model_admin.get_object(request, unquote(object_id)) is None
    ):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)
