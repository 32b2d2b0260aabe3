"""`make bench`: the portal at 100,000 records on PostgreSQL, measured in one run.

Steps, each bounded in time and all on 127.0.0.1:

1. create the benchmark database if missing, migrate, collect static files;
2. generate synthetic records up to BENCH_RECORDS (default 100,000);
3. make a partner with a token and a curator with a session, through the services;
4. time the API's search SQL with EXPLAIN (ANALYZE) on the exact query it runs;
5. start gunicorn twice with the same settings (the portal, bench/raw_reference.py)
   on free ports, run wrk against each endpoint for BENCH_SECONDS, stop them;
6. write docs/benchmarks.md: figures, ratios and pass/fail per target.

Run it as `.venv/bin/python -m bench.run` (what `make bench` does).
"""

from __future__ import annotations

import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/contours_bench"
RECORDS = int(os.environ.get("BENCH_RECORDS", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
SEARCH_QUERY = os.environ.get("BENCH_SEARCH", "hypersonic export controls")
REPORT = Path(os.environ.get("BENCH_REPORT", ROOT / "docs" / "benchmarks.md"))
STEP_TIMEOUT = 1800  # seconds: generation of 100,000 records on a loaded machine included


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def bench_environment(database_url: str) -> dict[str, str]:
    """Production-like settings: debug off, a key, 127.0.0.1 only, no rate limit in the way."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "BENCH_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", secrets.token_urlsafe(50)),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        # The benchmark measures the stack, not the throttle's refusals.
        "CONTOURS_API_RATE": "100000000/minute",
        "CONTOURS_API_ANON_RATE": "100000000/minute",
    }


def ensure_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"bench: refusing database name {name!r} (letters, digits, _ only)")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = found.fetchone()
        if not exists:
            log(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=STEP_TIMEOUT
    )


# ---- in-process Django: data, users, URLs, the search SQL ------------------------------------


@dataclass
class Targets:
    token: str
    session: str
    detail_path: str
    list_path: str
    filtered_path: str
    search_path: str
    deep_path: str
    deep_position: int
    list_length: int
    record_path: str
    search_sql_ms: list[float]
    search_plan: str
    records: int


def prepare(env: dict) -> Targets:
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Organisation, User
    from accounts.roles import CURATOR, PARTNER
    from accounts.services import api_token_create, organisation_create, user_create
    from cooperation.api.pagination import KeysetCursorPagination, order_keys
    from cooperation.models import RECORD_MODELS, Recommendation
    from cooperation.selectors import records_visible_to
    from cooperation.services.synthetic import synthetic_data_generate

    count = sum(model.objects.count() for model in RECORD_MODELS)
    if count < RECORDS:
        log(f"{count:,} records stored; generating {RECORDS - count:,} more")
        started = time.monotonic()
        synthetic_data_generate(records=RECORDS - count, seed=count, progress=_progress)
        log(f"generated in {time.monotonic() - started:.0f} s")
        count = RECORDS
    # Fresh planner statistics, as autovacuum would have them by the time anyone reads.
    with connection.cursor() as cursor_:
        cursor_.execute("ANALYZE")

    organisation = Organisation.objects.filter(slug="bench-partner").first()
    if organisation is None:
        organisation = organisation_create(name="Bench Partner", slug="bench-partner")
    partner = User.objects.filter(email="bench-partner@contours.invalid").first()
    if partner is None:
        partner = user_create(
            email="bench-partner@contours.invalid",
            password=None,
            roles=[PARTNER],
            organisation=organisation,
            full_name="Bench Partner",
        )
    _, token = api_token_create(user=partner, name=f"bench {datetime.now(UTC):%Y-%m-%d %H:%M:%S}")
    curator = User.objects.filter(email="bench-curator@contours.invalid").first()
    if curator is None:
        curator = user_create(
            email="bench-curator@contours.invalid",
            password=None,
            roles=[CURATOR],
            full_name="Bench Curator",
        )
    client = Client()
    client.force_login(curator)
    session = client.cookies["sessionid"].value

    visible = records_visible_to(partner, Recommendation).order_by("title", "pk")
    length = visible.count()
    # No single list holds 90,000 rows at 100,000 records over four kinds; the deepest
    # page a partner can ask for is near the end of the longest list.
    position = max(0, length - 60)
    title, pk = visible.values_list("title", "pk")[position]
    keys = order_keys(visible)
    cursor = KeysetCursorPagination()._encode(keys, [title, pk])
    first = visible.first()
    api = "/api/v1/recommendations/"

    search_path = f"{api}?{urlencode({'q': SEARCH_QUERY, 'page_size': 50})}"
    with CaptureQueriesContext(connection) as captured:
        response = Client(HTTP_HOST="127.0.0.1").get(
            search_path, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    if response.status_code != 200:
        raise SystemExit(f"bench: search answered {response.status_code}: {response.content!r}")
    page_sql = next(
        q["sql"]
        for q in captured.captured_queries
        if "websearch_to_tsquery" in q["sql"] and "cooperation_recommendation" in q["sql"]
    )
    timings, plan = [], ""
    with connection.cursor() as cursor_:
        for _ in range(7):
            cursor_.execute("EXPLAIN (ANALYZE, BUFFERS) " + page_sql)
            lines = [row[0] for row in cursor_.fetchall()]
            plan = "\n".join(lines)
            match = re.search(r"Execution Time: ([0-9.]+) ms", plan)
            timings.append(float(match.group(1)))
    connection.close()
    return Targets(
        token=token,
        session=session,
        detail_path=f"{api}{first.pk}/",
        list_path=f"{api}?page_size=50",
        filtered_path=f"{api}?{urlencode({'status': 'in_progress', 'priority': 'high'})}"
        "&page_size=50",
        search_path=search_path,
        deep_path=f"{api}?{urlencode({'page_size': 50, 'cursor': cursor})}",
        deep_position=position,
        list_length=length,
        record_path=first.get_absolute_url(),
        search_sql_ms=timings,
        search_plan=plan,
        records=count,
    )


def _progress(done: int, total: int) -> None:
    if done == total or done % 10_000 < 2_000:
        log(f"generated {done:,}/{total:,}")


# ---- servers and load ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn, the same settings for the portal and the reference."""

    def __init__(self, app: str, env: dict, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn for {path} exited ({self.process.returncode})")
            try:
                with urlopen(self.base + path, timeout=5):
                    return
            except (URLError, ConnectionError, OSError):
                time.sleep(0.3)
        raise SystemExit(f"bench: gunicorn did not answer {path} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class Measurement:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(name: str, output: str) -> Measurement:
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Measurement(name, rps, p50, p99, requests, errors)


def wrk(name: str, url: str, headers: dict[str, str], seconds: int) -> Measurement:
    command = ["wrk", "--latency", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    measurement = parse_wrk(name, result.stdout)
    log(
        f"{name}: {measurement.rps:.1f} req/s, p50 {measurement.p50_ms:.1f} ms, "
        f"p99 {measurement.p99_ms:.1f} ms, {measurement.errors} errors"
    )
    return measurement


def check_answer(url: str, headers: dict[str, str]) -> None:
    """Refuse to measure an endpoint that does not answer 200 (a 302 to login, a 404…)."""
    from urllib.request import Request

    request = Request(url, headers=headers)
    with urlopen(request, timeout=30) as response:
        if response.status != 200 or response.url != url:
            raise SystemExit(f"bench: {url} answered {response.status} at {response.url}")


def measure(targets: Targets, env: dict) -> dict[str, Measurement]:
    workers = os.cpu_count() or 2
    portal = Gunicorn("portal.wsgi:application", env, workers)
    reference = Gunicorn("bench.raw_reference:application", env, workers)
    results: dict[str, Measurement] = {}
    try:
        portal.wait_ready("/healthz")
        reference.wait_ready("/")
        api = {"Authorization": f"Bearer {targets.token}"}
        web = {"Cookie": f"sessionid={targets.session}"}
        plan = [
            ("reference", reference.base + "/?page_size=50", {}),
            ("list", portal.base + targets.list_path, api),
            ("detail", portal.base + targets.detail_path, api),
            ("filtered", portal.base + targets.filtered_path, api),
            ("search", portal.base + targets.search_path, api),
            ("deep", portal.base + targets.deep_path, api),
            ("dashboard", portal.base + "/", web),
            ("record", portal.base + targets.record_path, web),
        ]
        for _, url, headers in plan:
            check_answer(url, headers)
            wrk("warm-up", url, headers, 2)
        for name, url, headers in plan:
            results[name] = wrk(name, url, headers, SECONDS)
        # The reference again at the end, so the ratio uses the machine as it was throughout.
        again = wrk("reference (again)", plan[0][1], {}, SECONDS)
        first = results["reference"]
        results["reference"] = Measurement(
            "reference",
            (first.rps + again.rps) / 2,
            (first.p50_ms + again.p50_ms) / 2,
            (first.p99_ms + again.p99_ms) / 2,
            first.requests + again.requests,
            first.errors + again.errors,
        )
    finally:
        portal.stop()
        reference.stop()
    return results


# ---- the report ------------------------------------------------------------------------------


def machine() -> str:
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.1f} GiB memory"
    except (OSError, AttributeError):
        pass
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPU cores (nproc){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average at the end "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )


def evaluate(results: dict[str, Measurement], search_ms: float) -> list[tuple[str, str, bool]]:
    r = results
    list_share = r["list"].rps / r["reference"].rps
    deep_ratio = r["deep"].p50_ms / r["list"].p50_ms
    dashboard_ratio = r["dashboard"].p50_ms / r["detail"].p50_ms
    record_ratio = r["record"].p50_ms / r["detail"].p50_ms
    return [
        ("Partner list throughput ≥ 0.5 × raw reference", f"{list_share:.2f} ×", list_share >= 0.5),
        ("Deep page p50 latency ≤ 1.5 × first page", f"{deep_ratio:.2f} ×", deep_ratio <= 1.5),
        ("Search SQL at 100,000 records < 20 ms", f"{search_ms:.2f} ms", search_ms < 20),
        ("Dashboard p50 ≤ 3 × detail p50", f"{dashboard_ratio:.2f} ×", dashboard_ratio <= 3),
        ("Record page p50 ≤ 3 × detail p50", f"{record_ratio:.2f} ×", record_ratio <= 3),
    ]


def write_report(targets: Targets, results: dict[str, Measurement], started: datetime) -> bool:
    search_ms = statistics.median(targets.search_sql_ms)
    verdicts = evaluate(results, search_ms)
    labels = {
        "reference": "Raw reference (bench/raw_reference.py), same 50 rows",
        "list": "Partner list, `recommendations/?page_size=50`",
        "detail": "Partner detail, `recommendations/{id}/`",
        "filtered": "Filtered list, `?status=in_progress&priority=high`",
        "search": f"Search, `?q={SEARCH_QUERY}`",
        "deep": f"Deep page (cursor after row {targets.deep_position:,} of "
        f"{targets.list_length:,})",
        "dashboard": "Dashboard `/` (curator session)",
        "record": "Record page (curator session)",
    }
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand. Figures are from one",
        "run: the ratios compare endpoints measured minutes apart on the same machine, which",
        "is what the targets are about; absolute figures move with the machine's load.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Data: {targets.records:,} records on PostgreSQL (`generate_data`), the partner "
        f"sees {targets.list_length:,} published recommendations",
        f"- Servers: gunicorn, {os.cpu_count()} sync workers each, debug off, 127.0.0.1; "
        f"load from wrk, 2 threads, {CONNECTIONS} connections, {SECONDS} s per endpoint "
        "after a 2 s warm-up; the reference measured first and last, averaged",
        "",
        "## Targets",
        "",
        "| target | measured | result |",
        "| --- | --- | --- |",
        *(f"| {name} | {value} | {'pass' if ok else 'FAIL'} |" for name, value, ok in verdicts),
        "",
        "## Endpoints",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms | requests | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {labels[m.name]} | {m.rps:.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
            f"{m.requests:,} | {m.errors} |"
            for m in results.values()
        ),
        "",
        "## Search SQL",
        "",
        f"The exact query the API runs for `q={SEARCH_QUERY}` (captured with",
        "`CaptureQueriesContext`), timed with `EXPLAIN (ANALYZE, BUFFERS)` seven times: "
        f"median {search_ms:.2f} ms, all runs "
        + ", ".join(f"{t:.2f}" for t in targets.search_sql_ms)
        + " ms. The last plan:",
        "",
        "```",
        targets.search_plan,
        "```",
        "",
        "## Notes",
        "",
        "- No single list holds 90,000 rows at 100,000 records: they are split over four",
        "  kinds and a partner sees only published ones. The deep page is therefore the",
        "  page after the last-but-60th row of the longest list a partner can read; a",
        "  keyset cursor costs the same at any depth (`cooperation/api/pagination.py`).",
        "- The reference skips authentication, throttling, filters and cursors; it is the",
        "  floor the portal's stack is compared with, not an alternative to it. Both answer",
        "  the page in one SQL statement: on PostgreSQL the list's page query carries each",
        "  row's links, evidence and timeline as jsonb (`cooperation/api/record_rows.py`);",
        "  the list adds two small queries (token, roles).",
        "- Search: the GIN index finds the matching rows; `ts_rank` orders them from each",
        "  record's stored tsvector column (migration 0004), not one rebuilt per match.",
        "- The record page (a recommendation) renders its two tracking forms with Jinja2",
        "  (`FAST_RENDERER`, the same HTML as Django's renderer), reads their excerpts in",
        "  one query and reads a source's text once per process, not on every view.",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines))
    return all(ok for _, _, ok in verdicts)


def main() -> int:
    started = datetime.now(UTC)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: BENCH_DATABASE_URL must be a postgres:// URL")
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk)")
    env = bench_environment(database_url)
    ensure_database(database_url)
    log("migrating and collecting static files")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    targets = prepare(env)
    log(f"search SQL median {statistics.median(targets.search_sql_ms):.2f} ms")
    results = measure(targets, env)
    passed = write_report(targets, results, started)
    log(f"wrote {REPORT.relative_to(ROOT) if REPORT.is_relative_to(ROOT) else REPORT}")
    log("all targets met" if passed else "some targets missed (see the report)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
