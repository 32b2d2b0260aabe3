"""Who may do what, written once: one table and one function, `can(user, action, obj)`.

Modelled on Hypothesis's `h/security/permission_map.py`: each (kind, action) maps
to a list of clauses; a clause is a tuple of predicates that must all hold; the
action is allowed when any clause holds. Predicates look at the user's role (the
permissions accounts/roles.py gives it), their organisation, authorship, a note's
visibility and audience and the credential's scope: a read-only token — and a
partner's password session, which counts as one — never writes
(docs/partner-guide.md). `WHEN` adds what the object's state must be (live, in the
trash, published or not) for the action to be offered.

Kinds: annotation, record (agreements, deals, challenges, recommendations), source,
item (other tracked rows and workflow rows), account, token, organisation.

Services, views, templates (templatetags/permissions.py), the admin and the API ask
this module; the read querysets in `cooperation.selectors` state the "read" rules as
SQL, and tests/cooperation/test_permissions.py walks role × object × state × action
tables through both and through the API and pages, failing on any disagreement.
Adding a role or a state is a row here and in those tables (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects

from accounts.roles import PARTNER, ROLE_PERMISSIONS, has_role, is_internal, roles_of
from cooperation.choices import AnnotationVisibility, Visibility


@dataclass(frozen=True)
class Context:
    """What a predicate may look at besides the user and the object."""

    user: Any
    obj: Any
    token: Any = None  # accounts.ApiToken, or None for a session (or server code)


# -- predicates --------------------------------------------------------------------------------


def authenticated(c: Context) -> bool:
    return bool(getattr(c.user, "is_authenticated", False)) and c.user.is_active


def internal(c: Context) -> bool:
    return authenticated(c) and is_internal(c.user)


def partner(c: Context) -> bool:
    return authenticated(c) and has_role(c.user, PARTNER)


def writes(c: Context) -> bool:
    """The credential may write: staff with a session or a write token; partners only with a
    write-enabled token (their password session reads like a read-only token)."""
    if c.token is not None:
        return bool(c.token.can_write)
    return internal(c)


def live(c: Context) -> bool:
    return c.obj.deleted_at is None


def thread_start(c: Context) -> bool:
    return c.obj.parent_id is None


def author(c: Context) -> bool:
    return c.obj.author_id == c.user.pk


def not_private(c: Context) -> bool:
    return c.obj.visibility != AnnotationVisibility.PRIVATE


def for_partners(c: Context) -> bool:
    return c.obj.visibility == AnnotationVisibility.PARTNERS


def in_partner_audience(c: Context) -> bool:
    """As selectors.partner_note_audience: the reader's organisation's own notes, notes shared
    with it, and staff notes shared with no organisation in particular."""
    note, organisation = c.obj, c.user.organisation_id
    shared = {o.pk for o in note.shared_with.all()}  # prefetched by lists
    if note.organisation_id is None and not shared:
        return True
    return organisation is not None and (
        note.organisation_id == organisation or organisation in shared
    )


def holds(user, code: str) -> bool:
    """`user.has_perm(code)` read from the role table, with no query.

    The role groups' permissions are the table in accounts/roles.py (synced after every
    migrate), and a request's user arrives with its groups prefetched; Django's has_perm
    would load both permission sets again (two queries on every API list page, for
    `actions`). Roles are the only way this project grants permissions.
    """
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    codes = getattr(user, "_contours_role_permissions", None)
    if codes is None:
        codes = set().union(*(ROLE_PERMISSIONS.get(g.name, set()) for g in user.groups.all()))
        user._contours_role_permissions = codes
    return code in codes


def perm(code: str):
    def predicate(c: Context) -> bool:
        return holds(c.user, code)

    predicate.__name__ = f"perm({code})"
    return predicate


def allowed(kind: str, action: str):
    """Predicate: `action` on the same object is allowed (a rule built on another rule)."""

    def predicate(c: Context) -> bool:
        return _check(kind, action, c)

    predicate.__name__ = f"allowed({kind}:{action})"
    return predicate


def model_perm(action: str):
    """Predicate: the user holds `<app>.<action>_<the object's model>`."""

    def predicate(c: Context) -> bool:
        meta = c.obj._meta
        return holds(c.user, f"{meta.app_label}.{action}_{meta.model_name}")

    predicate.__name__ = f"model_perm({action})"
    return predicate


def published(c: Context) -> bool:
    return c.obj.visibility == Visibility.PUBLISHED


def trashed(c: Context) -> bool:
    return c.obj.deleted_at is not None


def publisher(c: Context) -> bool:
    """The user holds the object's own publishing permission (records' or sources')."""
    return holds(c.user, c.obj.publish_permission)


