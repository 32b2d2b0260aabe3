"""Rate limits over real HTTP with the production cache (Redis): failed tokens are throttled
per address before any token lookup, and every API answer carries the IETF RateLimit fields
(draft-ietf-httpapi-ratelimit-headers:
`RateLimit-Policy: "p";q=..;w=..`, `RateLimit: "p";r=..;t=..`).
"""

from __future__ import annotations

import re
import socket

import pytest
import requests
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings

from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db(transaction=True)

# The http helper's own Redis database (the bench uses 5); flushed around each test.
REDIS_URL = "redis://127.0.0.1:6379/2"
POLICY = re.compile(r'^"(?P<name>[a-z_]+)";q=(?P<q>[0-9]+);w=(?P<w>[0-9]+)$')
STATE = re.compile(r'^"(?P<name>[a-z_]+)";r=(?P<r>[0-9]+);t=(?P<t>[0-9]+)$')
BAD = {"Authorization": "Bearer ctr_0000000000_" + "a" * 43}


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache():
    if not _redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "portal.redis_cache.ContoursRedisCache",
                "LOCATION": REDIS_URL,
            }
        }
    ):
        cache.clear()
        yield cache
        cache.clear()


def _rates(**rates):
    base = {"client": "1000/minute", "anon": "1000/minute", "token_failure": "1000/minute"}
    return override_settings(
        REST_FRAMEWORK={
            **api_settings.user_settings,
            "DEFAULT_THROTTLE_RATES": {**base, **rates},
        }
    )


def _get(live_server, path, **headers):
    return requests.get(live_server.url + path, headers=headers, timeout=30)


def _fields(response) -> tuple[dict, dict]:
    policy = POLICY.match(response.headers["RateLimit-Policy"])
    state = STATE.match(response.headers["RateLimit"])
    assert policy and state, (response.headers["RateLimit-Policy"], response.headers["RateLimit"])
    assert policy["name"] == state["name"]
    return policy.groupdict(), state.groupdict()


