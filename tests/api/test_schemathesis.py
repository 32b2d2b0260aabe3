"""Schemathesis against /api/schema/ over real HTTP, as anonymous, partner and analyst.

Every operation gets a modest number of generated requests; every response must
be no server error and must match the schema (status, body, content type). The
world of published and internal records is built once per role.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Requests per operation: enough to find mistakes, small enough to run in CI on 2 cores.
MAX_EXAMPLES = {"anonymous": 5, "partner": 12, "analyst": 12}


def _run(base_url: str, token: str | None, max_examples: int) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/")
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(base_url=base_url, session=session, headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect all operations' failures, then report them together
            failures.append(f"{operation.label}: {str(exc)[:3000]}")
    session.close()
    return failures


@pytest.mark.parametrize("role", ["anonymous", "partner", "analyst"])
def test_schemathesis_finds_no_server_errors_or_schema_violations(
    live_server, world, partner, analyst, role
):
    user = {"anonymous": None, "partner": partner, "analyst": analyst}[role]
    token = make_token(user, write=True) if user else None
    failures = _run(live_server.url, token, MAX_EXAMPLES[role])
    assert not failures, "\n\n".join(failures)
