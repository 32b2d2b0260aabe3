"""The measurements of one size: counts, search SQL, paired throughput, cold start, memory."""

from __future__ import annotations

import json
import re
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.counting import RATE_LIMIT, Counts, Monitor, counting
from bench.data import Accounts, Paths, log
from bench.load import ROOT, Gunicorn, cpu_seconds, drain, fetch, get, postgres_pids, rss_mib, wrk
from bench.stats import paired

LOGS = ROOT / "var" / "bench"

# ---- counts, in this process, through the portal's own code ----------------------------


def _api_headers(accounts: Accounts) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {accounts.token}"}


def count_requests(accounts: Accounts, paths: Paths) -> dict:
    """SQL statements and Redis round trips per request; the second of two (caches warm)."""
    from django.test import Client

    api = Client(HTTP_HOST="127.0.0.1", **_api_headers(accounts))
    web = Client(HTTP_HOST="127.0.0.1")
    web.cookies["sessionid"] = accounts.session
    plan = {
        "list": (api, paths.list),
        "detail": (api, paths.detail),
        "filtered": (api, paths.filtered),
        "search": (api, paths.search),
        "deep": (api, paths.deep),
        "record": (web, paths.record),
        "dashboard": (web, "/"),
    }
    counted = {}
    for name, (client, path) in plan.items():
        runs = []
        for _ in range(2):
            with counting() as counts:
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"bench: {path} answered {response.status_code} in process")
            runs.append(counts)
        counted[name] = {**runs[-1].as_dict(), "first_queries": runs[0].queries}
    return counted


def _drf_view(match, request):
    """The view a URL resolves to, set up as DRF's dispatch sets it up, and its Request."""
    view = match.func.cls(**match.func.initkwargs)
    actions = getattr(match.func, "actions", None) or {}
    view.action_map = actions
    for method, action in actions.items():
        setattr(view, method, getattr(view, action))
    view.args, view.kwargs, view.headers = (), match.kwargs, {}
    view.request = request
    drf_request = view.initialize_request(request, **match.kwargs)
    view.request = drf_request
    view.format_kwarg = view.get_format_suffix(**match.kwargs)
    renderer, media_type = view.perform_content_negotiation(drf_request)
    drf_request.accepted_renderer, drf_request.accepted_media_type = renderer, media_type
    version, scheme = view.determine_version(drf_request, **match.kwargs)
    drf_request.version, drf_request.versioning_scheme = version, scheme
    return view, drf_request


def _stack_steps(view, request):
    """DRF's hooks one at a time, whatever order the view runs them in: the authenticators
    (through request.user), each throttle's allow_request, each permission's has_permission."""
    return (
        ("authentication", lambda: view.perform_authentication(request)),
        ("throttle", lambda: [t.allow_request(request, view) for t in view.get_throttles()]),
        ("permission", lambda: [p.has_permission(request, view) for p in view.get_permissions()]),
    )


@contextmanager
def _rate_limit_counted(into: Counts):
    """Count what portal.ratelimit's Bearer check and failure count send, into `into`."""
    from portal import ratelimit

    originals = {name: getattr(ratelimit, name) for name in ("check_bearer", "count_token_failure")}

    def counted(original):
        def call(*args, **kwargs):
            with counting() as inner:
                try:
                    return original(*args, **kwargs)
                finally:
                    into.statements += inner.statements
                    into.params += inner.params
                    into.redis += inner.redis

        return call

    for name, original in originals.items():
        setattr(ratelimit, name, counted(original))
    try:
        yield into
    finally:
        for name, original in originals.items():
            setattr(ratelimit, name, original)


def count_phases(accounts: Accounts, path: str, repeat: int = 3) -> dict:
    """Statements and round trips in the API's authentication, throttle and permission steps,
    and, apart, in the rate-limit check that authentication makes (RATE_LIMIT).

    The last of `repeat` requests is kept: the token's last-use stamp is written at most
    once a minute, so the first may write it.
    """
    from django.test import RequestFactory
    from django.urls import resolve

    match = resolve(urlsplit(path).path)
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    phases = {}
    for _ in range(repeat):
        view, request = _drf_view(match, factory.get(path, **_api_headers(accounts)))
        with _rate_limit_counted(Counts()) as limited:
            for phase, step in _stack_steps(view, request):
                with counting() as counts:
                    step()
                phases[phase] = counts.as_dict()
        phases[RATE_LIMIT] = limited.as_dict()
    return phases


