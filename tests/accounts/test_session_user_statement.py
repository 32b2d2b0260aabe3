"""The session's user, read by a statement compiled once per database (accounts/backends.py):
every signed-in request still gets its own user, with their own roles, or no one."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import backends
from accounts.roles import ANALYST, CURATOR, roles_of
from accounts.services import user_set_roles, user_update
from portal import statements
from tests.factories import AnalystFactory, CuratorFactory, PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_statements")]


@pytest.fixture
def built(monkeypatch):
    """Each build of the user's statement."""
    calls = []
    real = backends._user_with_roles

    def counting(user_id):
        calls.append(user_id)
        return real(user_id)

    monkeypatch.setattr(backends, "_user_with_roles", counting)
    return calls


def test_each_user_is_read_with_their_own_roles_from_one_statement(built):
    analyst, curator, partner = AnalystFactory(), CuratorFactory(), PartnerFactory()
    backend = backends.RoleModelBackend()
    for person in (analyst, curator, partner, analyst):
        found = backend.get_user(person.pk)
        assert (found.pk, found.email) == (person.pk, person.email)
        assert roles_of(found) == roles_of(person)
    assert built == [statements.PK]  # built once, for the stand-in id, never for a user


def test_roles_come_with_the_user_and_ask_nothing_more(django_assert_num_queries):
    curator = CuratorFactory()
    backend = backends.RoleModelBackend()
    backend.get_user(curator.pk)  # the statement is kept
    with django_assert_num_queries(1):
        found = backend.get_user(curator.pk)
        assert roles_of(found) == {CURATOR}


def test_a_role_changed_since_is_read_afresh():
    person = AnalystFactory()
    backend = backends.RoleModelBackend()
    assert roles_of(backend.get_user(person.pk)) == {ANALYST}
    user_set_roles(user=person, roles=[CURATOR])
    assert roles_of(backend.get_user(person.pk)) == {CURATOR}


def test_no_one_for_an_unknown_or_inactive_user():
    person = AnalystFactory()
    backend = backends.RoleModelBackend()
    assert backend.get_user(person.pk) is not None
    user_update(user=person, data={"is_active": False})
    assert backend.get_user(person.pk) is None
    assert backend.get_user(person.pk + 1000) is None
    assert backend.get_user(statements.PK) is None  # the stand-in itself names no one


def test_signed_in_requests_each_see_their_own_user(built):
    first, second = AnalystFactory(full_name="Ada First"), CuratorFactory(full_name="Bo Second")
    for person in (first, second, first):
        client = Client()
        client.force_login(person)
        response = client.get("/")
        assert response.status_code == 200
        assert response.wsgi_request.user.pk == person.pk
        assert person.full_name in response.content.decode()
    assert built == [statements.PK]


@pytest.mark.parametrize("user_id", [2**63, -(2**63) - 1, 2**80])
def test_an_id_no_column_can_hold_is_no_one(user_id):
    """A session can only hold what the portal put there, but an id out of the column's
    range is still no one, as on Django's own path, never a database error."""
    AnalystFactory()
    backend = backends.RoleModelBackend()
    backend.get_user(1)  # the statement is kept
    assert backend.get_user(user_id) is None