def test_repeated_bad_tokens_from_one_address_get_429_before_any_lookup(
    live_server, redis_cache, partner, monkeypatch
):
    from accounts import authentication

    good = make_token(partner)
    lookups = []
    real_find = authentication.api_token_find

    def counted_find(plaintext):
        lookups.append(plaintext)
        return real_find(plaintext)

    monkeypatch.setattr(authentication, "api_token_find", counted_find)
    with _rates(token_failure="3/hour"):
        codes = [_get(live_server, "/api/v1/topics/", **BAD).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        assert len(lookups) == 3
        refused = _get(live_server, "/api/v1/topics/", **BAD)
        assert refused.status_code == 429
        assert len(lookups) == 3  # refused before the token was looked up
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
        assert refused.headers["Content-Type"].split(";")[0] in (
            "application/problem+json",
            "application/json",
        )
        assert refused.json()["code"] == "throttled"
        policy, state = _fields(refused)
        assert policy == {"name": "token_failure", "q": "3", "w": "3600"}
        assert state["r"] == "0" and 0 < int(state["t"]) <= 3600
        # A good token from the same address waits too: telling them apart needs the lookup.
        assert _get(live_server, "/api/v1/topics/", Authorization=f"Bearer {good}").status_code == (
            429
        )
        # The count lives in the shared cache (Redis), not in the web process.
        assert any(b"token_failure" in key for key in cache._cache.get_client().keys("*"))


def test_a_forged_x_forwarded_for_does_not_buy_a_fresh_bucket(live_server, redis_cache):
    with _rates(token_failure="2/hour"):
        for n in range(2):
            _get(live_server, "/api/v1/topics/", **BAD, **{"X-Forwarded-For": f"10.0.0.{n}"})
        forged = _get(live_server, "/api/v1/topics/", **BAD, **{"X-Forwarded-For": "10.9.9.9"})
        assert forged.status_code == 429


def test_the_anonymous_rate_counts_by_address_not_by_forwarded_header(live_server, redis_cache):
    with _rates(anon="2/hour"):
        codes = [
            _get(live_server, "/api/v1/topics/", **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code
            for n in range(3)
        ]
    assert codes == [401, 401, 429]


def test_every_api_answer_carries_the_ratelimit_fields(live_server, redis_cache, partner, world):
    token = make_token(partner)
    auth = {"Authorization": f"Bearer {token}"}
    with _rates(client="5/minute", anon="7/hour"):
        answers = {
            "list": _get(live_server, "/api/v1/topics/", **auth),
            "detail": _get(live_server, f"/api/v1/actors/{world.actor.pk}/", **auth),
            "hidden 404": _get(
                live_server,
                f"/api/v1/agreements/{world.records['agreements']['internal'].pk}/",
                **auth,
            ),
            "bad filter": _get(live_server, "/api/v1/agreements/?ordering=nonsense", **auth),
            "405": requests.delete(
                f"{live_server.url}/api/v1/sources/{world.published_source.pk}/",
                headers=auth,
                timeout=30,
            ),
            "unknown path": _get(live_server, "/api/v1/nothing-here/", **auth),
        }
        for name, response in answers.items():
            policy, state = _fields(response)
            assert policy == {"name": "client", "q": "5", "w": "60"}, name
            assert 0 < int(state["t"]) <= 60, name
        remaining = [int(_fields(r)[1]["r"]) for r in answers.values()]
        assert remaining[:5] == [4, 3, 2, 1, 0]
        assert answers["unknown path"].status_code in (404, 429)

        anonymous = _get(live_server, "/api/v1/topics/")
        assert anonymous.status_code == 401
        assert _fields(anonymous) == (
            {"name": "anon", "q": "7", "w": "3600"},
            {"name": "anon", "r": "6", "t": _fields(anonymous)[1]["t"]},
        )
        bad = _get(live_server, "/api/v1/topics/", **BAD)
        assert bad.status_code == 401
        assert _fields(bad)[0]["name"] == "token_failure"


def test_over_the_rate_is_429_with_retry_after_and_zero_remaining(
    live_server, redis_cache, partner
):
    auth = {"Authorization": f"Bearer {make_token(partner)}"}
    with _rates(client="2/hour"):
        codes = [_get(live_server, "/api/v1/topics/", **auth).status_code for _ in range(2)]
        refused = _get(live_server, "/api/v1/topics/", **auth)
    assert codes == [200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert _fields(refused)[1]["r"] == "0"


# ---- the Bearer check: one round trip, and buckets a forger cannot reach -------------------


def _forged(token: str, n: int) -> str:
    """The token's prefix (not secret: tokens are listed by it) with a made-up secret."""
    prefix = token.rsplit("_", 1)[0]
    return f"{prefix}_{'f' * 40}{n:03d}"


def _round_trips(monkeypatch) -> list:
    """Each write of packed commands to Redis: one round trip, a pipeline or a script."""
    from redis.connection import AbstractConnection

    sent = []
    original = AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)
    return sent


def test_a_bearer_request_costs_one_redis_round_trip(redis_cache, partner, monkeypatch):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {make_token(partner)}")
    with _rates(client="5/minute"):
        assert client.get("/api/v1/topics/").status_code == 200  # loads the script
        sent = _round_trips(monkeypatch)
        answer = client.get("/api/v1/topics/")
    assert answer.status_code == 200
    assert len(sent) == 1, sent
    assert _fields(answer) == (
        {"name": "client", "q": "5", "w": "60"},
        {"name": "client", "r": "3", "t": _fields(answer)[1]["t"]},
    )


def test_the_check_survives_a_server_that_forgot_its_scripts(redis_cache, partner):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {make_token(partner)}")
    with _rates(client="5/minute"):
        assert client.get("/api/v1/topics/").status_code == 200
        cache._cache.get_client(write=True).script_flush()  # a restarted Redis
        answer = client.get("/api/v1/topics/")
    assert answer.status_code == 200
    assert _fields(answer)[1]["r"] == "3"


@pytest.mark.parametrize("shared", ["redis", "in-process"])
def test_forged_secrets_on_a_real_prefix_do_not_spend_that_tokens_quota(request, partner, shared):
    """A token's prefix is not secret; its quota must be reachable only with the token."""
    from django.test import Client

    if shared == "redis":
        request.getfixturevalue("redis_cache")
    token = make_token(partner)
    with _rates(client="3/hour", token_failure="1000/hour"):
        forger = Client()
        codes = [
            forger.get(
                "/api/v1/topics/", HTTP_AUTHORIZATION=f"Bearer {_forged(token, n)}"
            ).status_code
            for n in range(6)
        ]
        owner = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        answers = [owner.get("/api/v1/topics/") for _ in range(4)]
    assert codes == [401] * 6
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [_fields(a)[1]["r"] for a in answers] == ["2", "1", "0", "0"]


def test_over_the_failure_rate_no_bucket_is_made_for_a_guess(redis_cache, partner):
    from django.test import Client

    token = make_token(partner)
    redis = cache._cache.get_client(write=True)
    with _rates(token_failure="2/hour"):
        guesser = Client()
        for n in range(2):
            assert (
                guesser.get(
                    "/api/v1/topics/", HTTP_AUTHORIZATION=f"Bearer {_forged(token, n)}"
                ).status_code
                == 401
            )
        before = len(redis.keys("*ratelimit:client:*"))
        for n in range(2, 12):
            refused = guesser.get(
                "/api/v1/topics/", HTTP_AUTHORIZATION=f"Bearer {_forged(token, n)}"
            )
            assert refused.status_code == 429
            assert _fields(refused)[0]["name"] == "token_failure"
        assert len(redis.keys("*ratelimit:client:*")) == before


def test_the_bucket_names_neither_the_token_nor_its_stored_hash(redis_cache, partner):
    from django.test import Client

    from accounts.models import ApiToken

    token = make_token(partner)
    with _rates(client="5/minute"):
        assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/topics/").status_code == (
            200
        )
    keys = b" ".join(cache._cache.get_client(write=True).keys("*"))
    stored = ApiToken.objects.get(user=partner).key_hash
    assert b"ratelimit:client:bearer-" in keys
    for secret in (token, stored, token.rsplit("_", 1)[1]):
        assert secret.encode() not in keys


@pytest.mark.parametrize("why", ["unknown", "revoked", "expired", "inactive", "malformed"])
def test_a_refused_token_leaves_no_bucket_behind(redis_cache, partner, why):
    """Each string sent would otherwise keep a counter for a whole window: one refused
    token costs the failure count only."""
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from accounts.models import ApiToken

    token = make_token(partner)
    sent = {
        "unknown": _forged(token, 1),
        "malformed": "not-a-token",
        "revoked": token,
        "expired": token,
        "inactive": token,
    }[why]
    stored = ApiToken.objects.get(user=partner)
    if why == "revoked":
        ApiToken.objects.filter(pk=stored.pk).update(revoked_at=timezone.now())
    elif why == "expired":
        ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - timedelta(days=1))
    elif why == "inactive":
        type(partner).objects.filter(pk=partner.pk).update(is_active=False)
    redis = cache._cache.get_client(write=True)
    with _rates(client="5/minute"):
        answer = Client(HTTP_AUTHORIZATION=f"Bearer {sent}").get("/api/v1/topics/")
    assert answer.status_code == 401
    assert _fields(answer)[0]["name"] == "token_failure"
    assert redis.keys("*ratelimit:client:*") == []
    assert len(redis.keys("*ratelimit:token_failure:*")) == 1


