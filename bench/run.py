"""`make bench`: the portal on PostgreSQL, Redis and gunicorn, against its reference and floor.

For each size asked for (BENCH_RECORDS, plus BENCH_SCALE for a scale run), smallest first,
in one database that grows:

1. generate records up to the size (`generate_data`, at most BENCH_GENERATE_BUDGET seconds
   per size), then VACUUM ANALYZE; every label is counted from the rows;
2. count, in this process and through the portal's own code, SQL statements and Redis
   round trips per request and per step of DRF's stack (authentication, permission,
   throttle); time the search SQL for a common and a rare word with EXPLAIN ANALYZE;
3. serve the portal (bench/settings.py: production settings plus the floor views) and the
   reference (bench/raw_reference.py) with gunicorn, the same workers and settings; count
   Redis commands per API request with MONITOR; then BENCH_PAIRS rounds (at least 5) of
   wrk runs, each pair back to back (portal first), and the floor in every round;
4. the dashboard's first request after a restart (cold) and after it (warm);
5. at BENCH_RECORDS only: one worker's memory over BENCH_MEMORY_REQUESTS requests.

Then docs/benchmarks.md, docs/benchmarks.json (every sample) and the cost-against-size
chart docs/benchmarks-scale.svg are written, every target of issue 15 is checked at
BENCH_RECORDS, and the exit status is 1 when any is missed (each miss is printed).

`python -m bench.run --from-results docs/benchmarks.json [--target NAME=VALUE]` checks a
saved run again without measuring; `--list-targets` prints the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import targets as target_table
from bench.data import log
from bench.load import ROOT

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/contours_bench"
# A database number of the bench's own: the cold dashboard empties it before each restart.
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/5"
MIN_PAIRS = 5
# Connection settings for both sides unless the environment says otherwise: persistent
# connections with health checks, parameters bound on the server, statements prepared
# after psycopg's default of five runs.
CONNECTION_DEFAULTS = {
    "DATABASE_CONN_MAX_AGE": "600",
    "DATABASE_CONN_HEALTH_CHECKS": "1",
    "DATABASE_SERVER_SIDE_BINDING": "1",
    "DATABASE_PREPARE_THRESHOLD": "5",
}
# Nothing is refused, and DRF's throttle keeps about one second of request history per
# client (fewer entries than a client at the production limit of 1,200/minute holds).
THROTTLE_RATE = "1000000/second"


def _env_int(environ, name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    return int(raw) if raw else default


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str], environ=os.environ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--records",
        type=int,
        default=_env_int(environ, "BENCH_RECORDS", 100_000),
        help="size the targets are checked at (BENCH_RECORDS, default 100000)",
    )
    parser.add_argument(
        "--scale",
        type=_sizes,
        default=_sizes(environ.get("BENCH_SCALE", "")),
        help="more sizes to measure, e.g. 10000,100000,1000000 (BENCH_SCALE)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=_env_int(environ, "BENCH_PAIRS", MIN_PAIRS),
        help=f"rounds of back-to-back pairs, at least {MIN_PAIRS} (BENCH_PAIRS)",
    )
    parser.add_argument(
        "--seconds",
        type=int,
        default=_env_int(environ, "BENCH_SECONDS", 5),
        help="seconds per wrk run (BENCH_SECONDS, default 5)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=_env_int(environ, "BENCH_CONNECTIONS", 8),
        help="wrk connections (BENCH_CONNECTIONS, default 8)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=_env_int(environ, "BENCH_WORKERS", os.cpu_count() or 2),
        help="gunicorn workers per server (BENCH_WORKERS, default: one per core)",
    )
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=_env_int(environ, "BENCH_MEMORY_REQUESTS", 10_000),
        help="requests of the memory run (BENCH_MEMORY_REQUESTS, default 10000)",
    )
    parser.add_argument(
        "--cold-restarts",
        type=int,
        default=_env_int(environ, "BENCH_COLD_RESTARTS", MIN_PAIRS),
        help="restarts for the cold dashboard (BENCH_COLD_RESTARTS, default 5)",
    )
    parser.add_argument(
        "--generate-budget",
        type=float,
        default=float(environ.get("BENCH_GENERATE_BUDGET", "") or 600),
        help="seconds of generation per size at most (BENCH_GENERATE_BUDGET, default 600)",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        help="NAME=VALUE: another limit for one target (also BENCH_TARGETS=NAME=VALUE,…)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=Path(environ.get("BENCH_REPORT", "") or ROOT / "docs" / "benchmarks.md"),
        help="the Markdown report; its .json and -scale.svg/.json are written beside it",
    )
    parser.add_argument(
        "--from-results",
        type=Path,
        metavar="JSON",
        help="check the targets against a saved run instead of measuring",
    )
    parser.add_argument("--list-targets", action="store_true", help="print the targets")
    args = parser.parse_args(argv)
    args.target = [*filter(None, [environ.get("BENCH_TARGETS", "")]), *args.target]
    try:
        args.overrides = target_table.parse_overrides(args.target)
    except ValueError as error:
        parser.error(str(error))
    if args.pairs < MIN_PAIRS:
        parser.error(f"--pairs must be at least {MIN_PAIRS} (every figure is a median of five)")
    if args.cold_restarts < MIN_PAIRS:
        parser.error(f"--cold-restarts must be at least {MIN_PAIRS}")
    if args.records < 1_000 or any(size < 1_000 for size in args.scale):
        parser.error("sizes start at 1000 records (a partner list needs a few pages)")
    args.database_url = environ.get("BENCH_DATABASE_URL", "") or DEFAULT_DATABASE_URL
    args.cache_url = environ.get("BENCH_CACHE_URL", "") or DEFAULT_CACHE_URL
    return args


def check(results: dict, overrides: dict[str, float]) -> int:
    """Print each target's verdict at the results' primary size; the exit status."""
    primary = primary_size(results)
    data = primary["data"]
    print(f"bench: targets at {data['records']:,} records:")
    verdicts = target_table.check_all(primary, overrides)
    for verdict in verdicts:
        print(f"  {verdict.line()}")
    missed = [v.target.name for v in verdicts if not v.ok]
    if missed:
        print(f"bench: {len(missed)} target(s) missed: {', '.join(missed)}")
    else:
        print("bench: every target met")
    return target_table.exit_status(verdicts)


def primary_size(results: dict) -> dict:
    return next(size for size in results["sizes"] if size["requested"] == results["primary"])


# ---- the run -----------------------------------------------------------------------------


def bench_environment(args) -> dict[str, str]:
    """Production settings (debug off, a key, 127.0.0.1 only) on the bench's PostgreSQL and
    Redis, the connection settings both sides share, and a throttle that refuses nothing."""
    env = {**os.environ}
    for key, value in CONNECTION_DEFAULTS.items():
        env.setdefault(key, value)
    env.update(
        {
            "DATABASE_URL": args.database_url,
            "CACHE_URL": args.cache_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_STATIC_ROOT": str(ROOT / "var" / "bench-static"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "CONTOURS_API_RATE": THROTTLE_RATE,
            "CONTOURS_API_ANON_RATE": THROTTLE_RATE,
        }
    )
    return env


def _preflight(args) -> None:
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: BENCH_DATABASE_URL must be a postgres:// URL")
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk)")
    if not args.cache_url.startswith(("redis://", "rediss://")):
        raise SystemExit("bench: BENCH_CACHE_URL must name Redis (redis://host:6379/N)")
    import redis

    try:
        redis.Redis.from_url(args.cache_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise SystemExit(f"bench: Redis at {args.cache_url} does not answer ({error})") from None


def connection_summary() -> dict:
    """What each side's connections use, read back from both (they must agree)."""
    from django.conf import settings
    from django.db import connection

    from bench import raw_reference

    portal = raw_reference.connection_settings(settings.DATABASES["default"])
    reference = raw_reference.connection_settings(
        raw_reference._settings_module().DATABASES["default"]
    )
    params = connection.get_connection_params()
    applied = {
        "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
        "server_side_binding": params["cursor_factory"].__name__ == "ServerBindingCursor",
        "prepare_threshold": params["prepare_threshold"],
    }
    if (
        (portal.max_age, portal.health_checks, portal.server_side_binding)
        != (
            applied["CONN_MAX_AGE"],
            applied["CONN_HEALTH_CHECKS"],
            applied["server_side_binding"],
        )
        or portal.prepare_threshold != applied["prepare_threshold"]
        or portal != reference
    ):
        raise SystemExit(
            f"bench: the two sides' connection settings differ: {applied}, {reference}"
        )
    return applied


