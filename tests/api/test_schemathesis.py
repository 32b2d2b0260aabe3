"""Schemathesis against /api/schema/ over real HTTP, as four callers: anonymous, a partner with
a read-only token, a partner with a write-enabled token, and an analyst.

Two phases per caller, both derandomized (the same requests on every run) and sized for CI
on two cores:
- every operation alone, with a fixed number of generated requests;
- the stateful phase: schemathesis' state machine, built from the links it infers between
  operations (a create's `id` and Location feed the detail, update and delete of that
  resource), runs short chains of calls.

Every response must be no server error and must match the schema: its status is documented,
its content type, body and required headers are the documented ones.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.probe]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_headers_conformance,
    # Errors included: every one is application/problem+json (RFC 9457), as documented.
    response_schema_conformance,
    content_type_conformance,
]
# Requests per operation and stateful scenarios per caller: enough to find mistakes, small
# enough for CI on 2 cores.
MAX_EXAMPLES = {"anonymous": 2, "partner_read": 3, "partner_write": 3, "analyst": 5}
SCENARIOS = {"anonymous": 3, "partner_read": 6, "partner_write": 8, "analyst": 15}
STEPS_PER_SCENARIO = 5
COMMON = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
}


def _headers(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _each_operation(schema, base_url, session, headers, max_examples) -> list[str]:
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, phases=[Phase.explicit, Phase.generate], **COMMON)
        def check(case):
            response = case.call(base_url=base_url, session=session, headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect all operations' failures, then report them together
            failures.append(f"{operation.label}: {str(exc)[:3000]}")
    return failures


def _stateful(schema, base_url, session, headers, scenarios) -> list[str]:
    calls = []

    class Machine(schema.as_state_machine()):
        def before_call(self, case):
            calls.append(f"{case.method} {case.path}")
            # Linked writes get past the precondition to the services with generated bodies
            # (`*` matches whatever is current); the first phase already sends stale, weak
            # and malformed If-Match values.
            if case.method.upper() in ("PUT", "PATCH", "DELETE"):
                case.headers = {**(case.headers or {}), "If-Match": "*"}

        def get_call_kwargs(self, case):
            return {"base_url": base_url, "session": session, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    try:
        Machine.run(
            settings=settings(
                max_examples=scenarios,
                stateful_step_count=STEPS_PER_SCENARIO,
                phases=[Phase.generate],
                **COMMON,
            )
        )
    except Exception as exc:
        return [f"stateful: {str(exc)[:6000]}"]
    # The phase ran chains of calls, not nothing (links were found between operations).
    return [] if len(calls) >= scenarios * 2 else [f"stateful: only {len(calls)} calls"]


@pytest.mark.parametrize("caller", ["anonymous", "partner_read", "partner_write", "analyst"])
def test_schemathesis_finds_no_server_errors_or_schema_violations(
    live_server, world, partner, analyst, caller
):
    token = {
        "anonymous": None,
        "partner_read": lambda: make_token(partner, write=False),
        "partner_write": lambda: make_token(partner, write=True),
        "analyst": lambda: make_token(analyst, write=True),
    }[caller]
    headers = _headers(token() if token else None)
    base_url = live_server.url
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/")
    with requests.Session() as session:
        failures = _each_operation(schema, base_url, session, headers, MAX_EXAMPLES[caller])
        failures += _stateful(schema, base_url, session, headers, SCENARIOS[caller])
    assert not failures, "\n\n".join(failures)
