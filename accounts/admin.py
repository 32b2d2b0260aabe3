"""Admin for users and partner organisations. Role changes go through accounts.services."""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import ApiToken, Organisation, User
from accounts.roles import ROLES, roles_of
from accounts.services import (
    MAX_TOKEN_DAYS,
    api_token_create,
    api_token_revoke,
    organisation_create,
    organisation_update,
    user_create,
    user_set_password,
    user_update,
    validate_api_token,
    validate_roles,
)
from cooperation.admin.base import HistoryViewOnlyMixin, RunEachMixin, TableAdminMixin

ROLE_CHOICES = [(role, role.capitalize()) for role in ROLES]


class RolesMixin(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation", getattr(self.instance, "organisation", None))
        try:
            validate_roles(roles=cleaned.get("roles", []), organisation=organisation)
        except ValidationError as exc:
            self.add_error(None, exc)  # a dict of field errors lands on those fields
        return cleaned


class ContoursUserCreationForm(RolesMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "organisation")


PASSWORD_SET_BY_ADMIN = "Password set by an administrator"
# Django's admin builds the password form without the request; UserAdmin.user_change_password
# puts the acting admin here for the form's save (a ContextVar: per request, thread-safe).
_password_actor: ContextVar = ContextVar("contours_password_actor", default=None)


class PasswordSetThroughServiceForm(AdminPasswordChangeForm):
    """The admin's "Change password" form; the service saves it and writes the history row."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        return user_set_password(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            actor=_password_actor.get(),
            reason=PASSWORD_SET_BY_ADMIN,
        )


class ContoursUserChangeForm(RolesMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            names = self.instance.groups.values_list("name", flat=True)
            self.initial["roles"] = sorted(set(names) & set(ROLES))


@admin.register(User)
class UserAdmin(
    TableAdminMixin, HistoryViewOnlyMixin, RunEachMixin, SimpleHistoryAdmin, DjangoUserAdmin
):
    form = ContoursUserChangeForm
    add_form = ContoursUserCreationForm
    change_password_form = PasswordSetThroughServiceForm
    ordering = ("email",)
    list_display = ("email", "full_name", "organisation", "role_list", "is_active", "last_login")
    list_filter = ("is_active", "is_superuser", "groups", "organisation")
    search_fields = ("email", "full_name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "organisation", "is_org_admin")}),
        (_("Roles"), {"fields": ("roles", "is_active", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "organisation",
                    "roles",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Only a superuser makes or unmakes superusers (an admin-role user cannot self-promote).
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    @admin.display(description=_("roles"))
    def role_list(self, user):
        return ", ".join(sorted(roles_of(user))) or "—"

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    def save_model(self, request, obj, form, change):
        roles = form.cleaned_data.get("roles", [])
        if change:
            fields = {
                "email",
                "full_name",
                "organisation",
                "is_active",
                "is_superuser",
                "is_org_admin",
            }
            data = {name: form.cleaned_data[name] for name in fields & set(form.changed_data)}
            original = User.objects.get(pk=obj.pk)
            saved = user_update(user=original, data=data, roles=roles, actor=request.user)
        else:
            password = (
                form.cleaned_data.get("password1")
                if form.cleaned_data.get("set_usable_password", True)
                else None
            )
            saved = user_create(
                email=form.cleaned_data["email"],
                password=password,
                roles=roles,
                full_name=form.cleaned_data.get("full_name", ""),
                organisation=form.cleaned_data.get("organisation"),
                actor=request.user,
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # Roles (the only many-to-many the form edits) were set by the service.
        return None

    # A user is never deleted: their name stays on what they wrote, and history keeps who
    # did what. Deactivating ends their access instead (and can be undone).
    actions = ["deactivate_selected", "reactivate_selected"]

    def has_delete_permission(self, request, obj=None):
        return False

    def _set_active(self, request, queryset, active: bool) -> None:
        def apply(user):
            if user.pk == request.user.pk:
                raise PermissionDenied(_("You cannot change your own access here."))
            user_update(user=user, data={"is_active": active}, actor=request.user)

        self._run_each(
            request,
            queryset.filter(is_active=not active),
            apply,
            _("Reactivated %(count)d.") if active else _("Deactivated %(count)d."),
        )

    @admin.action(
        description=_("Deactivate selected users (they can no longer log in)"),
        permissions=["change"],
    )
    def deactivate_selected(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Reactivate selected users"), permissions=["change"])
    def reactivate_selected(self, request, queryset):
        self._set_active(request, queryset, active=True)


# Roles are groups declared in accounts/roles.py and synced after every migrate: an edit or
# a delete here would be silently undone (or break logins) on the next deploy, so the admin
# shows them and changes nothing.
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(DjangoGroupAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(TableAdminMixin, HistoryViewOnlyMixin, SimpleHistoryAdmin):
    list_display = ("name", "is_partner", "contact_email", "member_count")
    list_filter = ("is_partner",)
    search_fields = ("name", "contact_email")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            original = Organisation.objects.get(pk=obj.pk)
            saved = organisation_update(organisation=original, data=data, actor=request.user)
        else:
            saved = organisation_create(actor=request.user, **form.cleaned_data)
        obj.pk = saved.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        return False  # organisations stay; members and tokens refer to them

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, organisation):
        return organisation.member_total


class ApiTokenCreationForm(forms.ModelForm):
    expires_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        help_text=_("Leave empty for a token that does not expire."),
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "can_write")

    def clean(self):
        cleaned = super().clean()
        try:
            validate_api_token(
                user=cleaned.get("user"),
                name=cleaned.get("name", ""),
                expires_days=cleaned.get("expires_days"),
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(TableAdminMixin, HistoryViewOnlyMixin, SimpleHistoryAdmin):
    """Tokens are made here (the plaintext is shown once, in a message) and revoked one by one.

    The stored hash is never shown; an existing token cannot be edited, only revoked.
    """

    list_display = (
        "name",
        "prefix",
        "user",
        "organisation",
        "can_write",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("can_write", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user__organisation",)
    autocomplete_fields = ("user",)
    actions = ["revoke_selected"]
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "can_write",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    @admin.display(description=_("organisation"))
    def organisation(self, token):
        return token.user.organisation or "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "can_write", "expires_days")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing about a token changes except by revoking it
        token, plaintext = api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            can_write=form.cleaned_data.get("can_write", False),
            expires_days=form.cleaned_data.get("expires_days"),
            actor=request.user,
        )
        obj.pk = token.pk
        obj._state.adding = False
        self.message_user(
            request,
            _("Token created. Copy it now, it will not be shown again: %(token)s")
            % {"token": plaintext},
            messages.WARNING,
        )

    def save_related(self, request, form, formsets, change):
        return None

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row records who had access until when

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
            count += 1
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})
