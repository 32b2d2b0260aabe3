"""Users, roles and organisations (accounts/services.py) and the account commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.management.commands.create_demo_users import (
    DEMO_PARTNER_ORGANISATION,
    DEMO_PASSWORD,
    DEMO_USERS,
)
from accounts.models import Organisation, User
from accounts.roles import ADMIN, ANALYST, CURATOR, PARTNER, roles_of
from accounts.services import (
    organisation_create,
    organisation_update,
    user_create,
    user_set_roles,
    user_update,
)
from cooperation.history import history_m2m_values
from tests.factories import PASSWORD, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


# -- organisation_create --------------------------------------------------------------------


def test_organisation_create_slugs_the_name():
    organisation = organisation_create(name="  Centre for Joint Warfare Studies ")

    assert (organisation.name, organisation.slug) == (
        "Centre for Joint Warfare Studies",
        "centre-for-joint-warfare-studies",
    )
    assert organisation.is_partner is True


def test_organisation_create_refuses_a_name_taken():
    organisation_create(name="ATLA")

    with pytest.raises(ValidationError) as caught:
        organisation_create(name="ATLA")

    assert set(caught.value.message_dict) == {"name", "slug"}
    assert Organisation.objects.count() == 1


# -- user_create ----------------------------------------------------------------------------


def test_user_create_lowercases_the_email_and_sets_password_and_roles():
    user = user_create(
        email="  Aiko.Analyst@Example.ORG ", password=PASSWORD, roles=[ANALYST], full_name="Aiko"
    )

    stored = User.objects.get(pk=user.pk)
    assert stored.email == "aiko.analyst@example.org"
    assert stored.check_password(PASSWORD)
    assert (stored.is_staff, stored.is_superuser) == (True, False)
    assert roles_of(stored) == {ANALYST}
    assert (str(stored), stored.get_short_name()) == ("Aiko", "Aiko")


def test_user_create_refuses_an_email_taken_in_any_case():
    user_create(email="ann@example.org", password=PASSWORD, roles=[ANALYST])

    with pytest.raises(ValidationError) as caught:
        user_create(email="ANN@Example.org", password=PASSWORD, roles=[CURATOR])

    assert caught.value.message_dict == {
        "email": ["A user with this email address already exists."]
    }
    assert User.objects.count() == 1


def test_user_create_a_partner_in_an_organisation_without_staff_access():
    organisation = OrganisationFactory()

    user = user_create(
        email="p@partner.example", password=PASSWORD, roles=[PARTNER], organisation=organisation
    )

    assert (user.is_staff, user.organisation, roles_of(user)) == (False, organisation, {PARTNER})


def test_user_create_superuser_is_staff_and_admin():
    user = user_create(email="root@example.org", password=PASSWORD, roles=[], is_superuser=True)

    assert (user.is_staff, user.is_superuser, roles_of(user)) == (True, True, {ADMIN})


def test_user_create_rolls_back_when_the_roles_are_refused():
    with pytest.raises(ValidationError):
        user_create(email="p@partner.example", password=PASSWORD, roles=[PARTNER])

    assert not User.objects.filter(email="p@partner.example").exists()


# -- user_set_roles -------------------------------------------------------------------------


def test_user_set_roles_replaces_the_roles_and_staff_access_follows():
    user = UserFactory(roles=[ANALYST])

    user_set_roles(user=user, roles=[CURATOR, ADMIN])
    assert (roles_of(user), User.objects.get(pk=user.pk).is_staff) == ({CURATOR, ADMIN}, True)

    user_set_roles(user=user, roles=[])
    assert (roles_of(user), User.objects.get(pk=user.pk).is_staff) == (set(), False)


def test_user_set_roles_keeps_a_superuser_staff():
    user = UserFactory(roles=[], is_superuser=True)

    user_set_roles(user=user, roles=[])

    assert User.objects.get(pk=user.pk).is_staff is True


@pytest.mark.parametrize(
    ("roles", "organisation", "errors"),
    [
        (["editor"], True, {"roles": ["Unknown role(s): editor."]}),
        (["editor", "boss"], True, {"roles": ["Unknown role(s): boss, editor."]}),
        (
            [PARTNER, ANALYST],
            True,
            {"roles": ["A partner account cannot also hold an internal role."]},
        ),
        ([PARTNER], False, {"organisation": ["A partner user must belong to an organisation."]}),
    ],
)
def test_user_set_roles_refuses_roles_that_break_the_rules(roles, organisation, errors):
    user = UserFactory(
        roles=[ANALYST], organisation=OrganisationFactory() if organisation else None
    )

    with pytest.raises(ValidationError) as caught:
        user_set_roles(user=user, roles=roles)

    assert caught.value.message_dict == errors
    assert roles_of(User.objects.get(pk=user.pk)) == {ANALYST}


# -- createsuperuser --noinput --------------------------------------------------------------


def test_createsuperuser_noinput_reads_email_and_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Contours.Example")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    out = StringIO()

    call_command("createsuperuser", interactive=False, stdout=out)

    user = User.objects.get()
    assert (user.email, user.is_superuser, user.is_staff) == ("root@contours.example", True, True)
    assert user.check_password("a-long-admin-passphrase")
    assert roles_of(user) == {ADMIN}
    assert out.getvalue() == "Superuser created successfully.\n"


def test_createsuperuser_noinput_refuses_an_email_taken_in_another_case(monkeypatch):
    UserFactory(email="root@contours.example")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ROOT@contours.example")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")

    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", interactive=False, stdout=StringIO())

    assert User.objects.count() == 1


# -- create_demo_users ----------------------------------------------------------------------


def test_create_demo_users_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as caught:
        call_command("create_demo_users", stdout=StringIO())

    assert str(caught.value) == (
        "demo users have a published password; run only with DJANGO_DEBUG=1."
    )
    assert (User.objects.count(), Organisation.objects.count()) == (0, 0)


def test_create_demo_users_only_if_debug_skips_quietly_when_debug_is_off(settings):
    settings.DEBUG = False
    out = StringIO()

    call_command("create_demo_users", "--only-if-debug", stdout=out)

    assert out.getvalue() == "No demo users: DJANGO_DEBUG is off.\n"
    assert (User.objects.count(), Organisation.objects.count()) == (0, 0)


def test_create_demo_users_makes_one_user_per_role_once(settings):
    settings.DEBUG = True

    call_command("create_demo_users", stdout=StringIO())
    call_command("create_demo_users", stdout=StringIO())

    assert User.objects.count() == len(DEMO_USERS) == 4
    for email, _name, roles, _superuser in DEMO_USERS:
        user = User.objects.get(email=email)
        assert roles_of(user) == set(roles)
        assert user.check_password(DEMO_PASSWORD)
    partner = User.objects.get(email="partner@contours.local")
    assert partner.organisation.name == DEMO_PARTNER_ORGANISATION
    assert Organisation.objects.count() == 1


# -- history of accounts --------------------------------------------------------------------


def _user_rows(user):
    return list(User.history.filter(id=user.pk).order_by("-history_id"))


def test_user_create_and_set_roles_each_write_one_history_row_with_the_roles(admin):
    user = user_create(email="new@example.org", password=PASSWORD, roles=[ANALYST], actor=admin)
    [created] = _user_rows(user)

    user_set_roles(user=user, roles=[CURATOR], actor=admin)

    changed, _ = _user_rows(user)
    analyst_group, curator_group = (Group.objects.get(name=n) for n in (ANALYST, CURATOR))
    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+",
        admin,
        "Created",
    )
    assert history_m2m_values(created, "groups") == [analyst_group.pk]
    assert (changed.history_change_reason, changed.history_user) == ("Roles: curator", admin)
    assert history_m2m_values(changed, "groups") == [curator_group.pk]


def test_user_update_changes_profile_fields_with_one_history_row(admin):
    user = UserFactory(full_name="Old Name")

    user_update(user=user, data={"full_name": "New Name", "is_active": False}, actor=admin)

    stored = User.objects.get(pk=user.pk)
    assert (stored.full_name, stored.is_active) == ("New Name", False)
    newest, _ = _user_rows(user)
    assert (newest.full_name, newest.history_user, newest.history_change_reason) == (
        "New Name",
        admin,
        "Changed",
    )


def test_user_update_refuses_fields_it_does_not_manage():
    user = UserFactory()

    with pytest.raises(ValidationError) as caught:
        user_update(user=user, data={"password": "x", "is_staff": True})

    assert caught.value.message_dict == {
        "is_staff": ["This field cannot be set here."],
        "password": ["This field cannot be set here."],
    }
    assert len(_user_rows(user)) == 1


def test_only_a_superuser_makes_or_unmakes_superusers(admin):
    root = UserFactory(roles=[], is_superuser=True)
    user = UserFactory()

    with pytest.raises(PermissionDenied):
        user_create(
            email="s@example.org", password=PASSWORD, roles=[], is_superuser=True, actor=admin
        )
    with pytest.raises(PermissionDenied):
        user_update(user=user, data={"is_superuser": True}, actor=admin)
    assert User.objects.get(pk=user.pk).is_superuser is False
    assert not User.objects.filter(email="s@example.org").exists()

    user_update(user=user, data={"is_superuser": True}, actor=root)
    assert User.objects.get(pk=user.pk).is_superuser is True


def test_organisation_create_and_update_write_history(admin):
    organisation = organisation_create(name="ATLA", actor=admin)

    organisation_update(organisation=organisation, data={"notes": "Japan MoD agency"}, actor=admin)

    rows = list(Organisation.history.filter(id=organisation.pk).order_by("history_id"))
    assert [(r.history_type, r.history_user, r.notes) for r in rows] == [
        ("+", admin, ""),
        ("~", admin, "Japan MoD agency"),
    ]
    with pytest.raises(ValidationError):
        organisation_update(organisation=organisation, data={"created_at": None})
