"""The database budgets (portal/database.py): from the environment, checked, and applied to
every connection of a process according to what the process is (web or command)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from portal.database import (
    DEFAULTS,
    DatabaseBudget,
    budget_from_env,
    role_for_command_line,
    with_budget,
)
from tests.utils import clean_env, run_python, subprocess_database_url

SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    for name in ('lock_timeout', 'statement_timeout', "
    "'idle_in_transaction_session_timeout'):\n"
    "        c.execute('SHOW ' + name); print(c.fetchone()[0])\n"
)


def test_the_defaults_bound_every_wait_of_a_request():
    web, command = DEFAULTS["web"], DEFAULTS["command"]

    assert (web.lock_timeout_ms, web.statement_timeout_ms) == (3_000, 10_000)
    assert web.idle_in_transaction_timeout_ms == 15_000
    assert command.lock_timeout_ms > web.lock_timeout_ms
    assert command.statement_timeout_ms > web.statement_timeout_ms
    assert web.libpq_options() == (
        "-c lock_timeout=3000 -c statement_timeout=10000 "
        "-c idle_in_transaction_session_timeout=15000"
    )


def test_each_value_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CONTOURS_WEB_LOCK_TIMEOUT_MS", "1500")
    monkeypatch.setenv("CONTOURS_COMMAND_STATEMENT_TIMEOUT_MS", "0")

    assert budget_from_env("web").lock_timeout_ms == 1500
    assert budget_from_env("command").statement_timeout_ms == 0  # commands may run unbounded


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CONTOURS_WEB_STATEMENT_TIMEOUT_MS": "0"}, "must be at least 1; got 0"),
        ({"CONTOURS_WEB_LOCK_TIMEOUT_MS": "-5"}, "must be at least 1; got -5"),
        ({"CONTOURS_WEB_LOCK_TIMEOUT_MS": "soon"}, "must be a whole number; got 'soon'"),
        (
            {"CONTOURS_WEB_LOCK_TIMEOUT_MS": "20000"},
            "CONTOURS_WEB_LOCK_TIMEOUT_MS (20000) is longer than",
        ),
    ],
)
def test_a_budget_a_request_could_wait_forever_on_is_refused(monkeypatch, env, says):
    for name in ("LOCK_TIMEOUT_MS", "STATEMENT_TIMEOUT_MS", "IDLE_TRANSACTION_TIMEOUT_MS"):
        monkeypatch.delenv(f"CONTOURS_WEB_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=says.replace("(", r"\(").replace(")", r"\)")):
        budget_from_env("web")


def test_options_already_in_the_database_url_are_kept():
    database = {"OPTIONS": {"options": "-c search_path=contours"}}
    with_budget(database, DatabaseBudget(1, 2, 3))

    assert database["OPTIONS"]["options"] == (
        "-c search_path=contours -c lock_timeout=1 -c statement_timeout=2 "
        "-c idle_in_transaction_session_timeout=3"
    )


def test_manage_py_commands_get_the_command_budget_and_runserver_the_web_one():
    assert role_for_command_line(["manage.py", "import_source", "x.txt"]) == "command"
    assert role_for_command_line(["manage.py", "migrate"]) == "command"
    assert role_for_command_line(["manage.py", "runserver"]) == "web"
    assert role_for_command_line(["manage.py"]) == "command"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_postgresql_sessions_start_with_their_process_budget(tmp_path):
    env = clean_env(
        tmp_path, DATABASE_URL=subprocess_database_url(), DJANGO_SECRET_KEY="budget-test"
    )
    # A management command, as an operator runs it.
    command = run_python(["manage.py", "shell", "--no-imports", "-c", SHOW], env)
    # The web server's process: the WSGI application's settings, no manage.py.
    web = run_python(
        ["-c", "import portal.wsgi\n" + SHOW],
        {**env, "CONTOURS_WEB_LOCK_TIMEOUT_MS": "2500"},
    )

    assert command.stdout.split() == ["1min", "1h", "10min"], command.stderr
    assert web.stdout.split() == ["2500ms", "10s", "15s"], web.stderr