def organisation_admin(c: Context) -> bool:
    """A partner and nothing else, flagged as their organisation's admin (User.is_org_admin)."""
    return (
        authenticated(c)
        and bool(c.user.is_org_admin)
        and c.user.organisation_id is not None
        and roles_of(c.user) == {PARTNER}
    )


def own_organisations_partner(c: Context) -> bool:
    """The object (a user) is a partner, and nothing else, of the caller's organisation."""
    return (
        c.obj.organisation_id is not None
        and c.obj.organisation_id == c.user.organisation_id
        and roles_of(c.obj) == {PARTNER}
    )


def own_organisation(c: Context) -> bool:
    return c.obj is not None and c.obj.pk == c.user.organisation_id


def recommendation(c: Context) -> bool:
    return c.obj._meta.model_name == "recommendation"


def has_a_role(c: Context) -> bool:
    return authenticated(c) and bool(roles_of(c.user))


def outside_staff(c: Context) -> bool:
    """Holds no staff role (a partner who is also an analyst counts as staff)."""
    return not is_internal(c.user)


# -- the table ---------------------------------------------------------------------------------

READ_NOTE = allowed("annotation", "read")

PERMISSIONS: dict[tuple[str, str], list[tuple]] = {
    ("annotation", "read"): [
        (internal, not_private),
        (internal, author),
        (partner, for_partners, in_partner_audience),
    ],
    ("annotation", "reply"): [
        (internal, writes, live, READ_NOTE, perm("cooperation.add_annotation")),
        (partner, writes, live, READ_NOTE),
    ],
    ("annotation", "edit"): [
        (internal, writes, live, author, perm("cooperation.change_annotation")),
    ],
    ("annotation", "delete"): [
        (internal, writes, live, author),
        (internal, writes, live, READ_NOTE, perm("cooperation.moderate_annotation")),
    ],
    # Back from the trash: whoever could delete it.
    ("annotation", "untrash"): [
        (internal, writes, trashed, author),
        (internal, writes, trashed, READ_NOTE, perm("cooperation.moderate_annotation")),
    ],
    ("annotation", "resolve"): [
        (internal, writes, live, thread_start, author),
        (internal, writes, live, thread_start, READ_NOTE, perm("cooperation.moderate_annotation")),
    ],
    # Putting tags on a note or taking them off: its author, or a moderator who reads it.
    # Partners never tag (tags are the team's way of gathering work).
    ("annotation", "tag"): [
        (internal, writes, live, author, perm("cooperation.change_annotation")),
        (internal, writes, live, READ_NOTE, perm("cooperation.moderate_annotation")),
    ],
    ("annotation", "share"): [
        (
            internal,
            writes,
            live,
            thread_start,
            for_partners,
            perm("cooperation.moderate_annotation"),
        ),
    ],
    # Starting a thread (obj: the record or excerpt, which the caller has already found
    # readable): staff with the permission; partners with a write-enabled token.
    ("annotation", "create"): [
        (internal, writes, perm("cooperation.add_annotation")),
        (partner, writes, lambda c: c.user.organisation_id is not None),
    ],
}