@pytest.mark.parametrize("unlimited", ["client", "token_failure"])
def test_either_policy_may_be_switched_off(redis_cache, partner, unlimited):
    from django.test import Client

    token = make_token(partner)
    base = {"client": "2/minute", "token_failure": "1/hour"}
    rates = {name: (None if name == unlimited else value) for name, value in base.items()}
    with override_settings(
        REST_FRAMEWORK={
            **api_settings.user_settings,
            "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", **rates},
        }
    ):
        owner = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        codes = [owner.get("/api/v1/topics/").status_code for _ in range(3)]
        guesser = Client(HTTP_AUTHORIZATION=f"Bearer {_forged(token, 7)}")
        guesses = [guesser.get("/api/v1/topics/").status_code for _ in range(2)]
    if unlimited == "client":
        assert codes == [200, 200, 200]
        assert guesses == [401, 429]
    else:
        assert codes == [200, 200, 429]
        assert guesses == [401, 401]


def test_the_change_feed_carries_the_ratelimit_fields(redis_cache, partner):
    from django.test import Client

    with _rates(client="5/minute"):
        answer = Client(HTTP_AUTHORIZATION=f"Bearer {make_token(partner)}").get("/api/v1/changes/")
    assert answer.status_code == 200
    assert _fields(answer)[0] == {"name": "client", "q": "5", "w": "60"}


def test_buckets_are_keyed_with_the_secret_key(settings):
    from portal.ratelimit import token_bucket

    first = token_bucket("ctr_abc_" + "x" * 40)
    settings.SECRET_KEY = "another secret key, long enough to be a real one" * 2
    assert token_bucket("ctr_abc_" + "x" * 40) != first