def measure_size(args, env: dict, size: int, primary: bool) -> dict:
    from django.db import connection

    from bench import data, measure

    generated = data.grow(env, size, args.generate_budget)
    described = data.describe()
    log(f"data: {data.label(described)}; a partner sees {described['partner_recommendations']:,}")
    accounts = data.accounts()
    terms = data.search_terms(described["partner_recommendations"])
    paths = data.paths(terms["common"]["term"])
    log(f"search words: common {terms['common']}, rare {terms['rare']}")
    result: dict = {
        "requested": size,
        "generated_seconds": generated,
        "data": described,
        "terms": terms,
    }
    log("counting statements and Redis round trips")
    result["counts"] = {
        "requests": measure.count_requests(accounts, paths),
        "phases": {
            "list": measure.count_phases(accounts, paths.list),
            "detail": measure.count_phases(accounts, paths.detail),
        },
    }
    log("timing the search SQL")
    result["search"] = {
        name: {**measure.time_search_sql(accounts, term["term"]), "matches": term["matches"]}
        for name, term in terms.items()
    }
    connection.close()
    tag = f"{size}"
    eps = measure.endpoints(paths, terms)
    result["labels"] = {name: endpoint.label for name, endpoint in eps.items()}
    result["paths"] = {name: endpoint.path for name, endpoint in eps.items()}
    portal, reference = measure.servers(env, args.workers, tag)
    try:
        ports = {"portal": portal.port, "reference": reference.port}
        measure.check_answers(ports, eps, accounts)
        result["monitor"] = measure.monitor_redis(portal.port, args.cache_url, paths.list, accounts)
        log(f"MONITOR: {result['monitor']['per_request']:.1f} Redis commands per API request")
        result["throughput"] = measure.rounds(
            ports,
            eps,
            accounts,
            pairs=args.pairs,
            seconds=args.seconds,
            connections=args.connections,
            workers=args.workers,
            worker_pids={"portal": portal.worker_pids, "reference": reference.worker_pids},
        )
    finally:
        portal.stop()
        reference.stop()
    log("dashboard: cold and warm")
    result["dashboard"] = measure.dashboard_cold(
        env, args.cache_url, accounts, args.cold_restarts, tag
    )
    if primary and args.memory_requests > 0:
        log(f"memory: one worker, {args.memory_requests:,} requests")
        result["memory"] = measure.memory(env, paths, accounts, args.memory_requests, tag)
    else:
        result["memory"] = None
    return result