# Records (agreements, deals, challenges, recommendations), sources and the other tracked
# objects (excerpts, evidence links, actors, topics). Only staff hold these permissions; a
# write needs a credential that writes. The object's state (in the trash, published) is
# in WHEN below.
STAFF_WRITE = (internal, writes)
_TRACKED: dict[str, list[tuple]] = {
    # Open the admin's pages for this kind (which rows it lists comes from the selectors).
    "browse": [(internal, model_perm("view"))],
    "create": [(*STAFF_WRITE, model_perm("add"))],
    "edit": [(*STAFF_WRITE, model_perm("change"))],
    "delete": [(*STAFF_WRITE, model_perm("delete"))],
    # Out of the trash again.
    "untrash": [(*STAFF_WRITE, model_perm("delete"))],
    # An earlier version's fields back, as a new version.
    "restore": [(*STAFF_WRITE, perm("cooperation.restore_record"), model_perm("change"))],
}
_PUBLISHED_KINDS = {
    "publish": [(*STAFF_WRITE, publisher)],
    "unpublish": [(*STAFF_WRITE, publisher)],
}
for _kind_name in ("record", "source", "item"):
    for _action, _clauses in _TRACKED.items():
        PERMISSIONS[(_kind_name, _action)] = _clauses
for _kind_name in ("record", "source"):
    for _action, _clauses in _PUBLISHED_KINDS.items():
        PERMISSIONS[(_kind_name, _action)] = _clauses
PERMISSIONS.update(
    {
        # Reading a record or a source: staff read every one; anyone else a published one
        # (selectors.records_visible_to / sources_visible_to say the same as querysets, and
        # test_permissions proves them equal). Only live ones: WHEN below.
        ("record", "read"): [(internal,), (allowed("portal", "read_published"), published)],
        ("source", "read"): [(internal,), (allowed("portal", "read_published"), published)],
        ("record", "merge"): [(*STAFF_WRITE, perm("cooperation.merge_record"))],
        # Putting tags on a record or taking them off (analysts and curators; partners never).
        # Making a new tag is ("item", "create") on Tag: `cooperation.add_tag`.
        ("record", "tag"): [(*STAFF_WRITE, model_perm("change"))],
        ("record", "link_evidence"): [(*STAFF_WRITE, perm("cooperation.add_recordevidence"))],
        ("record", "unlink_evidence"): [(*STAFF_WRITE, perm("cooperation.delete_recordevidence"))],
        ("record", "transition"): [
            (*STAFF_WRITE, recommendation, perm("cooperation.transition_recommendation"))
        ],
        ("record", "propose"): [
            (*STAFF_WRITE, recommendation, perm("cooperation.add_statusproposal"))
        ],
        ("record", "decide"): [
            (*STAFF_WRITE, recommendation, perm("cooperation.decide_statusproposal"))
        ],
        ("record", "respond"): [
            (*STAFF_WRITE, recommendation, perm("cooperation.add_recommendationresponse"))
        ],
        # Quoting a source: a new excerpt of it.
        ("source", "excerpt"): [(*STAFF_WRITE, perm("cooperation.add_excerpt"))],
        # Quoting it as a record's evidence, or with a note (the reader's two forms).
        ("source", "cite"): [
            (
                *STAFF_WRITE,
                perm("cooperation.add_excerpt"),
                perm("cooperation.add_recordevidence"),
            )
        ],
        ("source", "annotate"): [
            (*STAFF_WRITE, perm("cooperation.add_excerpt"), perm("cooperation.add_annotation"))
        ],
        # Reading a source's file into a new source (an import job, or its retry).
        ("source", "import"): [(*STAFF_WRITE, perm("cooperation.add_source"))],
    }
)

PERMISSIONS.update(
    {
        # The admin's list of notes (its rows: selectors.annotations_visible_to); moderating
        # (resolve, reopen, hide) is then asked of each note.
        ("annotation", "browse"): [(internal, model_perm("view"))],
        ("annotation", "moderate"): [(*STAFF_WRITE, perm("cooperation.moderate_annotation"))],
        # People, organisations and API tokens (the admin; obj the model or the row).
        ("account", "browse"): [(internal, model_perm("view"))],
        ("account", "create"): [(internal, model_perm("add"))],
        ("account", "edit"): [(internal, model_perm("change"))],
        # Issuing and revoking a token (obj: the user who will hold it): admins for anyone,
        # an organisation's admin for the partners of their own organisation.
        ("token", "issue"): [
            (authenticated, perm("accounts.add_apitoken")),
            (organisation_admin, own_organisations_partner),
        ],
        ("token", "revoke"): [
            (authenticated, perm("accounts.change_apitoken")),
            (organisation_admin, own_organisations_partner),
        ],
        # The API access page's token form (obj: the organisation).
        ("organisation", "manage_tokens"): [(organisation_admin, own_organisation)],
    }
)

