"""The reference is fair: the API's documents, the API's refusals, the same connection settings.

bench/raw_reference.py is a bare WSGI app; here it is called as gunicorn calls it, on the
test database's connection (it runs inside the test's transaction), and held to the API's
answers for the same partner.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import BytesIO

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_revoke, user_set_roles, user_update
from bench import raw_reference
from cooperation.choices import Visibility
from cooperation.provenance import Basis
from cooperation.services import recommendation_transition, record_set_visibility
from cooperation.services.claims import claim_add
from cooperation.synthetic.generator import synthetic_data_generate
from tests.api.conftest import bearer, make_token
from tests.factories import RecommendationFactory
from tests.utils import clean_env, run_python


def postgres_only(test):
    needs = pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the reference speaks PostgreSQL"
    )
    return pytest.mark.postgres(needs(test))


class _SharedConnection(raw_reference.Database):
    """The reference's database, on the test's own connection (inside its transaction)."""

    def __init__(self):
        super().__init__(raw_reference.connection_settings(connection.settings_dict))

    def get(self):
        connection.ensure_connection()
        return connection.connection

    def request_finished(self):
        pass


def _call(path: str, token: str | None = None, query: str = "") -> tuple[str, dict, dict]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "wsgi.input": BytesIO(),
    }
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started = {}

    def start_response(status, headers):
        started["status"], started["headers"] = status, dict(headers)

    body = b"".join(raw_reference.Reference(_SharedConnection(), None)(environ, start_response))
    return started["status"], started["headers"], json.loads(body)


@pytest.fixture
def world(db, partner, curator):
    synthetic_data_generate(records=60, seed=5)
    # A status change made now carries microseconds, which DRF writes and the reference must.
    recommendation = RecommendationFactory(user=curator, title="Aaa first in the list")
    record_set_visibility(record=recommendation, visibility=Visibility.PUBLISHED, user=curator)
    recommendation.refresh_from_db()
    recommendation_transition(
        recommendation=recommendation, to_status="under_review", user=curator, note="Looked at"
    )
    # Claims the reference must read as the API does: a public record's citation, and two
    # sources disagreeing on the priority with none preferred (the newest is shown).
    claim_add(
        user=curator,
        record=recommendation,
        field="priority",
        value="high",
        basis=Basis.public_record(
            "Joint Statement",
            publisher="MEA",
            url="https://mea.gov.in/x",
            accessed=date(2024, 5, 1),
        ),
    )
    claim_add(
        user=curator,
        record=recommendation,
        field="priority",
        value="low",
        basis=Basis.judgement("The brief says so in passing"),
    )
    recommendation.refresh_from_db()
    return recommendation


@postgres_only
def test_reference_list_is_the_api_list_document_for_document(client, world, partner):
    token = make_token(partner)

    api = client.get("/api/v1/recommendations/", {"page_size": 20}, **bearer(token)).json()
    status, _, served = _call("/api/v1/recommendations/", token, "page_size=20")

    assert status == "200 OK"
    assert served["results"][0]["id"] == world.pk
    assert (
        served["results"][0]["status_history"][-1]["changed_at"]
        == (api["results"][0]["status_history"][-1]["changed_at"])
    )
    for ours, theirs in zip(api["results"], served["results"], strict=True):
        for key in ours:
            assert theirs[key] == ours[key], (ours["id"], key)
    assert served == api
    assert served["results"][0]["provenance"]["priority"]["disputed"] is True


@postgres_only
def test_reference_detail_is_the_api_detail_with_an_etag_of_the_same_version(
    client, world, partner
):
    token = make_token(partner)
    path = f"/api/v1/recommendations/{world.pk}/"

    api = client.get(path, **bearer(token))
    status, headers, served = _call(path, token)

    assert status == "200 OK"
    assert served == api.json()
    assert {c["basis"] for c in served["claims"]} >= {"public_record", "judgement"}
    assert headers["ETag"] == api["ETag"]
    assert api["ETag"].startswith(f'"{world.version}-')


@postgres_only
def test_reference_hides_what_a_partner_may_not_read(client, world, partner, curator):
    record_set_visibility(record=world, visibility=Visibility.INTERNAL, user=curator)
    token = make_token(partner)
    path = f"/api/v1/recommendations/{world.pk}/"

    assert client.get(path, **bearer(token)).status_code == 404
    assert _call(path, token)[0].startswith("404")


def _spoil(kind: str, partner, plaintext: str) -> str:
    token = ApiToken.objects.get(prefix=plaintext.split("_")[1])
    if kind == "revoked":
        api_token_revoke(token=token)
    elif kind == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(1))
    elif kind == "inactive":
        user_update(user=partner, data={"is_active": False})
    elif kind == "no role":
        user_set_roles(user=partner, roles=[])
    elif kind == "wrong secret":
        return plaintext[:-4] + ("aaaa" if not plaintext.endswith("aaaa") else "bbbb")
    elif kind == "unknown prefix":
        return plaintext.replace(token.prefix, "0000000000")
    elif kind == "malformed":
        return "ctr_short"
    return plaintext


@pytest.mark.parametrize(
    "kind",
    [
        "valid",
        "revoked",
        "expired",
        "inactive",
        "no role",
        "wrong secret",
        "unknown prefix",
        "malformed",
    ],
)
@postgres_only
def test_reference_accepts_and_refuses_the_tokens_the_api_does(client, partner, kind):
    plaintext = _spoil(kind, partner, make_token(partner))

    api = client.get("/api/v1/recommendations/", **bearer(plaintext))
    status, _, served = _call("/api/v1/recommendations/", plaintext)

    assert int(status.split()[0]) == api.status_code
    if api.status_code != 200:
        assert served["detail"] == api.json()["detail"]


@postgres_only
def test_reference_stamps_last_use_at_most_once_a_minute_as_the_api_does(partner):
    plaintext = make_token(partner)
    token = ApiToken.objects.get(prefix=plaintext.split("_")[1])

    _call("/api/v1/recommendations/", plaintext)
    token.refresh_from_db()
    first = token.last_used_at
    _call("/api/v1/recommendations/", plaintext)
    token.refresh_from_db()

    assert first is not None and token.last_used_at == first


# ---- connections: the portal's settings, applied the same way on both sides ----------------

PRINT_BOTH = """
import json
import django
from django.conf import settings
from django.db import connection
django.setup()
from bench import raw_reference
params = connection.get_connection_params()
reference = raw_reference.connection_settings(raw_reference._settings_module().DATABASES["default"])
print(json.dumps({
    "django": [settings.DATABASES["default"]["CONN_MAX_AGE"],
               settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
               params["cursor_factory"].__name__ == "ServerBindingCursor",
               params["prepare_threshold"]],
    "reference": [reference.max_age, reference.health_checks, reference.server_side_binding,
                  reference.prepare_threshold],
}))
"""


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        ({}, [60, True, False, None]),
        (
            {
                "DATABASE_CONN_MAX_AGE": "600",
                "DATABASE_SERVER_SIDE_BINDING": "1",
                "DATABASE_PREPARE_THRESHOLD": "5",
            },
            [600, True, True, 5],
        ),
        (
            {
                "DATABASE_CONN_MAX_AGE": "0",
                "DATABASE_CONN_HEALTH_CHECKS": "0",
                "DATABASE_PREPARE_THRESHOLD": "0",
            },
            [0, False, False, 0],
        ),
    ],
)
def test_both_sides_read_the_same_connection_settings(tmp_path, knobs, expected):
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/not_opened",
        **knobs,
    )

    result = run_python(["-c", PRINT_BOTH], env)

    assert result.returncode == 0, result.stderr
    both = json.loads(result.stdout)
    assert both["django"] == both["reference"] == expected


SHOW_COLLECTOR = "import gc, json\n{load}\nprint(json.dumps(gc.get_threshold()))"


def test_both_sides_run_the_garbage_collector_alike(tmp_path):
    """The portal's workers tune the collector at start-up (portal/startup.py); the
    reference's workers run under the same settings."""
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/not_opened",
    )
    loads = {
        "portal": "import portal.wsgi",
        "reference": "from bench import raw_reference\nraw_reference.make_application()",
        "bare": "",
    }
    found = {}
    for side, load in loads.items():
        result = run_python(["-c", SHOW_COLLECTOR.format(load=load)], env)
        assert result.returncode == 0, result.stderr
        found[side] = json.loads(result.stdout)
    assert found["portal"] == found["reference"] != found["bare"]


