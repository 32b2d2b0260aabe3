"""Roles are Django groups whose permissions are declared here, once.

post_migrate keeps the groups in step with this table, so a fresh database and an
upgraded one end with the same permissions.
"""

from django.contrib.auth.models import Group, Permission

ANALYST = "analyst"
CURATOR = "curator"
ADMIN = "admin"
PARTNER = "partner"
ROLES = (ANALYST, CURATOR, ADMIN, PARTNER)

_RECORD_MODELS = ("agreement", "deal", "challenge", "recommendation")
_EDITABLE_MODELS = (*_RECORD_MODELS, "source", "excerpt", "actor", "topic", "tag", "recordevidence")


def _crud(models: tuple[str, ...], actions=("view", "add", "change")) -> set[str]:
    return {f"cooperation.{action}_{model}" for model in models for action in actions}


_ANALYST_PERMS = (
    _crud(_EDITABLE_MODELS)
    | _crud(("annotation",), ("view", "add", "change"))
    | _crud(
        ("recommendationstatuschange", "recommendationresponse", "statusproposal", "claim"),
        ("view",),
    )
    | {
        "cooperation.add_statusproposal",
        "cooperation.add_recommendationresponse",
    }
)
_CURATOR_PERMS = _ANALYST_PERMS | {
    "cooperation.publish_record",
    "cooperation.publish_source",
    "cooperation.merge_record",
    "cooperation.restore_record",
    "cooperation.transition_recommendation",
    "cooperation.decide_statusproposal",
    "cooperation.moderate_annotation",
    "cooperation.delete_agreement",
    "cooperation.delete_deal",
    "cooperation.delete_challenge",
    "cooperation.delete_recommendation",
    "cooperation.delete_excerpt",
    "cooperation.delete_recordevidence",
    "cooperation.delete_tag",
}
_ADMIN_PERMS = _CURATOR_PERMS | {
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_organisation",
    "accounts.add_organisation",
    "accounts.change_organisation",
    # API tokens: made and revoked in the admin (the plaintext is shown once).
    "accounts.view_apitoken",
    "accounts.add_apitoken",
    "accounts.change_apitoken",
    # Saved views: the admin's read-only list of everyone's (the workspace shows each
    # person theirs and the team's shared ones).
    "cooperation.view_savedview",
}
# Partners have no model permissions: what they may read is decided by visibility
# (published records, partner-visible annotations), not by the permission table.
_PARTNER_PERMS: set[str] = set()

ROLE_PERMISSIONS: dict[str, set[str]] = {
    ANALYST: _ANALYST_PERMS,
    CURATOR: _CURATOR_PERMS,
    ADMIN: _ADMIN_PERMS,
    PARTNER: _PARTNER_PERMS,
}


def _permission_objects(codes: set[str]) -> list[Permission]:
    wanted = {tuple(code.split(".", 1)) for code in codes}
    found = [
        perm
        for perm in Permission.objects.select_related("content_type")
        if (perm.content_type.app_label, perm.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        names = ", ".join(sorted(".".join(m) for m in missing))
        raise LookupError(f"Role table names permissions that do not exist: {names}")
    return found


def sync_role_groups(sender=None, **kwargs) -> None:
    # Run once, after the last app that defines role permissions has migrated.
    if sender is not None and sender.name != "cooperation":
        return
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permission_objects(codes))


def _groups(user):
    """The user's groups: the prefetched ones when there are (every API request and page
    prefetches them once), without building a related manager for each role question."""
    prefetched = getattr(user, "_prefetched_objects_cache", None)
    groups = prefetched.get("groups") if prefetched else None
    if groups is not None and groups._result_cache is not None:
        return groups._result_cache
    return user.groups.all()


def remember_groups(user, groups: list) -> None:
    """Fill `user.groups`' prefetch cache with `groups` (as prefetch_related would), so
    neither the role questions nor Django's own code asks the database again."""
    queryset = user.groups.all()
    queryset._result_cache = list(groups)
    queryset._prefetch_done = True
    user._prefetched_objects_cache = {
        **getattr(user, "_prefetched_objects_cache", {}),
        "groups": queryset,
    }


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    names = {group.name for group in _groups(user)}
    if user.is_superuser:
        names.add(ADMIN)
    return names & set(ROLES)


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


INTERNAL_ROLES = (ANALYST, CURATOR, ADMIN)


def is_internal(user) -> bool:
    """Analysts, curators and admins read internal records; partners only published ones."""
    return has_role(user, *INTERNAL_ROLES)
