"""Servers and load: gunicorn processes, wrk runs, single timed requests, worker memory."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn with the production command line (sync workers), started for the bench.

    Its workers mark themselves ready after loading the application (bench/gunicorn_conf.py),
    so "the first request after a restart" is the first the application handles, not one
    that waits for a worker to boot. Output goes to a log file, not the bench's terminal.
    """

    def __init__(self, app: str, env: dict, workers: int, log: Path):
        self.port = free_port()
        self.workers = workers
        self.ready_dir = Path(tempfile.mkdtemp(prefix="bench-ready-"))
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                "--config",
                "python:bench.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "BENCH_READY_DIR": str(self.ready_dir)},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"bench: gunicorn exited ({self.process.returncode}); see {self.log}"
                )
            if len(list(self.ready_dir.iterdir())) >= self.workers:
                return
            time.sleep(0.1)
        raise SystemExit(f"bench: gunicorn's workers not ready within {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()
        shutil.rmtree(self.ready_dir, ignore_errors=True)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc/<pid>/status (VmRSS)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """CPU time (user and system) the processes have used so far, from /proc/<pid>/stat; a
    process gone meanwhile counts nothing."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # The command name, in parentheses, may hold spaces: the fields follow its last ")".
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICKS


def postgres_pids() -> list[int]:
    """This machine's PostgreSQL processes (the server, its backends and helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# ---- wrk ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One wrk run against one URL."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    max_ms: float = 0.0  # the slowest request: how long one left in flight may still take


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> Run:
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    slowest = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.M)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Run(rps, p50, p99, requests, errors, _ms(slowest.group(1)) if slowest else 0.0)


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> Run:
    command = ["wrk", "--latency", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    return parse_wrk(result.stdout)


# ---- single requests -----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    ms: float
    headers: dict[str, str]
    body: bytes


def fetch(port: int, path: str, headers: dict[str, str], timeout: float = 60) -> Answer:
    """One GET on a fresh connection, timed until its body is read in full."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        body = response.read()
        ms = (time.perf_counter() - started) * 1000
        return Answer(response.status, ms, dict(response.getheaders()), body)
    finally:
        connection.close()


def get(port: int, path: str, headers: dict[str, str], timeout: float = 60) -> tuple[int, float]:
    """(status, milliseconds) of one GET."""
    answer = fetch(port, path, headers, timeout)
    return answer.status, answer.ms


# ---- between runs --------------------------------------------------------------------------

IDLE_PATH = "/healthz"  # both servers answer it without the database's heavy work


def drain(
    port: int,
    workers: int,
    *,
    in_flight_ms: float = 0,
    quiet_ms: float = 250,
    timeout: float = 300,
) -> float:
    """Wait until a server has worked off the requests earlier clients left queued; the
    seconds waited.

    When wrk stops, the requests its connections had sent are still in gunicorn's queue,
    and sync workers serve them although nobody reads the answers. Behind a slow page
    (the dashboard, ~1 s a request) that is seconds of work, which the next run would
    measure as its own. A round of `workers` simultaneous probes queues behind whatever
    is left; the queue is empty when two rounds in a row come back quickly. One free
    worker can answer a whole round while the others still finish a request each, so
    the wait ends `in_flight_ms` later: the slowest request of the run that left them.
    """
    started = time.monotonic()
    deadline = started + timeout
    quiet_rounds = 0
    with ThreadPoolExecutor(workers) as pool:
        while quiet_rounds < 2:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"bench: the server on port {port} stayed busy for {timeout} s")
            probes = pool.map(lambda _, wait=left: get(port, IDLE_PATH, {}, wait), range(workers))
            try:
                answers = list(probes)
            except OSError as error:
                raise SystemExit(
                    f"bench: the server on port {port} stopped answering: {error}"
                ) from None
            quick = all(status == 200 and ms < quiet_ms for status, ms in answers)
            quiet_rounds = quiet_rounds + 1 if quick else 0
    time.sleep(in_flight_ms / 1000)
    return time.monotonic() - started