def test_a_negative_prepare_threshold_is_refused_in_one_line(tmp_path):
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/not_opened",
        DATABASE_PREPARE_THRESHOLD="-1",
    )

    result = run_python(["manage.py", "check"], env)

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "contours: configuration error: DATABASE_PREPARE_THRESHOLD must be 0 or more."
    ]


@postgres_only
@pytest.mark.django_db
def test_reference_keeps_checks_and_closes_its_connection_as_django_does():
    base = raw_reference.connection_settings(connection.settings_dict)

    kept = raw_reference.Database(base.__class__(**{**base.__dict__, "max_age": None}))
    kept.request_started()
    first = kept.get()
    kept.request_finished()
    kept.request_started()
    assert kept.get() is first  # persistent, health-checked once per request
    first.close()
    kept.request_finished()
    kept.request_started()
    assert kept.get() is not first and not kept.connection.closed  # a closed one is replaced
    kept.connection.close()

    each = raw_reference.Database(base.__class__(**{**base.__dict__, "max_age": 0}))
    each.request_started()
    opened = each.get()
    each.request_finished()
    assert opened.closed and each.connection is None


@postgres_only
@pytest.mark.django_db
def test_reference_binds_on_the_server_and_prepares_when_the_settings_say_so():
    base = raw_reference.connection_settings(connection.settings_dict)
    settings = base.__class__(
        **{**base.__dict__, "server_side_binding": True, "prepare_threshold": 0}
    )
    database = raw_reference.Database(settings)
    database.request_started()
    opened = database.get()
    try:
        assert opened.cursor_factory is psycopg.Cursor and opened.prepare_threshold == 0
        opened.execute("SELECT %s::int", [1])
        prepared = opened.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
        assert prepared >= 1
    finally:
        opened.close()
