"""A real gunicorn serving Contours, for the tests that need real processes and real HTTP.

It runs with deploy/gunicorn.conf.py (GUNICORN_BIND and WEB_CONCURRENCY come from `env`),
in its own process group so that stopping it reaches every worker.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.utils import BASE_DIR

GUNICORN = [sys.executable, "-m", "gunicorn", "--config", str(BASE_DIR / "deploy/gunicorn.conf.py")]
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start_gunicorn(tmp_path: Path, env: dict[str, str]) -> Server:
    """Start gunicorn on a free port and return once /healthz answers 200."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*GUNICORN, "portal.wsgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, server.log_text()
        assert time.monotonic() < deadline, "gunicorn did not start in time"
        try:
            if requests.get(f"{server.url}/healthz", timeout=30).status_code == 200:
                return server
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)


def stop_gunicorn(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)
