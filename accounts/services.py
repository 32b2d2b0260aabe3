"""Writes to accounts: users, their roles and organisations."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Organisation, User
from accounts.roles import ADMIN, ANALYST, CURATOR, PARTNER, ROLES

# Roles that work in the Django admin (curators curate there; analysts may read and edit).
_STAFF_ROLES = {ANALYST, CURATOR, ADMIN}


@transaction.atomic
def organisation_create(
    *, name: str, is_partner: bool = True, contact_email: str = ""
) -> Organisation:
    organisation = Organisation(
        name=name.strip(),
        slug=slugify(name)[:200],
        is_partner=is_partner,
        contact_email=contact_email,
    )
    organisation.full_clean()
    organisation.save()
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


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str]) -> User:
    """Give `user` exactly these roles; staff access follows from them."""
    validate_roles(roles=roles, organisation=user.organisation)
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = bool(_STAFF_ROLES & set(roles)) or user.is_superuser
    user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    roles: list[str],
    full_name: str = "",
    organisation: Organisation | None = None,
    is_superuser: bool = False,
) -> User:
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise ValidationError({"email": "A user with this email address already exists."})
    manager = User.objects.create_superuser if is_superuser else User.objects.create_user
    user = manager(
        email=email.strip(), password=password, full_name=full_name, organisation=organisation
    )
    return user_set_roles(user=user, roles=roles)


@transaction.atomic
def user_update(*, user: User, data: dict, roles: list[str] | None = None) -> User:
    """Change a user's profile fields (not the password) and, if given, their roles."""
    allowed = {"email", "full_name", "organisation", "is_active", "is_superuser"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    if roles is not None:
        user_set_roles(user=user, roles=roles)
    return user