# What a person may do in the portal as a whole (obj None; kind "portal"). Every "is this
# person staff?" question outside this module is one of these rows, named for what it
# opens, so a new role is placed here once rather than in each view, serializer and filter.
PERMISSIONS.update(
    {
        # See what only staff see: drafts and internal records, the team's notes, staff
        # identities (e-mail, user ids, `?owner=<id>`), internal fields, earlier versions.
        ("portal", "read_internal"): [(internal,)],
        # The analysts' workspace pages (a partner is sent to the API access page).
        ("portal", "workspace"): [(internal,)],
        ("portal", "partner_home"): [(partner, outside_staff)],
        # Be notified and be @mentioned (the bell, the digest, watching records).
        ("portal", "notifications"): [(internal,)],
        # Read what is published, on the pages and through the API: anyone with a role (the
        # selectors narrow what; staff read more, read_internal). Staff write with a credential
        # that writes (the services then ask each action's row); partners write only notes,
        # through ("annotation", "create").
        ("portal", "read_published"): [(has_a_role,)],
        ("portal", "api_write"): [(internal, writes)],
        # Hold an API token: someone with a role; a partner only as a member of an
        # organisation (their notes and tokens belong to it).
        ("portal", "hold_token"): [
            (internal,),
            (partner, lambda c: c.user.organisation_id is not None),
        ],
    }
)


# External identifiers (cooperation/services/identifiers.py). obj: the record or actor the
# identifier names; whoever may change it adds or removes its identifiers. Reading follows
# the record (selectors.identifiers_visible_to): an actor's identifiers are read by all.
PERMISSIONS.update(
    {
        ("identifier", "add"): [(*STAFF_WRITE, model_perm("change"))],
        ("identifier", "remove"): [(*STAFF_WRITE, model_perm("change"))],
    }
)


# Saved views (a person's named filters of a list). Only staff have a workspace, so only
# staff save views; the owner manages theirs; the team opens a shared one while its owner
# is still one of the team (a view shared by someone who since lost their role, or left,
# is no longer offered: nobody could rename or remove it any more). Opening a view runs
# the list with the visitor's own visibility: the view holds filters, not records.
def view_owner(c: Context) -> bool:
    return c.obj.owner_id == c.user.pk


def shared_view(c: Context) -> bool:
    return bool(c.obj.shared)


def owner_in_team(c: Context) -> bool:
    owner = c.obj.owner
    return owner.is_active and is_internal(owner)


PERMISSIONS.update(
    {
        ("savedview", "create"): [(internal, writes)],
        ("savedview", "open"): [(internal, view_owner), (internal, shared_view, owner_in_team)],
        ("savedview", "manage"): [(internal, writes, view_owner)],
        # The admin's read-only pages.
        ("savedview", "browse"): [(internal, model_perm("view"))],
    }
)

# When the object's state allows an action. `can` (and so `actions`) asks both tables;
# services ask only PERMISSIONS (`require`) and refuse a state in words of their own
# ("restore it first"), which tell a person what to do.
WHEN: dict[tuple[str, str], Any] = {}
for _kind_name in ("record", "source", "item"):
    WHEN.update(
        {
            (_kind_name, "edit"): live,
            (_kind_name, "delete"): live,
            (_kind_name, "untrash"): trashed,
            (_kind_name, "restore"): live,
            (_kind_name, "publish"): lambda c: live(c) and not published(c),
            (_kind_name, "unpublish"): lambda c: live(c) and published(c),
        }
    )
for _kind_name in ("record", "source"):
    WHEN[(_kind_name, "read")] = live
WHEN[("annotation", "tag")] = live
WHEN[("identifier", "add")] = live
WHEN[("identifier", "remove")] = live
for _action in (
    "merge",
    "tag",
    "link_evidence",
    "unlink_evidence",
    "transition",
    "propose",
    "decide",
    "respond",
):
    WHEN[("record", _action)] = live
for _action in ("excerpt", "cite", "annotate"):
    WHEN[("source", _action)] = live
