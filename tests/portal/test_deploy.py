"""How Contours is run: gunicorn's settings, the systemd unit and docker-compose, read and checked.

What they promise: the application always answers before gunicorn (or systemd, or Docker)
gives up on a request; a dead server is restarted; it counts as started only once /healthz
answers; stopping lets requests in flight finish; workers never outlive their master (that
last one is shown for real in tests/trust/test_faults.py).
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

from portal.database import DEFAULTS, REQUEST_ATTEMPTS, budget_from_env, request_seconds
from tests.utils import BASE_DIR, clean_env, run_python

GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
UNIT = BASE_DIR / "deploy" / "contours.service"
WORKER_UNIT = BASE_DIR / "deploy" / "contours-worker.service"
HEALTHCHECK = BASE_DIR / "deploy" / "healthcheck.py"
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()


def _gunicorn_settings(monkeypatch, **env) -> dict:
    """deploy/gunicorn.conf.py's settings, read as gunicorn reads them, with `env` set."""
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    for name in (
        "GUNICORN_TIMEOUT",
        "GUNICORN_GRACEFUL_TIMEOUT",
        "GUNICORN_THREADS",
        "WEB_CONCURRENCY",
        "CONTOURS_WRITE_SLOTS",  # (the file sets it for the workers; restored after the test)
        "CONTOURS_WEB_LOCK_TIMEOUT_MS",
        "CONTOURS_WEB_STATEMENT_TIMEOUT_MS",
        "CONTOURS_WEB_IDLE_TRANSACTION_TIMEOUT_MS",
    ):
        monkeypatch.setenv(name, "")  # empty: the default
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def _unit(path: Path = UNIT) -> dict[str, dict[str, list[str]]]:
    """The unit's sections, each key with every value it is given (systemd allows repeats)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "min": 60}
    for unit, factor in units.items():
        if value.endswith(unit) and value[: -len(unit)].isdigit():
            return int(value[: -len(unit)]) * factor
    return float(value)


# -- gunicorn ---------------------------------------------------------------------------------


def test_gunicorn_gives_the_application_time_to_answer_first(monkeypatch):
    conf = _gunicorn_settings(monkeypatch)
    web = budget_from_env("web")

    assert web == DEFAULTS["web"]
    # Two attempts of the longest statement the web budget allows, plus a margin.
    needed = request_seconds(web)
    assert needed == REQUEST_ATTEMPTS * web.statement_timeout_ms / 1000 + 5
    assert conf["timeout"] > needed
    assert conf["graceful_timeout"] > needed
    # A lock wait is part of its statement: the lock timeout is the shorter.
    assert web.lock_timeout_ms < web.statement_timeout_ms
    # Threads: a request waiting on a lock holds one thread, not the whole worker.
    assert conf["worker_class"] == "gthread" and conf["threads"] >= 2
    # Writes may take only part of them: the rest stay free for reads and /healthz.
    assert 1 <= conf["write_slots"] < conf["threads"]
    assert os.environ["CONTOURS_WRITE_SLOTS"] == str(conf["write_slots"])
    assert callable(conf["post_fork"])


def test_gunicorn_refuses_to_start_with_timeouts_the_application_cannot_meet(tmp_path):
    env = clean_env(
        tmp_path,
        DJANGO_SECRET_KEY="deploy-test-only",
        CONTOURS_WEB_STATEMENT_TIMEOUT_MS="20000",  # 2 x 20 s + 5 s > 30 s
    )
    command = ["-m", "gunicorn", "--config", str(GUNICORN_CONF), "--check-config"]

    refused = run_python([*command, "portal.wsgi:application"], env)
    env["GUNICORN_TIMEOUT"] = env["GUNICORN_GRACEFUL_TIMEOUT"] = "60"
    accepted = run_python([*command, "portal.wsgi:application"], env)

    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1] == (
        "contours: configuration error: GUNICORN_TIMEOUT (30 s) must be longer than the longest "
        "a request may spend on the database (45 s: two attempts of "
        "CONTOURS_WEB_STATEMENT_TIMEOUT_MS=20000 ms plus a margin), so that the application "
        "always answers first."
    )
    assert accepted.returncode == 0, accepted.stderr


# -- systemd ----------------------------------------------------------------------------------


def test_the_systemd_unit_restarts_waits_for_healthz_and_stops_gracefully(monkeypatch):
    service = _unit()["Service"]
    conf = _gunicorn_settings(monkeypatch)

    def one(key: str) -> str:
        [value] = service[key]
        return value

    # Started by gunicorn's own readiness note, then only counted up once /healthz answers.
    assert (one("Type"), one("NotifyAccess")) == ("notify", "main")
    start = one("ExecStart").split()
    assert start[0].endswith("/gunicorn") and start[-1] == "portal.wsgi:application"
    assert start[start.index("--config") + 1] == "deploy/gunicorn.conf.py"
    probe = one("ExecStartPost").split()
    assert probe[1] == "deploy/healthcheck.py" and float(probe[probe.index("--wait") + 1]) > 0
    assert _seconds(one("TimeoutStartSec")) > float(probe[probe.index("--wait") + 1])
    # Restarted when it dies, after a pause, but not in an endless loop.
    assert one("Restart") in ("on-failure", "always") and _seconds(one("RestartSec")) > 0
    unit = _unit()["Unit"]
    assert int(unit["StartLimitBurst"][0]) > 1
    # SIGTERM to the master, which drains; SIGKILL to every process left after the grace time.
    assert (one("KillMode"), one("KillSignal")) == ("mixed", "SIGTERM")
    assert _seconds(one("TimeoutStopSec")) > conf["graceful_timeout"]
    # Not root, and only var/ writable.
    assert one("User") not in ("", "root")
    assert one("ReadWritePaths").endswith("/var") and one("ProtectSystem") == "strict"
    assert one("ExecReload") == "/bin/kill -s HUP $MAINPID"


def test_the_systemd_unit_names_files_that_exist_and_systemd_accepts_it(tmp_path):
    service = _unit()["Service"]
    root = service["WorkingDirectory"][0]
    for command in (service["ExecStart"][0], service["ExecStartPost"][0]):
        for word in command.split():
            if word.startswith("deploy/"):
                assert (BASE_DIR / word).is_file(), word
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # Verified as it would be installed, with this checkout standing in for /srv/contours.
    unit = tmp_path / "contours.service"
    unit.write_text(UNIT.read_text().replace(root, str(BASE_DIR)))
    venv = BASE_DIR / ".venv" / "bin"
    if not (venv / "gunicorn").exists():
        pytest.skip("no .venv here to stand in for the installed one")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_the_readiness_probe_waits_for_healthz_to_answer_200(live_server, tmp_path):
    assert resolve("/healthz").url_name == "healthz"
    env = clean_env(tmp_path, DJANGO_ALLOWED_HOSTS="localhost")

    ready = run_python(
        [str(HEALTHCHECK), "--url", f"{live_server.url}/healthz", "--wait", "30"], env
    )
    closed = run_python([str(HEALTHCHECK), "--url", "http://127.0.0.1:9/healthz"], env)

    assert ready.returncode == 0, ready.stderr
    assert closed.returncode == 1
    assert closed.stderr == "contours: http://127.0.0.1:9/healthz did not answer 200 within 0 s\n"


# -- Docker -----------------------------------------------------------------------------------


def test_docker_runs_gunicorn_with_the_same_settings_and_stops_gracefully(monkeypatch):
    conf = _gunicorn_settings(monkeypatch)
    web = COMPOSE["services"]["web"]

    assert (
        'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "portal.wsgi:application"]'
        in DOCKERFILE
    )
    assert conf["bind"] == "0.0.0.0:8000" and "EXPOSE 8000" in DOCKERFILE
    assert "HEALTHCHECK" in DOCKERFILE and "http://127.0.0.1:8000/healthz" in DOCKERFILE
    # Restarted when it dies; given longer than gunicorn's grace time to stop.
    assert web["restart"] == "unless-stopped" and COMPOSE["services"]["db"]["restart"]
    assert _seconds(web["stop_grace_period"]) > conf["graceful_timeout"]
    # The database's budget comes from the environment like every other setting.
    assert "CONTOURS_WEB_STATEMENT_TIMEOUT_MS" not in web.get("environment", {})


def test_the_worker_unit_runs_db_worker_beside_the_web_unit_and_restarts(tmp_path):
    worker, web = _unit(WORKER_UNIT)["Service"], _unit()["Service"]

    [start] = worker["ExecStart"]
    assert start.split()[1:3] == ["manage.py", "db_worker"]
    assert "db_worker" in get_commands()
    # The same code, account and environment as the web unit.
    for key in ("User", "WorkingDirectory", "EnvironmentFile", "ReadWritePaths"):
        assert worker[key] == web[key], key
    assert worker["Restart"] == ["on-failure"] and worker["KillSignal"] == ["SIGTERM"]
    if shutil.which("systemd-analyze") is None or not (BASE_DIR / ".venv/bin/python").exists():
        pytest.skip("systemd-analyze or a .venv to stand in for the installed one is missing")
    unit = tmp_path / "contours-worker.service"
    unit.write_text(WORKER_UNIT.read_text().replace(web["WorkingDirectory"][0], str(BASE_DIR)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