def machine() -> str:
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.1f} GiB memory"
    except (OSError, AttributeError):
        pass
    return (
        f"{os.cpu_count()} CPU cores (nproc){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


# What `make bench` writes: not a change to the code measured.
_REPORTS = (
    ":(exclude)docs/benchmarks.md",
    ":(exclude)docs/benchmarks*.json",
    ":(exclude)docs/benchmarks*.svg",
)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def code_version() -> str:
    """The commit measured, "+ changes" when the tree differs from it (the bench's own
    reports, which a run before this one may have rewritten, aside); "unknown" outside git."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git("status", "--porcelain", "--untracked-files=no", "--", ".", *_REPORTS)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} + changes" if changed else commit


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def run(args, argv: list[str]) -> dict:
    _preflight(args)
    env = bench_environment(args)
    from bench import data

    data.ensure_database(args.database_url)
    log("migrating and collecting static files")
    data.manage(env, "migrate", "--noinput", "-v0")
    data.manage(env, "collectstatic", "--noinput", "-v0")
    os.environ.update(env)
    import django

    django.setup()
    import logging

    # The bench's own requests are not the audit trail's business (the servers keep theirs).
    logging.getLogger("contours.security").setLevel(logging.WARNING)
    sizes = sorted({args.records, *args.scale})
    stored = data.record_count()
    if stored > sizes[0]:
        raise SystemExit(
            f"bench: {stored:,} records are stored already, more than {sizes[0]:,}; "
            "use another BENCH_DATABASE_URL (or drop this one) for smaller sizes"
        )
    results = {
        "format": 1,
        "command": " ".join(
            ["make bench" if os.environ.get("MAKELEVEL") else "python -m bench.run"]
            + [shlex.quote(a) for a in argv]
        ),
        "environment": {
            key: os.environ[key]
            for key in sorted(os.environ)
            if key.startswith("BENCH_") and key != "BENCH_SECRET_KEY"
        },
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "load_at_start": _load(),
        "machine": machine(),
        "primary": args.records,
        "settings": {
            "workers": args.workers,
            "pairs": args.pairs,
            "seconds": args.seconds,
            "connections": args.connections,
            "cache_url": args.cache_url,
            "throttle_rate": THROTTLE_RATE,
            "connection": connection_summary(),
            "memory_requests": args.memory_requests,
            "cold_restarts": args.cold_restarts,
            "generate_budget": args.generate_budget,
        },
        "sizes": [],
    }
    for size in sizes:
        log(f"== size {size:,} ==")
        results["sizes"].append(measure_size(args, env, size, primary=size == args.records))
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load_at_end"] = _load()
    return results


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.list_targets:
        for target in target_table.targets_with(args.overrides):
            print(f"{target.name}: {target.figure} {target.wanted}")
        return 0
    if args.from_results:
        try:
            results = json.loads(args.from_results.read_text())
        except (OSError, ValueError) as error:
            print(f"bench: cannot read {args.from_results}: {error}", file=sys.stderr)
            return 2
        return check(results, args.overrides)
    started = time.monotonic()
    results = run(args, argv)
    from bench import report

    written = report.write(results, args.report, args.overrides)
    names = (str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in written)
    log(f"wrote {', '.join(names)}")
    log(f"finished in {(time.monotonic() - started) / 60:.1f} min")
    return check(results, args.overrides)


if __name__ == "__main__":
    sys.exit(main())
