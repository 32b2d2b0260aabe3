"""Read replicas against a real streaming replica (portal/replicas.py, docs/deployment.md).

The fixture builds its own small cluster with PostgreSQL's server binaries: a primary
(initdb) and a streaming replica of it (pg_basebackup -R), each on a free port, migrates
Contours onto the primary and serves it with gunicorn with DATABASE_REPLICA_URLS naming
the replica. Pausing the replica's replay (pg_wal_replay_pause) makes its lag something
the test controls, so what each request read from is visible in what it answers:

- a partner's read comes from the replica (it misses a change the replica has not replayed);
- a client that wrote reads its own write (from the primary) until the replica has it;
- a replica further behind than DATABASE_REPLICA_MAX_LAG_SECONDS, or down, is left out:
  reads come from the primary, never a 5xx.

It runs in the PostgreSQL leg of CI (the SQLite leg has no PostgreSQL to speak of), and is
skipped, saying why, where the server binaries are missing.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection

from tests.gunicorn import Server, free_port, start_gunicorn, stop_gunicorn
from tests.utils import BASE_DIR, clean_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="runs in the PostgreSQL leg of the suite"
    ),
]

REPLAY_DEADLINE_SECONDS = 60
TIMEOUT = 60


def _bindir() -> Path | None:
    for candidate in [
        os.environ.get("PG_BINDIR", ""),
        *sorted(glob.glob("/usr/lib/postgresql/*/bin")),
    ]:
        if candidate and (Path(candidate) / "pg_basebackup").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Cluster:
    root: Path
    bindir: Path
    primary_port: int
    replica_port: int

    def url(self, port: int, dbname: str = "contours") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{dbname}"

    def connect(self, port: int, dbname: str = "contours") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True
        )

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        # The server refuses to run as root: run its tools as the postgres account then.
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"{tool} failed:\n{result.stdout}\n{result.stderr}"

    def start(self, name: str, port: int, *settings: str) -> None:
        options = " ".join(
            [f"-p {port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1", *settings]
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.root / name),
            "-l",
            str(self.root / f"{name}.log"),
            "-o",
            options,
            "-w",
            "-t",
            "120",
            "start",
        )

    def stop(self, name: str) -> None:
        self.run("pg_ctl", "-D", str(self.root / name), "-m", "fast", "-w", "stop")

    def replay(self, paused: bool) -> None:
        with self.connect(self.replica_port) as replica:
            replica.execute(
                "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
            )

    def wait_until_replayed(self) -> None:
        with self.connect(self.primary_port) as primary:
            lsn = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        deadline = time.monotonic() + REPLAY_DEADLINE_SECONDS
        with self.connect(self.replica_port) as replica:
            while not replica.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the replica did not catch up"
                time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bindir = _bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
        )
    # Not pytest's tmp_path: the postgres account must reach it, and pytest's is root-only.
    root = Path(tempfile.mkdtemp(prefix="contours-replica-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
    cluster = Cluster(root, bindir, free_port(), free_port())
    started = []
    try:
        cluster.run(
            "initdb",
            "-D",
            str(root / "primary"),
            "--auth=trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        cluster.start(
            "primary",
            cluster.primary_port,
            "-c wal_level=replica",
            "-c max_wal_senders=4",
            "-c fsync=off",
        )
        started.append("primary")
        cluster.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.primary_port),
            "-U",
            "postgres",
            "-D",
            str(root / "replica"),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
        )
        cluster.start("replica", cluster.replica_port, "-c hot_standby=on")
        started.append("replica")
        with cluster.connect(cluster.primary_port, "postgres") as primary:
            primary.execute("CREATE DATABASE contours")
        yield cluster
    finally:
        for name in reversed(started):
            with contextlib.suppress(AssertionError):  # already stopped by the test
                cluster.stop(name)
        shutil.rmtree(root, ignore_errors=True)


def _env(tmp_path: Path, cluster: Cluster, **overrides: str) -> dict[str, str]:
    return clean_env(
        tmp_path,
        DATABASE_URL=cluster.url(cluster.primary_port),
        DATABASE_REPLICA_URLS=cluster.url(cluster.replica_port),
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        DJANGO_SECRET_KEY="replica-test-only-secret-key-not-for-any-real-deployment",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="0",
        CONTOURS_API_RATE="100000/minute",
        # The pins live in the shared cache, as in production (one Redis for every worker).
        CACHE_URL="redis://127.0.0.1:6379/7",
        WEB_CONCURRENCY="2",
        # Check the replica on every request: the test changes its lag at will.
        DATABASE_REPLICA_CHECK_SECONDS="0",
        **overrides,
    )


_SEED = """
import json
from accounts.services import api_token_create
from cooperation import choices
from tests.factories import AgreementFactory, AnalystFactory, PartnerFactory
analyst, partner = AnalystFactory(), PartnerFactory()
record = AgreementFactory(title="Before", visibility=choices.Visibility.PUBLISHED)
print(json.dumps({
    "writer": api_token_create(user=analyst, name="writer", can_write=True)[1],
    "partner": api_token_create(user=partner, name="reader")[1],
    "path": f"/api/v1/agreements/{record.pk}/",
}))
"""


@pytest.fixture(scope="module")
def site(cluster, tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("replicas")
    env = _env(tmp_path, cluster)
    for args in (["migrate", "--noinput"], ["shell", "-c", _SEED]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr
    seeded = json.loads(result.stdout.strip().splitlines()[-1])
    cluster.wait_until_replayed()
    return {"tmp_path": tmp_path, **seeded}


def _get(server: Server, path: str, token: str) -> requests.Response:
    response = requests.get(
        server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return response


def _retitle(server: Server, site: dict, title: str) -> None:
    current = _get(server, site["path"], site["writer"])
    response = requests.patch(
        server.url + site["path"],
        json={"title": title},
        headers={"Authorization": f"Bearer {site['writer']}", "If-Match": current.headers["ETag"]},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text


def test_partner_reads_come_from_the_replica_and_a_writer_reads_its_own_write(cluster, site):
    server = start_gunicorn(
        site["tmp_path"], _env(site["tmp_path"], cluster, DATABASE_REPLICA_MAX_LAG_SECONDS="3600")
    )
    try:
        assert _get(server, site["path"], site["partner"]).json()["title"] == "Before"
        cluster.replay(paused=True)
        try:
            _retitle(server, site, "After")
            # The writer's next reads wait for nothing: the primary answers them.
            assert _get(server, site["path"], site["writer"]).json()["title"] == "After"
            # The partner reads the replica, which has not replayed the change yet.
            assert _get(server, site["path"], site["partner"]).json()["title"] == "Before"
        finally:
            cluster.replay(paused=False)
        cluster.wait_until_replayed()
        assert _get(server, site["path"], site["partner"]).json()["title"] == "After"
    finally:
        stop_gunicorn(server)


def test_a_replica_too_far_behind_or_down_is_left_out(cluster, site):
    server = start_gunicorn(
        site["tmp_path"], _env(site["tmp_path"], cluster, DATABASE_REPLICA_MAX_LAG_SECONDS="1")
    )
    try:
        cluster.replay(paused=True)
        try:
            _retitle(server, site, "Lagged")
            with cluster.connect(cluster.replica_port) as replica:
                deadline = time.monotonic() + REPLAY_DEADLINE_SECONDS
                while (
                    replica.execute(
                        "SELECT COALESCE(EXTRACT(EPOCH FROM "
                        "now() - pg_last_xact_replay_timestamp()), 0)"
                    ).fetchone()[0]
                    <= 2
                ):
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            # More than a second behind: the partner reads the primary, and sees the change.
            assert _get(server, site["path"], site["partner"]).json()["title"] == "Lagged"
        finally:
            cluster.replay(paused=False)
        cluster.stop("replica")
        try:
            for _ in range(3):  # a dead replica: reads go to the primary, no 5xx
                assert _get(server, site["path"], site["partner"]).json()["title"] == "Lagged"
        finally:
            cluster.start("replica", cluster.replica_port, "-c hot_standby=on")
        assert "Traceback" not in server.log_text()
    finally:
        stop_gunicorn(server)