def time_search_sql(accounts: Accounts, term: str, runs: int = 7) -> dict:
    """EXPLAIN (ANALYZE) of the statements a search request sends, past the stack's own.

    The request runs in this process with its statements recorded (SQL and parameters);
    those of authentication, permission and throttle (counted apart on the same URL) are
    left out; the rest are timed `runs` times each, and a run's figure is their sum.
    """
    from django.db import connection
    from django.test import Client

    path = f"/api/v1/recommendations/?{urlencode({'q': term, 'page_size': 50})}"
    stack = count_phases(accounts, path)
    stack_sql = {sql for phase in stack.values() for sql in phase["sql"]}
    client = Client(HTTP_HOST="127.0.0.1", **_api_headers(accounts))
    client.get(path)
    with counting() as counts:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"bench: search for {term!r} answered {response.status_code}")
    statements = [
        (sql, params)
        for sql, params in zip(counts.statements, counts.params, strict=True)
        if sql not in stack_sql and sql.lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    timings, planning, plans = [], [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            total = plan_total = 0.0
            plans = []
            for sql, params in statements:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                total += float(re.search(r"Execution Time: ([0-9.]+) ms", plan).group(1))
                plan_total += float(re.search(r"Planning Time: ([0-9.]+) ms", plan).group(1))
                plans.append(plan)
            timings.append(total)
            planning.append(plan_total)
    return {
        "term": term,
        "statements": len(statements),
        "ms": timings,
        "planning_ms": planning,
        "plan": "\n\n".join(plans),
    }


# ---- throughput in back-to-back pairs --------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    server: str  # "portal" or "reference"
    path: str
    auth: str  # "token", "session" or ""


# Each pair: the portal's endpoint, then what it is compared with, back to back.
PAIRS = (
    ("list_vs_reference", "list", "reference_list", "throughput"),
    ("list_vs_floor", "list", "floor_sql", "throughput"),
    ("detail_vs_reference", "detail", "reference_detail", "throughput"),
    ("record_vs_detail", "record", "detail", "cost"),
    ("deep_vs_first", "deep", "list", "cost"),
)
SINGLES = ("floor_static", "search", "filtered", "dashboard")


def endpoints(paths: Paths, terms: dict) -> dict[str, Endpoint]:
    return {
        e.name: e
        for e in (
            Endpoint(
                "list",
                "Partner list, 50 rows (`recommendations/?page_size=50`)",
                "portal",
                paths.list,
                "token",
            ),
            Endpoint(
                "detail",
                "Partner detail (`recommendations/{id}/`)",
                "portal",
                paths.detail,
                "token",
            ),
            Endpoint(
                "filtered",
                "Filtered list (`?status=in_progress&priority=high`)",
                "portal",
                paths.filtered,
                "token",
            ),
            Endpoint(
                "search",
                f"Search, a common word (`?q={terms['common']['term']}`)",
                "portal",
                paths.search,
                "token",
            ),
            Endpoint(
                "deep",
                f"Deep page (cursor after row {paths.deep_position:,})",
                "portal",
                paths.deep,
                "token",
            ),
            Endpoint("record", "Web record page (curator)", "portal", paths.record, "session"),
            Endpoint("dashboard", "Dashboard `/` (curator), warm", "portal", "/", "session"),
            Endpoint(
                "reference_list",
                "Reference list, same 50 rows (bench/raw_reference.py)",
                "reference",
                paths.list,
                "token",
            ),
            Endpoint(
                "reference_detail",
                "Reference detail, same record",
                "reference",
                paths.detail,
                "token",
            ),
            Endpoint(
                "floor_static",
                "Floor: static JsonResponse through all middleware",
                "portal",
                "/__bench__/static",
                "",
            ),
            Endpoint(
                "floor_sql",
                "Floor: plain Django view, one raw SQL statement (50 rows)",
                "portal",
                "/__bench__/sql",
                "",
            ),
        )
    }


def _headers(endpoint: Endpoint, accounts: Accounts) -> dict[str, str]:
    if endpoint.auth == "token":
        return {"Authorization": f"Bearer {accounts.token}"}
    if endpoint.auth == "session":
        return {"Cookie": f"sessionid={accounts.session}"}
    return {}


def check_answers(ports: dict[str, int], eps: dict[str, Endpoint], accounts: Accounts) -> None:
    """Refuse to measure an endpoint that does not answer 200 (a 302 to login, a 404…), or
    a reference that does not answer what the API answers (documents and ETag)."""
    answers = {}
    for name, endpoint in eps.items():
        answers[name] = fetch(ports[endpoint.server], endpoint.path, _headers(endpoint, accounts))
        if answers[name].status != 200:
            raise SystemExit(f"bench: {name} ({endpoint.path}) answered {answers[name].status}")
    for portal, reference in (("list", "reference_list"), ("detail", "reference_detail")):
        ours, theirs = (json.loads(answers[n].body) for n in (portal, reference))
        # The API's cursor is signed and carries the moment its walk began (issue 12), so no
        # two answers share one: both must offer a next page, whatever its cursor.
        if portal == "list" and (ours.pop("next", None) is None) != (
            theirs.pop("next", None) is None
        ):
            raise SystemExit("bench: the reference's list differs from the API's (next)")
        if ours != theirs:
            rows = ours.get("results", [ours])
            other = theirs.get("results", [theirs])
            keys = sorted(
                {
                    k
                    for a, b in zip(rows, other, strict=False)
                    for k in {*a, *b}
                    if a.get(k) != b.get(k)
                }
            )
            raise SystemExit(
                f"bench: the reference's {portal} differs from the API's "
                f"({', '.join(keys) or 'rows'}); bring bench/raw_reference.py up to date"
            )
    if answers["detail"].headers.get("ETag") != answers["reference_detail"].headers.get("ETag"):
        raise SystemExit("bench: the reference's detail ETag differs from the API's")


# Where a run's CPU is counted (rounds' `cpu_ms`): the server's workers, then PostgreSQL.
_CPU = ("workers", "postgres")


def rounds(
    ports: dict[str, int],
    eps: dict[str, Endpoint],
    accounts: Accounts,
    *,
    pairs: int,
    seconds: int,
    connections: int,
    workers: int,
    worker_pids: dict | None = None,
) -> dict:
    """`pairs` rounds; in each, every pair back to back (portal first), then the singles.

    Every run starts on drained servers: what a slow endpoint's run left queued is served
    before the next run's clock starts (load.drain), not inside it.

    `worker_pids`: per server name, a function giving its workers' pids. With it, each run
    also says where its CPU went, per request answered: the server's workers and the
    machine's PostgreSQL processes (`cpu_ms`), read from /proc around the wrk run.
    """

    def settle(in_flight_ms: float = 0) -> float:
        return sum(
            drain(port, workers, in_flight_ms=in_flight_ms if index == 0 else 0)
            for index, port in enumerate(ports.values())
        )

    def measure(name: str) -> dict:
        endpoint = eps[name]
        url = f"http://127.0.0.1:{ports[endpoint.server]}{endpoint.path}"
        processes = None
        if worker_pids is not None:
            processes = (worker_pids[endpoint.server](), postgres_pids())
            before = [cpu_seconds(pids) for pids in processes]
        run = wrk(url, _headers(endpoint, accounts), seconds, connections)
        cpu = {}
        if processes is not None and run.requests:
            used = [cpu_seconds(pids) - then for pids, then in zip(processes, before, strict=True)]
            cpu = {"cpu_ms": {k: 1000 * u / run.requests for k, u in zip(_CPU, used, strict=True)}}
        drained = settle(run.max_ms)
        log(
            f"  {name}: {run.rps:.1f} req/s, p50 {run.p50_ms:.1f} ms, "
            f"p99 {run.p99_ms:.1f} ms, {run.errors} errors; drained in {drained:.1f} s"
        )
        return {**run.__dict__, **cpu, "drained_seconds": round(drained, 2)}

    log("warm-up: 2 s on every endpoint")
    for endpoint in eps.values():
        url = f"http://127.0.0.1:{ports[endpoint.server]}{endpoint.path}"
        settle(wrk(url, _headers(endpoint, accounts), 2, connections).max_ms)
    samples: dict[str, list[dict]] = {name: [] for name in eps}
    by_round: list[dict[str, list[dict]]] = []
    pair_runs: dict[str, list[tuple[dict, dict]]] = {name: [] for name, *_ in PAIRS}
    for index in range(pairs):
        log(f"round {index + 1} of {pairs}")
        this_round: dict[str, list[dict]] = {}
        for pair, a, b, _ in PAIRS:
            run_a, run_b = measure(a), measure(b)
            pair_runs[pair].append((run_a, run_b))
            for name, run in ((a, run_a), (b, run_b)):
                samples[name].append(run)
                this_round.setdefault(name, []).append(run)
        for name in SINGLES:
            run = measure(name)
            samples[name].append(run)
            this_round.setdefault(name, []).append(run)
        by_round.append(this_round)
    result_pairs = {
        pair: {
            "a": a,
            "b": b,
            "kind": kind,
            "ratios": paired(
                [ra["rps"] for ra, _ in pair_runs[pair]],
                [rb["rps"] for _, rb in pair_runs[pair]],
                kind,
            ),
        }
        for pair, a, b, kind in PAIRS
    }
    floors = {}
    for name in eps:
        if name.startswith("floor_"):
            continue
        floors[name] = {
            floor: [
                statistics.mean(run["rps"] for run in r[name]) / r[floor][0]["rps"]
                for r in by_round
            ]
            for floor in ("floor_static", "floor_sql")
        }
    return {"endpoints": samples, "pairs": result_pairs, "floor_fractions": floors}


def monitor_redis(port: int, cache_url: str, path: str, accounts: Accounts, n: int = 20) -> dict:
    """Redis commands that reach the bench's database per API request, as MONITOR sees them."""
    headers = {"Authorization": f"Bearer {accounts.token}"}
    get(port, path, headers)
    with Monitor(cache_url) as monitor:
        for _ in range(n):
            get(port, path, headers)
        time.sleep(0.5)  # MONITOR's lines trail the replies
    total = sum(monitor.commands.values())
    return {
        "requests": n,
        "commands": total,
        "per_request": total / n,
        "by_command": dict(monitor.commands),
    }


# ---- servers -----------------------------------------------------------------------------


def servers(env: dict, workers: int, tag: str) -> tuple[Gunicorn, Gunicorn]:
    portal = Gunicorn("portal.wsgi:application", env, workers, LOGS / f"{tag}-portal.log")
    reference = Gunicorn(
        "bench.raw_reference:application", env, workers, LOGS / f"{tag}-reference.log"
    )
    portal.wait_ready()
    reference.wait_ready()
    return portal, reference


def flush_cache(cache_url: str) -> None:
    import redis

    redis.Redis.from_url(cache_url).flushdb()


def dashboard_cold(env: dict, cache_url: str, accounts: Accounts, restarts: int, tag: str) -> dict:
    """The dashboard's first request after a restart (new worker, empty cache), then warm."""
    headers = {"Cookie": f"sessionid={accounts.session}"}
    cold, warm = [], []
    for index in range(restarts):
        flush_cache(cache_url)
        with Gunicorn("portal.wsgi:application", env, 1, LOGS / f"{tag}-cold.log") as server:
            server.wait_ready()
            status, ms = get(server.port, "/", headers)
            if status != 200:
                raise SystemExit(f"bench: the dashboard answered {status} after a restart")
            cold.append(ms)
            warm.extend(get(server.port, "/", headers)[1] for _ in range(10))
        log(f"  dashboard after restart {index + 1}: cold {ms:.1f} ms")
    return {"cold_ms": cold, "warm_ms": warm}


def memory(env: dict, paths: Paths, accounts: Accounts, requests: int, tag: str) -> dict:
    """RSS of one gunicorn worker while it serves `requests` requests of every kind."""
    api = {"Authorization": f"Bearer {accounts.token}"}
    web = {"Cookie": f"sessionid={accounts.session}"}
    mix = [
        (paths.list, api),
        *((f"/api/v1/recommendations/{pk}/", api) for pk in paths.page_ids[:10]),
        (paths.search, api),
        (paths.filtered, api),
        (paths.deep, api),
        *((path, web) for path in paths.record_paths[:3]),
        ("/", web),
    ]
    step = max(1, requests // 20)
    samples = []
    with Gunicorn("portal.wsgi:application", env, 1, LOGS / f"{tag}-memory.log") as server:
        server.wait_ready()
        (pid,) = server.worker_pids()
        samples.append((0, rss_mib(pid)))
        for done in range(1, requests + 1):
            path, headers = mix[done % len(mix)]
            status, _ = get(server.port, path, headers)
            if status != 200:
                raise SystemExit(f"bench: {path} answered {status} in the memory run")
            if done % step == 0 or done == requests:
                samples.append((done, rss_mib(pid)))
                if done % (step * 5) == 0:
                    log(f"  memory: {done:,} requests, RSS {samples[-1][1]:.1f} MiB")
    return {"requests": requests, "samples": samples, "paths": len(mix)}


def log_path(tag: str) -> Path:
    return LOGS / tag
