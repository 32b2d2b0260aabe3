"""Writes to accounts: users, their roles and organisations.

Each action writes one history row holding the user's fields and role groups,
so who granted a role, and when, is on record. API tokens are made and revoked here too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import CharField, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import ApiToken, Organisation, User
from accounts.roles import INTERNAL_ROLES, PARTNER, ROLES, remember_groups
from cooperation.changes import serialise_writes
from cooperation.history import CHANGED, CREATED, history_paused, write_history
from portal import statements

# Roles that work in the Django admin (curators curate there; analysts may read and edit).
_PROFILE_FIELDS = {
    "email",
    "full_name",
    "organisation",
    "is_active",
    "is_superuser",
    "is_org_admin",
}


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
    serialise_writes()  # before the row's lock, as _save
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
    user.is_staff = bool(set(INTERNAL_ROLES) & set(roles)) or user.is_superuser


def _save(user: User, *, roles: list[str] | None, kind: str, actor, reason: str) -> User:
    # Before the row is written (and locked): a renamed user logs what shows their name in
    # the change feed, whose lock comes first (cooperation/changes.py on the order).
    serialise_writes()
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
def user_set_password(*, user: User, password: str | None, actor=None, reason: str = "") -> User:
    """Give `user` a new password, checked against the password validators.

    None leaves the account without a usable password (an admin's "Disabled"). The
    history row leaves the password hash out (User.history excludes it) but records that
    a change happened, who made it, and how (changed, reset, set by an admin). Any other
    session of the user ends: Django checks each session's copy of the password hash.
    """
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)
    with history_paused(user):
        user.save(update_fields=["password"])
    write_history(user, kind=CHANGED, user=actor, reason=reason or "Password changed")
    return user


# ---- API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "ctr_"
MAX_TOKEN_DAYS = 3650


def _token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def split_token(plaintext: str) -> tuple[str, str] | None:
    """(prefix, plaintext) of a well-formed token, or None: a cheap check before any query."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    prefix, sep, secret = plaintext[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not prefix or len(secret) < 20:
        return None
    return prefix, plaintext


def api_token_find(plaintext: str):
    """The ApiToken this plaintext proves, or None (unknown, malformed, or wrong secret)."""
    parts = split_token(plaintext or "")
    if parts is None:
        return None
    # Compiled once per database (portal/statements.py): every API request asks this.
    statement = statements.frozen(
        ("api_token_find", router.db_for_read(ApiToken)),
        lambda: _tokens_by_prefix(_PREFIX_PLACEHOLDER),
        {"prefix": _PREFIX_PLACEHOLDER},
    )
    if statement is None:  # not kept (tests that turn the cache off)
        found = list(_tokens_by_prefix(parts[0]))
    else:
        found = statement.rows(prefix=parts[0])
    token = found[0] if found else None
    if token is None or not hmac.compare_digest(token.key_hash, _token_hash(plaintext)):
        return None
    _remember_groups(token.user, token.role_groups)
    return token


_PREFIX_PLACEHOLDER = "contours-statement-placeholder:prefix"


def _tokens_by_prefix(prefix: str):
    """The token a prefix names (unique), its user and the user's roles: one statement."""
    tokens = (
        ApiToken.objects.select_related("user")
        .annotate(role_groups=_role_groups_of("user_id"))
        .filter(prefix=prefix)
    )
    return tokens[:1]


def _role_groups_of(user_column: str):
    """The user's groups as "id:name,…", a subquery of the statement that finds the token:
    every API request then knows its caller's roles from that one statement."""
    links = User.groups.through.objects.filter(user_id=OuterRef(user_column))
    return Subquery(
        links.values("user_id")
        .annotate(
            pairs=StringAgg(
                Concat(Cast("group_id", CharField()), Value(":"), "group__name"),
                delimiter=Value(","),
            )
        )
        .values("pairs")[:1]
    )


def _remember_groups(user: User, pairs: str | None) -> None:
    """`remember_groups` from "id:name,…", the subquery `_role_groups_of` reads."""
    groups = []
    for pair in filter(None, (pairs or "").split(",")):
        pk, _, name = pair.partition(":")
        groups.append(Group(pk=int(pk), name=name))
    remember_groups(user, groups)


def validate_api_token(*, user: User | None, name: str, expires_days: int | None) -> str:
    """The rules a new token follows (forms call this too); returns the cleaned name."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the token a name (what it is for)."
    elif len(name) > 100:
        errors["name"] = "Keep the name under 100 characters."
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        errors["expires_days"] = f"Expiry must be between 1 and {MAX_TOKEN_DAYS} days."
    from cooperation.permissions import token_holder_problem

    if problem := token_holder_problem(user):
        errors["user"] = problem
    if errors:
        raise ValidationError(errors)
    return name


def is_organisation_admin(user) -> bool:
    """An active partner flagged as their organisation's admin (they manage its tokens)."""
    from cooperation.permissions import can

    organisation = getattr(user, "organisation", None)
    return can(user, "manage_tokens", organisation, kind="organisation")


def may_manage_tokens_of(actor, owner: User, action: str) -> bool:
    """Admins manage every token; an organisation admin, the tokens of its own partners
    (the rule is cooperation/permissions.py's `token` rows; `action` is issue or revoke)."""
    from cooperation.permissions import can

    if actor is None:  # the system: create_api_token on the server's shell
        return True
    return can(actor, action, owner, kind="token")


def _ensure_may_manage_tokens(actor, action: str, owner: User) -> None:
    # Whichever way a person reaches this service (admin, API access page), the same rule.
    if not may_manage_tokens_of(actor, owner, action):
        raise PermissionDenied(
            "Only an admin, or your organisation's admin for its own members, may issue or "
            "revoke API tokens."
        )


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    can_write: bool = False,
    expires_days: int | None = None,
    actor=None,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its plaintext, which is never available again."""
    _ensure_may_manage_tokens(actor, "issue", user)
    name = validate_api_token(user=user, name=name, expires_days=expires_days)
    prefix = secrets.token_hex(5)
    plaintext = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=_token_hash(plaintext),
        can_write=can_write,
        expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
    )
    token.full_clean()
    with history_paused(token):
        token.save()
    write_history(token, kind=CREATED, user=actor, reason="Created")
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    """Revoke one token from now on; revoking twice changes nothing."""
    _ensure_may_manage_tokens(actor, "revoke", token.user)
    current = ApiToken.objects.select_for_update().get(pk=token.pk)
    if current.revoked_at is not None:
        return current
    current.revoked_at = timezone.now()
    with history_paused(current):
        current.save(update_fields=["revoked_at"])
    write_history(current, kind=CHANGED, user=actor, reason="Revoked")
    token.revoked_at = current.revoked_at
    return current


def api_token_touch(token: ApiToken, *, every_seconds: int = 60) -> None:
    """Note that the token was used, at most once a minute: one conditional UPDATE, no history."""
    now = timezone.now()
    if (
        token.last_used_at is not None
        and (now - token.last_used_at).total_seconds() < every_seconds
    ):
        return
    stale = Q(last_used_at__isnull=True) | Q(
        last_used_at__lt=now - timedelta(seconds=every_seconds)
    )
    ApiToken.objects.filter(Q(pk=token.pk) & stale).update(last_used_at=now)
    token.last_used_at = now
