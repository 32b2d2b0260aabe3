"""The role × note × state × action table, walked through `can()`, the read querysets, the
API (status and `actions`) and the web pages; they must all agree with the table.

Adding a role or a state is a row here, not a new test file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.services import api_token_create
from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.models import Annotation
from cooperation.permissions import NOTE_ACTIONS, can
from cooperation.selectors import annotations_visible_to
from cooperation.services import annotation_create, annotation_delete, record_set_visibility
from tests.api.conftest import bearer, make_token
from tests.factories import (
    AdminFactory,
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    OrganisationFactory,
    PartnerFactory,
    UserFactory,
    partner_note_create,
)

# Notes: the author analyst's private, team and partners notes, and partner A's note.
# Cells: the actions allowed, as letters (R read, P reply, E edit, D delete, V resolve,
# S share; "-" none). Trashed notes are read, never acted on.
LETTERS = {"R": "read", "P": "reply", "E": "edit", "D": "delete", "V": "resolve", "S": "share"}
TABLE = """
role              | private | team  | staff_partners | partner_a
anonymous         | -       | -     | -              | -
partner_a         | -       | -     | R              | R
partner_a_writer  | -       | -     | RP             | RP
partner_b         | -       | -     | R              | -
author            | RPEDV   | RPEDV | RPEDV          | RP
other_analyst     | -       | RP    | RP             | RP
curator           | -       | RPDV  | RPDVS          | RPDVS
admin             | -       | RPDV  | RPDVS          | RPDVS
"""


def _parse(table: str) -> dict:
    lines = [line for line in table.strip().splitlines()]
    notes = [cell.strip() for cell in lines[0].split("|")[1:]]
    expected = {}
    for line in lines[1:]:
        role, *cells = (cell.strip() for cell in line.split("|"))
        for note, cell in zip(notes, cells, strict=True):
            allowed = set() if cell == "-" else {LETTERS[letter] for letter in cell}
            expected[(role, note, "live")] = allowed
            expected[(role, note, "trashed")] = allowed & {"read"}
    return expected


ROOT = Path(__file__).resolve().parents[2]
EXPECTED = _parse(TABLE)
ROLES = sorted({role for role, _, _ in EXPECTED})
NOTES = ("private", "team", "staff_partners", "partner_a")


@pytest.fixture
def scene(db):
    curator = CuratorFactory()
    org_a, org_b = OrganisationFactory(name="Org A"), OrganisationFactory(name="Org B")
    users = {
        "anonymous": None,
        "partner_a": PartnerFactory(organisation=org_a),
        "partner_b": PartnerFactory(organisation=org_b),
        "author": AnalystFactory(),
        "other_analyst": AnalystFactory(),
        "curator": curator,
        "admin": AdminFactory(),
    }
    users["partner_a_writer"] = PartnerFactory(organisation=org_a)
    tokens = {
        "partner_a_writer": api_token_create(
            user=users["partner_a_writer"], name="w", can_write=True
        )
    }
    record = record_set_visibility(
        record=AgreementFactory(), user=curator, visibility=Visibility.PUBLISHED
    )
    author = users["author"]
    notes = {}
    for state in ("live", "trashed"):
        made = {
            "private": annotation_create(
                author=author, body="p", record=record, visibility=AnnotationVisibility.PRIVATE
            ),
            "team": annotation_create(
                author=author, body="t", record=record, visibility=AnnotationVisibility.TEAM
            ),
            "staff_partners": annotation_create(
                author=author, body="s", record=record, visibility=AnnotationVisibility.PARTNERS
            ),
            "partner_a": partner_note_create(author=users["partner_a"], body="a", record=record),
        }
        for name, note in made.items():
            if state == "trashed":
                deleter = curator if name == "partner_a" else author
                note = annotation_delete(annotation=note, user=deleter)
            notes[(name, state)] = Annotation.all_objects.get(pk=note.pk)
    return users, tokens, notes


def _token(tokens, role):
    pair = tokens.get(role)
    return pair[0] if pair else None


def test_the_table_covers_every_role_note_state_and_action():
    assert {note for _, note, _ in EXPECTED} == set(NOTES)
    assert all(cell <= {"read", *NOTE_ACTIONS} for cell in EXPECTED.values())


def test_can_agrees_with_the_table(scene):
    users, tokens, notes = scene
    wrong = []
    for (role, name, state), allowed in EXPECTED.items():
        note = notes[(name, state)]
        got = {
            action
            for action in ("read", *NOTE_ACTIONS)
            if can(users[role], action, note, token=_token(tokens, role))
        }
        if got != allowed:
            wrong.append(f"{role} {name} {state}: table {sorted(allowed)}, can() {sorted(got)}")
    assert not wrong, "\n".join(wrong)


def test_the_read_queryset_agrees_with_the_table(scene):
    users, _, notes = scene
    wrong = []
    for role in ROLES:
        user = users[role]
        if user is None:
            continue
        visible = set(
            annotations_visible_to(user, Annotation.all_objects).values_list("pk", flat=True)
        )
        for (name, state), note in notes.items():
            if (note.pk in visible) != ("read" in EXPECTED[(role, name, state)]):
                wrong.append(f"{role} {name} {state}")
    assert not wrong, "\n".join(wrong)


def test_the_api_agrees_with_the_table(scene):
    users, tokens, notes = scene
    wrong = []
    for role in ROLES:
        user = users[role]
        client = Client()
        headers = {}
        if role in tokens:
            headers = bearer(tokens[role][1])
        elif user is not None:
            # Roles named partner_* without a token of their own read with a read-only token.
            headers = bearer(make_token(user, write=not role.startswith("partner")))
        for name in NOTES:
            note = notes[(name, "live")]
            allowed = EXPECTED[(role, name, "live")]
            response = client.get(f"/api/v1/annotations/{note.pk}/", **headers)
            if user is None:
                if response.status_code != 401:
                    wrong.append(f"{role} {name}: {response.status_code}")
                continue
            if ("read" in allowed) != (response.status_code == 200):
                wrong.append(f"{role} {name}: status {response.status_code}")
            elif response.status_code == 200:
                actions = set(response.json()["actions"])
                if actions != allowed - {"read"}:
                    wrong.append(f"{role} {name}: actions {sorted(actions)}")
    assert not wrong, "\n".join(wrong)


def test_the_web_pages_agree_with_the_table(scene):
    users, _, notes = scene
    wrong = []
    for role in ("author", "other_analyst", "curator", "admin"):
        client = Client()
        client.force_login(users[role])
        for name in NOTES:
            note = notes[(name, "live")]
            allowed = EXPECTED[(role, name, "live")]
            for action in ("edit", "delete"):
                status = client.get(f"/notes/{note.pk}/{action}/").status_code
                expected = 200 if action in allowed else (403 if "read" in allowed else 404)
                if status != expected:
                    wrong.append(f"{role} {name} {action}: {status}, table says {expected}")
    assert not wrong, "\n".join(wrong)


# Modules whose note rules now come from cooperation/permissions.py: none may restate one.
SCANNED = (
    "cooperation/services/annotations.py",
    "cooperation/views/annotations.py",
    "cooperation/templatetags/annotations.py",
)
RESTATED_RULE = re.compile(
    r"has_perm\(|\.author_id\s*[!=]=|is_internal\(|has_role\(|roles_of\(|"
    r"visibility\s*[!=]=\s*AnnotationVisibility\.PRIVATE"
)


def test_no_note_rule_is_written_outside_the_permission_module():
    found = []
    for path in SCANNED:
        for number, line in enumerate((ROOT / path).read_text().splitlines(), 1):
            if RESTATED_RULE.search(line):
                found.append(f"{path}:{number}: {line.strip()}")
    assert not found, "ask cooperation.permissions.can() instead:\n" + "\n".join(found)


# The whole project: no permission rule written outside the permission module and the read
# selectors (and accounts/roles.py, the role table itself). A permission check is a staff
# flag, a role compared, Django's has_perm, a template's `perms.`, or a visibility compared
# with one of its values.
RULE_HOMES = {
    "cooperation/permissions.py",
    "cooperation/selectors.py",
    "accounts/roles.py",
}
PROJECT_RULE = re.compile(
    r"is_staff|\brole\s*[!=]=|roles_of\([^)]*\)\s*[!=]=|has_perms?\(|has_module_perms|"
    r"[!=]=\s*(Annotation)?Visibility\.[A-Z]|(Annotation)?Visibility\.[A-Z]+\s*[!=]=|"
    r"visibility\s*[!=]=\s*[\"']|\bin \((Annotation)?Visibility\.|\bperms\.[a-z]|"
    # Asking for a role by name: the role table's helpers, a group lookup, a role tested
    # for membership. Outside the rule homes a question about a person is a "portal" row.
    r"\bis_internal\(|\bhas_role\(|\broles_of\(|groups__name|"
    r"\b(PARTNER|ANALYST|CURATOR|ADMIN|INTERNAL_ROLES)\s+(not\s+)?in\b"
)
# (path, text on the line) → why it is not a permission rule, or why it must stay.
ALLOWED = {
    ("accounts/services.py", "user.is_staff = "): "sets Django's admin-login flag from the roles",
    ("accounts/services.py", 'update_fields=["is_staff"]'): "saves that flag",
    ("accounts/services.py", "is_staff=is_superuser"): "a new superuser may log in to the admin",
    ("accounts/models.py", '"is_staff"'): "Django's createsuperuser contract",
    ("accounts/models.py", "must have is_staff=True"): "its error message",
    (
        "portal/database.py",
        'role == "web"',
    ): "a database budget's role (web, command), not a person's",
    ("templates/base.html", "user.is_staff"): (
        "the Admin link follows the admin site's own login gate (is_staff)"
    ),
    ("accounts/admin.py", "roles_of(user)"): "the admin's Roles column lists them; decides nothing",
    ("accounts/models.py", "roles_of(self)"): "User.roles, the property that reads them",
    ("accounts/services.py", "if PARTNER in roles and len"): (
        "which roles may be given together (a partner holds no other): the roles' data, not "
        "what the person may do"
    ),
    ("accounts/services.py", "if PARTNER in roles and organisation is None"): (
        "a partner is given an organisation with the role: the roles' data"
    ),
    ("accounts/management/commands/create_demo_users.py", "if PARTNER in roles else"): (
        "the demo partner's organisation, set when the demo accounts are made"
    ),
    ("cooperation/services/annotations.py", "!= AnnotationVisibility.PARTNERS"): (
        "explains why a note cannot be shared before the table's share row (which requires a "
        "partners note too) refuses it"
    ),
}


def _project_files():
    for folder, pattern in (
        ("accounts", "*.py"),
        ("cooperation", "*.py"),
        ("portal", "*.py"),
        ("templates", "*.html"),
    ):
        for path in sorted((ROOT / folder).rglob(pattern)):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and relative not in RULE_HOMES:
                yield relative, path


def test_no_permission_rule_is_written_outside_the_permission_module():
    found, used = [], set()
    for relative, path in _project_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not PROJECT_RULE.search(line):
                continue
            allowed = [key for key in ALLOWED if key[0] == relative and key[1] in line]
            if allowed:
                used.update(allowed)
                continue
            found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, (
        "ask cooperation.permissions (can, may, require; actions_of/may_do in templates), "
        "or allow the line in ALLOWED with a reason:\n" + "\n".join(found)
    )
    assert used == set(ALLOWED), f"allowed but no longer present: {set(ALLOWED) - used}"


def test_the_project_scan_finds_a_restated_rule(tmp_path):
    for line in (
        "if request.user.has_perm('cooperation.publish_record'):",
        "if record.visibility == Visibility.PUBLISHED:",
        "{% if perms.cooperation.add_source %}",
        "if user.is_staff:",
        "if note.visibility != AnnotationVisibility.PRIVATE:",
        "if not is_internal(request.user):",
        "if has_role(user, PARTNER):",
        "roles = roles_of(user)",
        "User.objects.filter(groups__name=PARTNER)",
        "elif PARTNER in roles:",
    ):
        assert PROJECT_RULE.search(line), line


# Records: role × state → actions (E edit, D delete, U publish, N unpublish, R restore an
# earlier version, L link evidence, K unlink evidence; "-" none). Trashed: nothing but
# what the trash page offers (not an action on the record's page).
RECORD_LETTERS = {
    "E": "edit",
    "D": "delete",
    "U": "publish",
    "N": "unpublish",
    "R": "restore",
    "L": "link_evidence",
    "K": "unlink_evidence",
}
RECORD_TABLE = """
role        | internal | published
partner     | -        | -
analyst     | EL       | EL
curator     | EDURLK   | EDNRLK
admin       | EDURLK   | EDNRLK
"""


def _parse_records(table: str) -> dict:
    lines = table.strip().splitlines()
    states = [cell.strip() for cell in lines[0].split("|")[1:]]
    expected = {}
    for line in lines[1:]:
        role, *cells = (cell.strip() for cell in line.split("|"))
        for state, cell in zip(states, cells, strict=True):
            expected[(role, state)] = [] if cell == "-" else [RECORD_LETTERS[x] for x in cell]
    return expected


def test_record_actions_agree_with_the_table_in_can_and_the_api(db):
    from django.contrib.auth.models import AnonymousUser

    from accounts.services import user_update
    from cooperation.permissions import no_record_actions, record_actions

    curator = CuratorFactory()
    users = {
        "partner": PartnerFactory(),
        "analyst": AnalystFactory(),
        "curator": curator,
        "admin": AdminFactory(),
    }
    records = {
        "internal": AgreementFactory(),
        "published": record_set_visibility(
            record=AgreementFactory(), user=curator, visibility=Visibility.PUBLISHED
        ),
    }
    wrong = []
    for (role, state), expected in _parse_records(RECORD_TABLE).items():
        record, user = records[state], users[role]
        if record_actions(user, record) != expected:
            wrong.append(f"can {role} {state}: {record_actions(user, record)}")
        # A page skips asking per row for a reader who may do nothing to any record.
        if no_record_actions(user) and expected:
            wrong.append(f"no_record_actions {role}, yet {state}: {expected}")
        response = Client().get(
            f"/api/v1/agreements/{record.pk}/", **bearer(make_token(user, write=True))
        )
        if response.status_code == 200 and response.json()["actions"] != expected:
            wrong.append(f"api {role} {state}: {response.json()['actions']}")
        listed = Client().get("/api/v1/agreements/", **bearer(make_token(user, write=True)))
        for row in listed.json()["results"]:
            if row["id"] == record.pk and row["actions"] != expected:
                wrong.append(f"api list {role} {state}: {row['actions']}")
        read_only = Client().get(
            f"/api/v1/agreements/{record.pk}/", **bearer(make_token(user, write=False))
        )
        if read_only.status_code == 200 and read_only.json()["actions"] != []:
            wrong.append(f"read-only token {role} {state}: {read_only.json()['actions']}")
    assert not wrong, "\n".join(wrong)
    assert no_record_actions(users["partner"]) and no_record_actions(AnonymousUser())
    gone = CuratorFactory()
    user_update(user=gone, data={"is_active": False})
    assert no_record_actions(gone) and record_actions(gone, records["internal"]) == []
    assert not no_record_actions(None)  # server code: asked per record
    assert not any(no_record_actions(users[role]) for role in ("analyst", "curator", "admin"))


def test_a_recommendation_offers_the_transitions_its_status_allows(db):
    from cooperation.choices import allowed_transitions
    from cooperation.permissions import record_actions
    from tests.factories import RecommendationFactory

    curator, analyst = CuratorFactory(), AnalystFactory()
    recommendation = RecommendationFactory()
    moves = [f"transition:{s}" for s in allowed_transitions(recommendation.status)]
    assert moves
    assert record_actions(curator, recommendation)[-len(moves) :] == moves
    assert not any(a.startswith("transition:") for a in record_actions(analyst, recommendation))


# The portal as a whole (kind "portal", no object): role → what it opens. I see what staff
# see (read_internal), W the workspace, H the partners' home (API access page), N
# notifications and mentions, A read the API, X write through the API with a session, T hold
# an API token. Walked through `portal()`, the dashboard, the API root and an API write.
PORTAL_LETTERS = {
    "I": "read_internal",
    "W": "workspace",
    "H": "partner_home",
    "N": "notifications",
    "A": "read_published",
    "X": "api_write",
    "T": "hold_token",
}
PORTAL_TABLE = """
anonymous          | -
no_role            | -
inactive_analyst   | -
partner            | HAT
analyst            | IWNAXT
curator            | IWNAXT
admin              | IWNAXT
"""


def _parse_portal(table: str) -> dict[str, set[str]]:
    expected = {}
    for line in table.strip().splitlines():
        role, cell = (part.strip() for part in line.split("|"))
        expected[role] = set() if cell == "-" else {PORTAL_LETTERS[x] for x in cell}
    return expected


PORTAL_EXPECTED = _parse_portal(PORTAL_TABLE)


@pytest.fixture
def portal_people(db):
    from accounts.services import user_update

    inactive = AnalystFactory()
    user_update(user=inactive, data={"is_active": False})
    return {
        "anonymous": None,
        "no_role": UserFactory(roles=[]),
        "inactive_analyst": inactive,
        "partner": PartnerFactory(),
        "analyst": AnalystFactory(),
        "curator": CuratorFactory(),
        "admin": AdminFactory(),
    }


def test_portal_rows_cover_every_action_in_the_table():
    from cooperation.permissions import PERMISSIONS

    rows = {action for kind, action in PERMISSIONS if kind == "portal"}
    assert rows == set(PORTAL_LETTERS.values())


def test_portal_agrees_with_the_table(portal_people):
    from cooperation.permissions import portal

    wrong = []
    for role, expected in PORTAL_EXPECTED.items():
        got = {a for a in PORTAL_LETTERS.values() if portal(portal_people[role], a)}
        if got != expected:
            wrong.append(f"{role}: table {sorted(expected)}, portal() {sorted(got)}")
    assert not wrong, "\n".join(wrong)


def test_the_pages_and_the_api_agree_with_the_portal_table(portal_people):
    wrong = []
    for role, expected in PORTAL_EXPECTED.items():
        client = Client()
        user = portal_people[role]
        if user is not None:
            client.force_login(user)
        home = client.get("/")
        if "workspace" in expected:
            want = 200
        elif "partner_home" in expected or user is None or not user.is_active:
            want = 302  # to the API access page, or to log in
        else:
            want = 403
        if home.status_code != want:
            wrong.append(f"{role} dashboard: {home.status_code}, table says {want}")
        root = client.get("/api/v1/")
        if (root.status_code == 200) != ("read_published" in expected):
            wrong.append(f"{role} API root: {root.status_code}")
        write = client.post("/api/v1/agreements/", {}, content_type="application/json")
        # Allowed: the service is asked and refuses the empty body (400); refused: 401/403.
        if (write.status_code == 400) != ("api_write" in expected):
            wrong.append(f"{role} API write: {write.status_code}")
    assert not wrong, "\n".join(wrong)


def test_only_a_token_holder_gets_a_token(portal_people):
    from django.core.exceptions import ValidationError

    from accounts.services import validate_api_token

    for role, expected in PORTAL_EXPECTED.items():
        user = portal_people[role]
        if user is None:
            continue
        if "hold_token" in expected:
            validate_api_token(user=user, name="t", expires_days=None)
        else:
            with pytest.raises(ValidationError):
                validate_api_token(user=user, name="t", expires_days=None)


def test_an_organisation_admin_manages_only_its_plain_partners(db):
    """The token form's people and the listed tokens are what own_organisations_partner
    allows: the organisation's partners, not another organisation's, nor its staff."""
    from accounts.services import user_update
    from cooperation.permissions import can
    from cooperation.selectors import api_tokens_visible_to, organisation_partners

    org, other = OrganisationFactory(), OrganisationFactory()
    manager = PartnerFactory(organisation=org)
    user_update(user=manager, data={"is_org_admin": True})
    member, outsider = PartnerFactory(organisation=org), PartnerFactory(organisation=other)
    staff_in_org = AnalystFactory(organisation=org)
    listed = set(organisation_partners(manager))
    assert listed == {manager, member}
    for person in (manager, member, outsider, staff_in_org):
        assert (person in listed) == can(manager, "issue", person, kind="token"), person
    for person in (member, outsider, staff_in_org):
        make_token(person, write=False)
    holders = {t.user for t in api_tokens_visible_to(manager, manager=True)}
    assert holders == {member}
    assert {t.user for t in api_tokens_visible_to(outsider, manager=False)} == {outsider}


@pytest.mark.parametrize("kind", ["record", "source"])
def test_the_read_rows_agree_with_the_read_querysets(db, kind):
    """("record"|"source", "read") in the table and selectors' querysets: one rule, for every
    role and every state (internal, published, in the trash)."""
    from cooperation.permissions import can
    from cooperation.selectors import records_visible_to, sources_visible_to
    from cooperation.services import tracked_delete, tracked_update
    from tests.factories import SourceFactory

    curator = CuratorFactory()
    people = {
        "no_role": UserFactory(roles=[]),
        "partner": PartnerFactory(),
        "analyst": AnalystFactory(),
        "curator": curator,
        "admin": AdminFactory(),
    }
    if kind == "record":
        publish = lambda r: record_set_visibility(  # noqa: E731
            record=r, user=curator, visibility=Visibility.PUBLISHED
        )
        objects = {
            "internal": AgreementFactory(),
            "published": publish(AgreementFactory()),
            "trashed": tracked_delete(instance=publish(AgreementFactory()), user=curator),
        }
        model = type(objects["internal"])
        readable = lambda user: records_visible_to(user, model)  # noqa: E731
    else:
        publish = lambda s: tracked_update(  # noqa: E731
            instance=s,
            user=curator,
            data={"visibility": Visibility.PUBLISHED},
            expected_version=s.version,
        )
        objects = {
            "internal": SourceFactory(),
            "published": publish(SourceFactory()),
            "trashed": tracked_delete(instance=publish(SourceFactory()), user=None),
        }
        readable = sources_visible_to
    wrong = []
    for role, user in people.items():
        visible = set(readable(user).values_list("pk", flat=True))
        for state, obj in objects.items():
            obj = type(obj).all_objects.get(pk=obj.pk)
            if can(user, "read", obj) != (obj.pk in visible):
                wrong.append(f"{role} {state}: can() {can(user, 'read', obj)}, queryset differs")
    assert not wrong, "\n".join(wrong)


# Records, every role × every state, through every door: `can()`, the read queryset, the
# web record page and the API (status and `actions`). V read (view), then RECORD_LETTERS.
# partner_a_writer holds a write-enabled token; partners write no record whatever it holds.
RECORD_DOORS_TABLE = """
role              | draft    | internal | published | trashed
anonymous         | -        | -        | -         | -
no_role           | -        | -        | -         | -
partner_a         | -        | -        | V         | -
partner_b         | -        | -        | V         | -
partner_a_writer  | -        | -        | V         | -
analyst           | VEL      | VEL      | VEL       | -
curator           | VEDURLK  | VEDURLK  | VEDNRLK   | -
admin             | VEDURLK  | VEDURLK  | VEDNRLK   | -
"""


def _parse_record_doors(table: str) -> dict:
    letters = {"V": "read", **RECORD_LETTERS}
    lines = table.strip().splitlines()
    states = [cell.strip() for cell in lines[0].split("|")[1:]]
    expected = {}
    for line in lines[1:]:
        role, *cells = (cell.strip() for cell in line.split("|"))
        for state, cell in zip(states, cells, strict=True):
            expected[(role, state)] = set() if cell == "-" else {letters[x] for x in cell}
    return expected


RECORD_DOORS = _parse_record_doors(RECORD_DOORS_TABLE)


def test_records_through_every_door_agree_with_the_table(db):
    from cooperation.models import Agreement
    from cooperation.permissions import RECORD_ACTIONS, record_actions
    from cooperation.selectors import records_visible_to
    from cooperation.services import tracked_delete, tracked_update

    curator = CuratorFactory()
    org_a, org_b = OrganisationFactory(), OrganisationFactory()
    people = {
        "anonymous": None,
        "no_role": UserFactory(roles=[]),
        "partner_a": PartnerFactory(organisation=org_a),
        "partner_b": PartnerFactory(organisation=org_b),
        "partner_a_writer": PartnerFactory(organisation=org_a),
        "analyst": AnalystFactory(),
        "curator": curator,
        "admin": AdminFactory(),
    }
    tokens = {
        role: make_token(user, write=role == "partner_a_writer" or not role.startswith("partner"))
        for role, user in people.items()
        if user is not None and role != "no_role"
    }

    def published():
        return record_set_visibility(
            record=AgreementFactory(), user=curator, visibility=Visibility.PUBLISHED
        )

    draft = AgreementFactory()
    draft = tracked_update(
        instance=draft, user=curator, data={"visibility": "draft"}, expected_version=draft.version
    )
    records = {
        "draft": draft,
        "internal": AgreementFactory(),
        "published": published(),
        "trashed": tracked_delete(instance=published(), user=curator),
    }
    assert {state: r.visibility for state, r in records.items()}["draft"] == "draft"
    wrong = []
    for (role, state), allowed in RECORD_DOORS.items():
        user = people[role]
        record = Agreement.all_objects.get(pk=records[state].pk)
        token = None
        if role == "partner_a_writer":
            token = accounts_token(user)
        # 1. The table.
        got = {a for a in ("read", *RECORD_ACTIONS) if can(user, a, record, token=token)}
        if got != allowed:
            wrong.append(f"can {role} {state}: {sorted(got)}")
        if user is not None and "read" in allowed:
            listed = record_actions(user, record, token=token)
            if set(listed) != allowed - {"read"}:
                wrong.append(f"record_actions {role} {state}: {listed}")
        # 2. The read queryset.
        readable = records_visible_to(user, Agreement).filter(pk=record.pk).exists()
        if readable != ("read" in allowed):
            wrong.append(f"queryset {role} {state}: {readable}")
        # 3. The API: 401 anonymous, 403 no role, else 200 or 404, and `actions`.
        headers = bearer(tokens[role]) if role in tokens else {}
        client = Client()
        if role == "no_role":
            client.force_login(user)
        response = client.get(f"/api/v1/agreements/{record.pk}/", **headers)
        want = 401 if user is None else 403 if role == "no_role" else None
        want = want or (200 if "read" in allowed else 404)
        if response.status_code != want:
            wrong.append(f"api {role} {state}: {response.status_code}, table says {want}")
        elif want == 200 and set(response.json()["actions"]) != allowed - {"read"}:
            wrong.append(f"api actions {role} {state}: {response.json()['actions']}")
        # 4. The web record page (the workspace): staff 200 or 404; the anonymous are sent
        # to log in; partners and a person with no role are refused (403).
        web = Client()
        if user is not None:
            web.force_login(user)
        page = web.get(record.get_absolute_url())
        if user is None:
            want = 302
        elif role == "no_role" or role.startswith("partner"):
            want = 403
        else:
            want = 200 if "read" in allowed else 404
        if page.status_code != want:
            wrong.append(f"page {role} {state}: {page.status_code}, table says {want}")
    assert not wrong, "\n".join(wrong)


def accounts_token(user):
    from accounts.models import ApiToken

    return ApiToken.objects.filter(user=user, can_write=True).first()


# Saved views: role × view → actions (O open its link, M manage: rename, update, share,
# delete; "-" none). The views: the owner analyst's private and shared ones, and a shared
# one by someone who has since left the team (no role). "owner" is the analyst who saved
# the first two. Walked through `can()`, the read queryset and the pages.
SAVED_VIEW_LETTERS = {"O": "open", "M": "manage"}
SAVED_VIEW_TABLE = """
role        | private | shared | left
anonymous   | -       | -      | -
no_role     | -       | -      | -
partner     | -       | -      | -
owner       | OM      | OM     | -
analyst     | -       | O      | -
curator     | -       | O      | -
admin       | -       | O      | -
"""


def _parse_saved_views(table: str) -> dict[tuple[str, str], set[str]]:
    lines = table.strip().splitlines()
    columns = [c.strip() for c in lines[0].split("|")][1:]
    expected = {}
    for line in lines[1:]:
        role, *cells = (c.strip() for c in line.split("|"))
        for column, cell in zip(columns, cells, strict=True):
            expected[(role, column)] = (
                set() if cell == "-" else {SAVED_VIEW_LETTERS[x] for x in cell}
            )
    return expected


def test_saved_views_agree_with_the_table_in_can_the_queryset_and_the_pages(db):
    from django.urls import reverse

    from accounts.services import user_set_roles
    from cooperation.models import SavedView
    from cooperation.selectors import saved_views_visible_to
    from cooperation.services import saved_view_create

    owner, leaver = AnalystFactory(), AnalystFactory()
    views = {
        "private": saved_view_create(user=owner, list_key="deal", name="Private", query=""),
        "shared": saved_view_create(
            user=owner, list_key="deal", name="Shared", query="", shared=True
        ),
        "left": saved_view_create(user=leaver, list_key="deal", name="Left", query="", shared=True),
    }
    user_set_roles(user=leaver, roles=[])
    people = {
        "anonymous": None,
        "no_role": UserFactory(roles=[]),
        "partner": PartnerFactory(),
        "owner": owner,
        "analyst": AnalystFactory(),
        "curator": CuratorFactory(),
        "admin": AdminFactory(),
    }
    wrong = []
    for (role, column), expected in _parse_saved_views(SAVED_VIEW_TABLE).items():
        user, view = people[role], SavedView.objects.get(pk=views[column].pk)
        got = {a for a in SAVED_VIEW_LETTERS.values() if can(user, a, view)}
        if got != expected:
            wrong.append(f"{role} × {column}: table {sorted(expected)}, can() {sorted(got)}")
        listed = user is not None and saved_views_visible_to(user).filter(pk=view.pk).exists()
        if listed != ("open" in expected):
            wrong.append(f"{role} × {column}: saved_views_visible_to {listed}")
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(reverse("cooperation:savedview_open", args=[view.token]))
        opened = response.status_code == 302 and response["Location"].startswith("/deals/")
        if opened != ("open" in expected):
            wrong.append(f"{role} × {column}: link answered {response.status_code}")


# -- tags -------------------------------------------------------------------------------------
# Who may make a tag, put tags on a live record, and tag a team note: the author's own, and
# one other_analyst wrote (each author tags their own; a curator, who moderates, any; partners
# never, whatever their token).
TAG_TABLE = """
role              | make | record | own_note | others_note
partner_a         | -    | -      | -        | -
partner_a_writer  | -    | -      | -        | -
author            | y    | y      | y        | -
other_analyst     | y    | y      | -        | y
curator           | y    | y      | y        | y
admin             | y    | y      | y        | y
"""


@pytest.mark.django_db
def test_the_tag_rows_agree_with_the_table():
    from cooperation.models import Tag

    people = {
        "partner_a": PartnerFactory(organisation=OrganisationFactory()),
        "partner_a_writer": PartnerFactory(organisation=OrganisationFactory()),
        "author": AnalystFactory(),
        "other_analyst": AnalystFactory(),
        "curator": CuratorFactory(),
        "admin": AdminFactory(),
    }
    writer_token = api_token_create(user=people["partner_a_writer"], name="w", can_write=True)[0]
    record = AgreementFactory(visibility=Visibility.PUBLISHED)
    own = annotation_create(author=people["author"], record=record, body="Mine")
    others = annotation_create(author=people["other_analyst"], record=record, body="Theirs")
    lines = TAG_TABLE.strip().splitlines()
    wrong = []
    for line in lines[1:]:
        role, *cells = (cell.strip() for cell in line.split("|"))
        user = people[role]
        token = writer_token if role == "partner_a_writer" else None
        got = [
            can(user, "create", Tag, token=token),
            can(user, "tag", record, token=token),
            can(user, "tag", own, token=token),
            can(user, "tag", others, token=token),
        ]
        expected = [cell == "y" for cell in cells]
        if got != expected:
            wrong.append(f"{role}: table {expected}, can() {got}")
    assert not wrong, "\n".join(wrong)
