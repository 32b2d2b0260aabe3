"""API tokens: hashed at rest, shown once, revocable one by one, with history."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_find, api_token_revoke, api_token_touch
from tests.factories import AdminFactory, UserFactory
from tests.utils import clean_env, history_rows, run_python, subprocess_database_url

pytestmark = pytest.mark.django_db


def test_api_token_create_stores_only_a_hash_and_returns_the_plaintext_once(partner):
    token, plaintext = api_token_create(user=partner, name="Nightly sync", expires_days=30)
    stored = ApiToken.objects.get(pk=token.pk)
    assert plaintext.startswith(f"ctr_{stored.prefix}_")
    assert stored.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in str(
        ApiToken.objects.filter(pk=token.pk).values().first()
    )  # nowhere in the row
    assert stored.can_write is False
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)
    assert api_token_find(plaintext) == stored


def test_api_token_find_refuses_a_wrong_secret_with_a_known_prefix(partner):
    token, plaintext = api_token_create(user=partner, name="t")
    forged = f"ctr_{token.prefix}_" + "x" * 43
    assert api_token_find(forged) is None
    assert api_token_find("") is None
    assert api_token_find("ctr_nounderscore") is None
    assert api_token_find(plaintext + "x") is None


def test_api_token_create_writes_one_history_row_without_the_hash(partner, admin):
    token, _ = api_token_create(user=partner, name="t", actor=admin)
    rows = history_rows(token)
    assert len(rows) == 1
    assert rows[0].history_user == admin
    assert not hasattr(rows[0], "key_hash")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "expires_days": 0}, "expires_days"),
        ({"name": "ok", "expires_days": 100_000}, "expires_days"),
    ],
)
def test_api_token_create_refuses_bad_input(partner, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        api_token_create(user=partner, **kwargs)
    assert field in excinfo.value.message_dict
    assert not ApiToken.objects.exists()


def test_api_token_create_refuses_a_user_without_a_role(db):
    nobody = UserFactory(roles=[])
    with pytest.raises(ValidationError) as excinfo:
        api_token_create(user=nobody, name="t")
    assert "user" in excinfo.value.message_dict


def test_api_token_revoke_is_recorded_once(partner, admin):
    token, _ = api_token_create(user=partner, name="t")
    api_token_revoke(token=token, actor=admin)
    api_token_revoke(token=token, actor=admin)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert [row.history_change_reason for row in history_rows(token)] == ["Revoked", "Created"]


def test_api_token_touch_writes_at_most_once_a_minute(partner, django_assert_num_queries):
    token, _ = api_token_create(user=partner, name="t")
    with django_assert_num_queries(1):
        api_token_touch(token)
    first = token.last_used_at
    with django_assert_num_queries(0):
        api_token_touch(token)
    token.refresh_from_db()
    assert token.last_used_at == first
    assert len(history_rows(token)) == 1  # use is not a change


# ---- create_api_token ---------------------------------------------------------------------


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_api_token_prints_the_token_once_on_stdout(partner):
    out, err = _run("--user", partner.email.upper(), "--name", "sync", "--write")
    plaintext = out.strip()
    token = api_token_find(plaintext)
    assert token is not None and token.user == partner and token.can_write
    assert plaintext not in err
    assert "sync" in err and "never" in err


def test_create_api_token_with_expiry(analyst):
    out, _ = _run("--user", analyst.email, "--name", "ci", "--expires-days", "7")
    assert api_token_find(out.strip()).expires_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.org", "--name", "x"], "no user"),
        (["--user", "{email}", "--name", " "], "name"),
        (["--user", "{email}", "--name", "x", "--expires-days", "0"], "expires_days"),
    ],
)
def test_create_api_token_refuses_bad_input_and_writes_nothing(partner, args, message):
    args = [a.format(email=partner.email) for a in args]
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not ApiToken.objects.exists()


def test_create_api_token_usage_error_is_one_line_and_non_zero(partner, tmp_path):
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        DATABASE_URL=subprocess_database_url(),
    )
    args = ["--user", partner.email, "--name", "x", "--expires-days", "z"]
    result = run_python(["manage.py", "create_api_token", *args], env)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not ApiToken.objects.exists()


# ---- admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_token_admin_add_shows_the_token_once(admin_client, partner):
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": partner.pk, "name": "From admin", "can_write": "on", "expires_days": "10"},
        follow=True,
    )
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    plaintext = next(m.split(": ")[-1] for m in shown if "not be shown again" in m)
    assert api_token_find(plaintext) == token
    assert token.can_write and token.expires_at is not None
    change = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    listing = admin_client.get(reverse("admin:accounts_apitoken_changelist"))
    for page in (change, listing):
        assert page.status_code == 200
        assert plaintext.encode() not in page.content
        assert token.key_hash.encode() not in page.content


def test_token_admin_add_refuses_a_user_without_a_role(admin_client, db):
    nobody = UserFactory(roles=[])
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"), {"user": nobody.pk, "name": "x"}
    )
    assert response.status_code == 200
    assert "no role" in str(response.context["adminform"].form.errors)
    assert not ApiToken.objects.exists()


def test_token_admin_revokes_selected_tokens(admin_client, partner):
    first, _ = api_token_create(user=partner, name="one")
    second, _ = api_token_create(user=partner, name="two")
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [first.pk]},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None


def test_api_token_services_refuse_people_without_the_admin_role(partner, analyst, curator):
    for person in (partner, analyst, curator):
        with pytest.raises(PermissionDenied):
            api_token_create(user=partner, name="Mine", actor=person)
    token, _ = api_token_create(user=partner, name="Issued by the system")
    for person in (partner, analyst, curator):
        with pytest.raises(PermissionDenied):
            api_token_revoke(token=token, actor=person)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1