for _action in ("open", "manage"):
    WHEN[("savedview", _action)] = lambda c: c.obj.deleted_at is None

RECORD_KINDS = ("agreement", "deal", "challenge", "recommendation")
RECORD_ACTIONS = (
    "edit",
    "delete",
    "publish",
    "unpublish",
    "restore",
    "link_evidence",
    "unlink_evidence",
)

# The actions a note's readers are told about (`actions` in the API and the pages).
NOTE_ACTIONS = ("reply", "edit", "delete", "resolve", "share")
# A source's: quote it (a new excerpt; as a record's evidence; with a note), change its
# details, trash it, publish or unpublish it.
SOURCE_ACTIONS = ("excerpt", "cite", "annotate", "edit", "delete", "publish", "unpublish")


def kind_of(obj) -> str:
    """The table's name for `obj` (an instance or a model class)."""
    name = obj._meta.model_name
    if name in RECORD_KINDS:
        return "record"
    if obj._meta.app_label == "accounts":
        return "account"
    if name == "savedview":
        return name
    return name if name in ("annotation", "source") else "item"


def _check(kind: str, action: str, c: Context) -> bool:
    clauses = PERMISSIONS.get((kind, action))
    if clauses is None:
        raise KeyError(f"No rule for {kind}:{action}; add one to PERMISSIONS.")
    return any(all(predicate(c) for predicate in clause) for clause in clauses)


def _prefetch_groups(user) -> None:
    if getattr(user, "is_authenticated", False) and "groups" not in getattr(
        user, "_prefetched_objects_cache", {}
    ):
        # Every role question then reads this one query (a page asks per note); changing
        # the user's groups drops it (Django's m2m managers clear what they change).
        prefetch_related_objects([user], "groups")


def can(user, action: str, obj, *, token=None, kind: str | None = None) -> bool:
    """Whether `user` (with `token`, if the request came with one) may do `action` to `obj`."""
    if user is None:
        return False
    _prefetch_groups(user)
    kind = kind or kind_of(obj)
    c = Context(user=user, obj=obj, token=token)
    when = WHEN.get((kind, action))
    return _check(kind, action, c) and (when is None or when(c))


def may(user, action: str, obj, *, token=None, kind: str | None = None) -> bool:
    """Whether the user's role and credential allow `action` on objects like `obj`, whatever
    its state now (WHEN): what a service checks before it reads the row under a lock."""
    if user is None:
        return False
    _prefetch_groups(user)
    return _check(kind or kind_of(obj), action, Context(user=user, obj=obj, token=token))


def require(
    user, action: str, obj, *, token=None, kind: str | None = None, message: str | None = None
) -> None:
    """`may`, or PermissionDenied. `user=None` is the system (management commands).

    Services call this; a refusal the object's state causes (the trash, say) is theirs to
    explain, as a ValidationError that says what to do.
    """
    if user is None:
        return
    if not may(user, action, obj, token=token, kind=kind):
        raise PermissionDenied(message or f"You may not {action} this.")


def portal(user, action: str, *, token=None) -> bool:
    """`can` for the rows about the portal as a whole (kind "portal", no object)."""
    return can(user, action, None, token=token, kind="portal")


def sees_internal(user) -> bool:
    """The caller sees what staff see (drafts, internal records, staff identities)."""
    return portal(user, "read_internal")


def token_holder_problem(user) -> str | None:
    """Why `user` may not hold an API token, in words an administrator can act on, or None."""
    if user is None:
        return "Choose a user."
    if not user.is_active:
        return "This user is inactive."
    if portal(user, "hold_token"):
        return None
    if not portal(user, "read_published"):
        return "This user has no role; give them one before making a token."
    return "A partner user must belong to an organisation."


def note_actions(user, note, *, token=None) -> list[str]:
    """What `user` may do to `note`, for clients and pages to offer only what works."""
    return [action for action in NOTE_ACTIONS if can(user, action, note, token=token)]


def source_actions(user, source, *, token=None) -> list[str]:
    """What `user` may do to `source`, for clients and pages to offer only what works."""
    return [action for action in SOURCE_ACTIONS if can(user, action, source, token=token)]


