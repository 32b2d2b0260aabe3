"""Settings from the environment (portal/settings.py, portal/env.py, manage.py, portal/wsgi.py).

Each case runs in a fresh process with production settings (portal.settings), because
the settings module reads the environment once, at import.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list
from tests.utils import clean_env, run_python

PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]), "HOST": db.get("HOST", ""),
    "PORT": str(db.get("PORT", "")), "USER": db.get("USER", ""),
    "DEBUG": settings.DEBUG, "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
}))
"""


def _production_env(tmp_path, **overrides):
    return clean_env(tmp_path, DJANGO_SETTINGS_MODULE="portal.settings", **overrides)


def _settings(tmp_path, **env) -> dict:
    result = run_python(["-c", PRINT_SETTINGS], _production_env(tmp_path, **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _assert_one_line_refusal(result, *needles: str) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("contours: configuration error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr


# -- refusing to start ----------------------------------------------------------------------


@pytest.mark.parametrize("debug", ["0", None], ids=["DJANGO_DEBUG=0", "DJANGO_DEBUG-unset"])
def test_manage_check_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path, debug):
    env = _production_env(tmp_path, DJANGO_DEBUG=debug)
    assert "DJANGO_SECRET_KEY" not in env

    result = run_python(["manage.py", "check"], env)

    _assert_one_line_refusal(result, "DJANGO_SECRET_KEY is not set")


def test_manage_check_refuses_a_debug_value_it_cannot_read(tmp_path):
    env = _production_env(tmp_path, DJANGO_DEBUG="maybe", DJANGO_SECRET_KEY="k" * 50)

    result = run_python(["manage.py", "check"], env)

    _assert_one_line_refusal(result, "DJANGO_DEBUG must be one of", "'maybe'")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("foo://db/contours", "DATABASE_URL is not a database URL Contours can use"),
        ("not a url at all", "DATABASE_URL is not a database URL Contours can use"),
        # A scheme dj-database-url knows but Contours does not run on: no driver traceback.
        ("mysql://contours@db/contours", "DATABASE_URL names a mysql database"),
    ],
)
def test_manage_check_refuses_a_database_url_it_cannot_use(tmp_path, url, says):
    env = _production_env(tmp_path, DJANGO_SECRET_KEY="k" * 50, DATABASE_URL=url)

    result = run_python(["manage.py", "check"], env)

    _assert_one_line_refusal(result, says)


def test_wsgi_refuses_to_start_without_a_secret_key_in_one_line(tmp_path):
    result = run_python(["-c", "import portal.wsgi"], _production_env(tmp_path, DJANGO_DEBUG="0"))

    _assert_one_line_refusal(result, "DJANGO_SECRET_KEY")


@pytest.mark.parametrize(
    "env",
    [{"DJANGO_DEBUG": "1"}, {"DJANGO_DEBUG": "off", "DJANGO_SECRET_KEY": "k" * 50}],
    ids=["debug-without-key", "production-with-key"],
)
def test_manage_check_passes_with_a_usable_environment(tmp_path, env):
    result = run_python(["manage.py", "check"], _production_env(tmp_path, **env))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


# -- what the environment selects -----------------------------------------------------------


def test_database_url_postgres_selects_the_postgresql_engine(tmp_path):
    values = _settings(
        tmp_path,
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://contours:secret@db.example:5433/contours",
    )

    assert (values["ENGINE"], values["NAME"], values["HOST"], values["PORT"]) == (
        "django.db.backends.postgresql",
        "contours",
        "db.example",
        "5433",
    )
    assert values["USER"] == "contours"


def test_without_database_url_sqlite_lives_under_the_var_directory(tmp_path):
    values = _settings(tmp_path, DJANGO_DEBUG="1")

    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(tmp_path / "var" / "contours.sqlite3")
    assert (tmp_path / "var").is_dir()


def test_an_empty_database_url_counts_as_unset(tmp_path):
    values = _settings(tmp_path, DJANGO_DEBUG="1", DATABASE_URL="")

    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(tmp_path / "var" / "contours.sqlite3")


def test_debug_on_allows_local_hosts_and_production_reads_the_host_list(tmp_path):
    development = _settings(tmp_path, DJANGO_DEBUG="yes")
    production = _settings(
        tmp_path,
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS=" contours.example , api.contours.example ,",
    )

    assert (development["DEBUG"], development["ALLOWED_HOSTS"]) == (
        True,
        ["localhost", "127.0.0.1", "[::1]"],
    )
    assert (production["DEBUG"], production["ALLOWED_HOSTS"]) == (
        False,
        ["contours.example", "api.contours.example"],
    )
    assert production["SESSION_COOKIE_SECURE"] is True


# -- portal/env.py --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, value):
    monkeypatch.setenv("CONTOURS_FLAG", raw)

    assert env_bool("CONTOURS_FLAG") is value


def test_env_bool_uses_the_default_when_unset_and_refuses_anything_else(monkeypatch):
    monkeypatch.delenv("CONTOURS_FLAG", raising=False)
    assert env_bool("CONTOURS_FLAG", default=True) is True

    monkeypatch.setenv("CONTOURS_FLAG", "sometimes")
    with pytest.raises(ImproperlyConfigured, match="got 'sometimes'"):
        env_bool("CONTOURS_FLAG")


def test_env_int_and_env_list(monkeypatch):
    monkeypatch.setenv("CONTOURS_NUMBER", "42")
    monkeypatch.setenv("CONTOURS_EMPTY", " ")
    monkeypatch.setenv("CONTOURS_LIST", "a, b,,c ")

    assert env_int("CONTOURS_NUMBER", 1) == 42
    assert env_int("CONTOURS_EMPTY", 7) == 7
    assert env_list("CONTOURS_LIST", []) == ["a", "b", "c"]
    assert env_list("CONTOURS_UNSET_LIST", ["x"]) == ["x"]

    monkeypatch.setenv("CONTOURS_NUMBER", "20MB")
    with pytest.raises(ImproperlyConfigured, match="must be a whole number; got '20MB'"):
        env_int("CONTOURS_NUMBER", 1)
