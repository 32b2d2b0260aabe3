"""Roles are groups whose permissions come from accounts/roles.py, kept in step after migrate."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission

from accounts import roles
from accounts.roles import (
    ADMIN,
    ANALYST,
    CURATOR,
    PARTNER,
    ROLE_PERMISSIONS,
    has_role,
    is_internal,
    roles_of,
    sync_role_groups,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _codes(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_every_role_group_exists_after_migrate_with_exactly_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) == {ANALYST, CURATOR, ADMIN, PARTNER}
    for role, codes in ROLE_PERMISSIONS.items():
        assert _codes(Group.objects.get(name=role)) == codes, role


def test_the_role_table_only_grows_from_analyst_to_curator_to_admin():
    assert ROLE_PERMISSIONS[ANALYST] < ROLE_PERMISSIONS[CURATOR] < ROLE_PERMISSIONS[ADMIN]
    assert ROLE_PERMISSIONS[PARTNER] == set()


@pytest.mark.parametrize(
    ("permission", "analyst", "curator", "admin"),
    [
        ("cooperation.view_agreement", True, True, True),
        ("cooperation.change_recommendation", True, True, True),
        ("cooperation.add_statusproposal", True, True, True),
        ("cooperation.publish_record", False, True, True),
        ("cooperation.merge_record", False, True, True),
        ("cooperation.restore_record", False, True, True),
        ("cooperation.transition_recommendation", False, True, True),
        ("cooperation.decide_statusproposal", False, True, True),
        ("cooperation.delete_agreement", False, True, True),
        ("cooperation.delete_source", False, False, False),
        ("accounts.add_user", False, False, True),
    ],
)
def test_role_permissions_reach_their_users(permission, analyst, curator, admin):
    users = {
        "analyst": UserFactory(roles=[ANALYST]),
        "curator": UserFactory(roles=[CURATOR]),
        "admin": UserFactory(roles=[ADMIN]),
    }

    granted = {name: user.has_perm(permission) for name, user in users.items()}

    assert granted == {"analyst": analyst, "curator": curator, "admin": admin}


def test_a_partner_has_no_model_permissions(partner):
    assert partner.get_all_permissions() == set()
    assert not partner.has_perm("cooperation.view_agreement")
    assert partner.is_staff is False


def test_sync_role_groups_puts_back_permissions_that_were_changed_by_hand():
    analyst_group = Group.objects.get(name=ANALYST)
    analyst_group.permissions.remove(Permission.objects.get(codename="add_agreement"))
    analyst_group.permissions.add(
        Permission.objects.get(codename="merge_record", content_type__model="agreement")
    )
    Group.objects.get(name=PARTNER).delete()

    sync_role_groups()

    assert _codes(Group.objects.get(name=ANALYST)) == ROLE_PERMISSIONS[ANALYST]
    assert _codes(Group.objects.get(name=PARTNER)) == set()


def test_sync_role_groups_waits_for_the_cooperation_app():
    Group.objects.all().delete()

    sync_role_groups(sender=apps.get_app_config("accounts"))
    assert Group.objects.count() == 0

    sync_role_groups(sender=apps.get_app_config("cooperation"))
    assert Group.objects.count() == 4


def test_sync_role_groups_names_permissions_that_do_not_exist(monkeypatch):
    monkeypatch.setitem(
        roles.ROLE_PERMISSIONS, ANALYST, {"cooperation.fly_agreement", "cooperation.view_topic"}
    )

    with pytest.raises(LookupError) as caught:
        sync_role_groups()

    assert str(caught.value) == (
        "Role table names permissions that do not exist: cooperation.fly_agreement"
    )


def test_roles_of_reads_groups_and_treats_a_superuser_as_admin():
    curator = UserFactory(roles=[CURATOR])
    superuser = UserFactory(roles=[], is_superuser=True)
    nobody = UserFactory(roles=[])

    assert roles_of(curator) == {CURATOR}
    assert roles_of(superuser) == {ADMIN}
    assert roles_of(nobody) == set()
    assert roles_of(AnonymousUser()) == set()
    assert curator.role_names == {CURATOR}


def test_has_role_and_is_internal(partner):
    analyst = UserFactory(roles=[ANALYST])

    assert has_role(analyst, ANALYST, CURATOR) is True
    assert has_role(analyst, CURATOR) is False
    assert (is_internal(analyst), is_internal(partner)) == (True, False)
    assert is_internal(UserFactory(roles=[])) is False
