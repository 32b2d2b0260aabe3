"""Writes to accounts: users, their roles and organisations.

Each action writes one history row holding the user's fields and role groups,
so who granted a role, and when, is on record.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Organisation, User
from accounts.roles import ADMIN, ANALYST, CURATOR, PARTNER, ROLES
from cooperation.history import CHANGED, CREATED, history_paused, write_history

# Roles that work in the Django admin (curators curate there; analysts may read and edit).
_STAFF_ROLES = {ANALYST, CURATOR, ADMIN}
_PROFILE_FIELDS = {"email", "full_name", "organisation", "is_active", "is_superuser"}


@transaction.atomic
def organisation_create(
    *,
    name: str,
    is_partner: bool = True,
    contact_email: str = "",
    notes: str = "",
    slug: str = "",
    actor=None,
) -> Organisation:
    organisation = Organisation(
        name=name.strip(),
        slug=slug or slugify(name)[:200],
        is_partner=is_partner,
        contact_email=contact_email,
        notes=notes,
    )
    organisation.full_clean()
    with history_paused(organisation):
        organisation.save()
    write_history(organisation, kind=CREATED, user=actor, reason="Created")
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, data: dict, actor=None) -> Organisation:
    allowed = {"name", "slug", "is_partner", "contact_email", "notes"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    with history_paused(organisation):
        organisation.save()
    write_history(organisation, kind=CHANGED, user=actor, reason="Changed")
    return organisation


def validate_roles(*, roles: list[str], organisation: Organisation | None) -> None:
    """The rules a set of roles must follow; forms call this too, to show a field error."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValidationError({"roles": f"Unknown role(s): {', '.join(sorted(unknown))}."})
    if PARTNER in roles and len(set(roles)) > 1:
        raise ValidationError({"roles": "A partner account cannot also hold an internal role."})
    if PARTNER in roles and organisation is None:
        raise ValidationError({"organisation": "A partner user must belong to an organisation."})


def _apply_roles(user: User, roles: list[str]) -> None:
    validate_roles(roles=roles, organisation=user.organisation)
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = bool(_STAFF_ROLES & set(roles)) or user.is_superuser


def _save(user: User, *, roles: list[str] | None, kind: str, actor, reason: str) -> User:
    user.full_clean(exclude=["password"])
    if roles is None and user.pk:
        # A change of organisation must still fit the roles the user already holds.
        current = list(user.groups.values_list("name", flat=True))
        validate_roles(roles=[r for r in current if r in ROLES], organisation=user.organisation)
    with history_paused(user):
        user.save()
        if roles is not None:
            _apply_roles(user, roles)
            user.save(update_fields=["is_staff"])
    write_history(user, kind=kind, user=actor, reason=reason)
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str], actor=None) -> User:
    """Give `user` exactly these roles; staff access follows from them."""
    return _save(user, roles=roles, kind=CHANGED, actor=actor, reason="Roles: " + ", ".join(roles))


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    roles: list[str],
    full_name: str = "",
    organisation: Organisation | None = None,
    is_superuser: bool = False,
    actor=None,
) -> User:
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise ValidationError({"email": "A user with this email address already exists."})
    if is_superuser and actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only a superuser can create a superuser.")
    user = User(
        email=User.objects.normalize_email(email.strip()).lower(),
        full_name=full_name,
        organisation=organisation,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)  # None leaves an unusable password
    return _save(user, roles=roles, kind=CREATED, actor=actor, reason="Created")


@transaction.atomic
def user_update(*, user: User, data: dict, roles: list[str] | None = None, actor=None) -> User:
    """Change a user's profile fields (not the password) and, if given, their roles."""
    unknown = set(data) - _PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    if "is_superuser" in data and actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only a superuser can grant or remove superuser status.")
    for name, value in data.items():
        setattr(user, name, value)
    return _save(user, roles=roles, kind=CHANGED, actor=actor, reason="Changed")


@transaction.atomic
def user_set_password(*, user: User, password: str, actor=None, reason: str = "") -> User:
    """Give `user` a new password, checked against the password validators.

    The history row leaves the password hash out (User.history excludes it) but
    records that a change happened, who made it, and how (changed or reset).
    """
    password_validation.validate_password(password, user)
    user.set_password(password)
    with history_paused(user):
        user.save(update_fields=["password"])
    write_history(user, kind=CHANGED, user=actor, reason=reason or "Password changed")
    return user