def _staff_only(kind: str, actions) -> bool:
    """Whether every clause that allows any of `actions` on `kind` asks for an internal role."""
    return all(internal in clause for action in actions for clause in PERMISSIONS[(kind, action)])


# Read off the table, not assumed: while every record action needs an internal role, a
# reader without one (a partner) may do none, and a page of records need not ask per row.
_RECORD_ACTIONS_STAFF_ONLY = _staff_only("record", (*RECORD_ACTIONS, "transition", "propose"))


def no_record_actions(user) -> bool:
    """Whether record_actions gives `user` no action on any record: a reader without an
    internal role, while every record action asks for one. A page of records then asks
    once rather than per row."""
    if not _RECORD_ACTIONS_STAFF_ONLY or user is None:
        return False
    _prefetch_groups(user)
    return not internal(Context(user=user, obj=None))


def record_actions(user, record, *, token=None) -> list[str]:
    """What `user` may do to `record`: edit, delete, publish or unpublish, and for a
    recommendation each status it may move to now (`transition:<status>`)."""
    if _RECORD_ACTIONS_STAFF_ONLY and user is not None:
        _prefetch_groups(user)
        if not internal(Context(user=user, obj=record, token=token)):
            return []
    actions = [action for action in RECORD_ACTIONS if can(user, action, record, token=token)]
    way, targets = status_moves(user, record, token=token)
    if way == "transition":
        actions += [f"transition:{status}" for status in targets]
    return actions


def status_moves(user, record, *, token=None) -> tuple[str, list[str]]:
    """How `user` may move a recommendation's status now, and to which statuses: a curator
    moves it ("transition"), an analyst proposes ("propose"), anyone else neither ("", []).

    The statuses are those RECOMMENDATION_TRANSITIONS allows from the current one; the
    board offers exactly these as drop targets (the services check again on the write).
    """
    from cooperation.choices import allowed_transitions

    if record._meta.model_name != "recommendation":
        return "", []
    for way in ("transition", "propose"):
        if can(user, way, record, token=token):
            targets = allowed_transitions(record.status)
            return (way, targets) if targets else ("", [])
    return "", []


def actions_for(user, obj, *, token=None) -> list[str]:
    """`actions` for any object the API and the pages show: a record, a source or a note."""
    kind = kind_of(obj)
    if kind == "record":
        return record_actions(user, obj, token=token)
    if kind == "source":
        return source_actions(user, obj, token=token)
    if kind == "annotation":
        return note_actions(user, obj, token=token)
    raise KeyError(f"No actions are listed for {obj._meta.model_name}.")


@dataclass(frozen=True)
class NoteAudience:
    """Who reads the notes a user writes: the data that tells a partner's note from staff's.

    `visibilities` are those the user may give a note, `default` the one a new note takes
    when none is asked for; `organisation_id`, when set, is the partner organisation whose
    thread the note belongs to (a reply too: a partner's reply stays their organisation's
    until a curator shares it); None means a staff note, whose replies join their thread's
    audience.
    """

    visibilities: tuple[str, ...]
    default: str
    organisation_id: int | None


def note_audience(user) -> NoteAudience:
    """The audience of `user`'s notes (the notes service asks; it never asks for a role)."""
    if user is not None and portal(user, "partner_home"):
        partners = AnnotationVisibility.PARTNERS
        return NoteAudience((partners,), partners, user.organisation_id)
    return NoteAudience(tuple(AnnotationVisibility.values), AnnotationVisibility.TEAM, None)


def visibility_action(old: str | None, new: str | None) -> str:
    """The table's action that moving a record's or source's visibility from `old` to `new`
    is: "publish" into published, "unpublish" out of it, else a plain "edit"."""
    published_value = Visibility.PUBLISHED
    if new == published_value and old != new:
        return "publish"
    if old == published_value and new is not None and new != old:
        return "unpublish"
    return "edit"


def visibility_choices(user, obj) -> list[tuple[str, str]]:
    """The visibilities `user` may give `obj` (a record or source; its model for a new one):
    its current one, and each the table lets them move it to."""
    current = None if isinstance(obj, type) else obj.visibility
    return [
        (value, label)
        for value, label in Visibility.choices
        if value == current or may(user, visibility_action(current, value), obj)
    ]
