"""Token authentication and the caller's roles cost one SQL statement (issue 15's
`auth_queries` target, counted as `make bench` counts it: bench.measure.count_phases).

The token's row, its user and the user's groups come from one statement; every role
question after it (`permissions.can`, `holds`, `roles_of`, the API's permission class)
reads what that statement brought.
"""

from __future__ import annotations

import pytest

from accounts.roles import ANALYST, PARTNER, roles_of
from accounts.services import api_token_find, user_set_roles
from bench.data import Accounts
from bench.measure import count_phases
from tests.api.conftest import make_token
from tests.factories import AnalystFactory, CuratorFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory", [PartnerFactory, AnalystFactory, CuratorFactory])
@pytest.mark.parametrize(
    "path", ["/api/v1/recommendations/?page_size=50", "/api/v1/agreements/", "/api/v1/"]
)
def test_authentication_and_permission_cost_one_statement(factory, path):
    accounts = Accounts(token=make_token(factory()), session="")
    phases = count_phases(accounts, path)
    statements = phases["authentication"]["sql"] + phases["permission"]["sql"]
    assert len(statements) <= 1, statements
    assert phases["throttle"]["queries"] == 0


def test_the_roles_read_from_the_token_statement_are_the_users(django_assert_num_queries):
    person = UserFactory(roles=[ANALYST, "curator"])
    plaintext = make_token(person)
    expected = set(person.groups.values_list("pk", "name"))
    with django_assert_num_queries(1):
        token = api_token_find(plaintext)
        assert roles_of(token.user) == {ANALYST, "curator"}
        assert {(g.pk, g.name) for g in token.user.groups.all()} == expected


def test_a_user_with_no_role_reads_no_roles(django_assert_num_queries):
    person = UserFactory(roles=[])
    plaintext = make_token(AnalystFactory())
    token = api_token_find(plaintext)
    assert roles_of(token.user) == {ANALYST}
    other = make_token(PartnerFactory())
    user_set_roles(user=api_token_find(other).user, roles=[])
    with django_assert_num_queries(1):
        assert roles_of(api_token_find(other).user) == set()
    assert roles_of(person) == set()


def test_a_role_taken_away_is_gone_on_the_next_request(client):
    """Nothing is cached between requests: the next request's statement reads the groups."""
    partner = PartnerFactory()
    plaintext = make_token(partner)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    assert client.get("/api/v1/recommendations/", **headers).status_code == 200
    user_set_roles(user=partner, roles=[])
    assert client.get("/api/v1/recommendations/", **headers).status_code == 403
    user_set_roles(user=partner, roles=[PARTNER])
    assert client.get("/api/v1/recommendations/", **headers).status_code == 200
