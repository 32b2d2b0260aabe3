"""The API access page: where a partner lands after logging in on the web.

It explains the API and links to its documentation, lists the tokens the visitor may
see, and lets a partner organisation's admin (User.is_org_admin) create and revoke
tokens for its own members, through accounts.services (history) with a security-log
line for each. Every role gets the page; nobody meets a bare 403 here.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.security import log_event
from accounts.services import (
    MAX_TOKEN_DAYS,
    api_token_create,
    api_token_revoke,
    is_organisation_admin,
)
from cooperation.permissions import portal
from cooperation.selectors import api_tokens_visible_to, organisation_partners


class TokenForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), label="For", help_text="The member who will use it."
    )
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. “nightly sync”.")
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read, and post notes")],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        required=False,
        help_text="Leave empty for a token that does not expire.",
    )

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisation_partners(admin)
        self.fields["owner"].initial = admin.pk


def _create(request, form) -> str | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        token, plaintext = api_token_create(
            user=data["owner"],
            name=data["name"],
            can_write=data["scope"] == "write",
            expires_days=data["expires_days"],
            actor=request.user,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            field = "owner" if field == "user" else field
            form.add_error(field if field in form.fields else None, messages)
        return None
    log_event(
        "api_token_created", request, token=token.pk, owner=token.user_id, scope=data["scope"]
    )
    return plaintext


def _revoke(request) -> str:
    raw = request.POST.get("token", "")
    token = None
    if raw.isdecimal():
        token = api_tokens_visible_to(request.user, manager=True).filter(pk=int(raw)).first()
    if token is None:
        return "There is no such token of your organisation."
    api_token_revoke(token=token, actor=request.user)
    log_event("api_token_revoked", request, token=token.pk, owner=token.user_id)
    return f"“{token.name}” is revoked: it is refused from now on."


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_access(request):
    user = request.user
    manager = is_organisation_admin(user)
    form = TokenForm(admin=user) if manager else None
    context = {
        "manager": manager,
        "internal": portal(user, "workspace"),
        "status": "",
        "new_token": "",
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if not manager:
            status = 403
            context["status"] = (
                "Only your organisation's admin may create or revoke tokens here; ask them, "
                "or the Contours administrators."
            )
        elif action == "create":
            form = TokenForm(request.POST, admin=user)
            try:
                context["new_token"] = _create(request, form) or ""
            except PermissionDenied as exc:
                status, context["status"] = 403, str(exc)
            if not context["new_token"] and status == 200:
                status = 400
        elif action == "revoke":
            try:
                context["status"] = _revoke(request)
            except PermissionDenied as exc:
                status, context["status"] = 403, str(exc)
        else:
            status, context["status"] = 400, "Choose to create or to revoke a token."
    context.update(
        form=form,
        tokens=api_tokens_visible_to(user, manager=manager),
        api_root=request.build_absolute_uri("/api/v1/"),
    )
    response = render(request, "accounts/api_access.html", context, status=status)
    # The page may show a token's secret once: never keep it in any cache.
    response["Cache-Control"] = "no-store"
    return response
