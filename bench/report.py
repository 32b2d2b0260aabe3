"""docs/benchmarks.md, docs/benchmarks.json and the cost-against-size chart, from one run."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bench import svg
from bench.stats import Summary
from bench.targets import check_all

SCALE_SERIES = {
    "list": "partner list",
    "detail": "API detail",
    "search": "search (common word)",
    "dashboard": "dashboard (warm)",
    "reference_list": "reference list",
}


def _rps(size: dict, name: str) -> Summary:
    return Summary.of(run["rps"] for run in size["throughput"]["endpoints"][name])


def _p50(size: dict, name: str) -> float:
    return statistics.median(run["p50_ms"] for run in size["throughput"]["endpoints"][name])


def _errors(size: dict, name: str) -> int:
    return sum(run["errors"] for run in size["throughput"]["endpoints"][name])


def scale_points(results: dict, previous: dict | None) -> dict:
    """Cost per size (1000 / median req/s), this run's sizes over earlier runs' others."""
    points = dict((previous or {}).get("points", {}))
    for size in results["sizes"]:
        points[str(size["requested"])] = {
            "date": results["started"][:10],
            "code": results.get("code", "unknown"),
            "records": size["data"]["records"],
            "cost_ms": {
                name: 1000 / _rps(size, name).median
                for name in SCALE_SERIES
                if name in size["throughput"]["endpoints"]
            },
            "search_sql_ms": {
                name: statistics.median(found["ms"]) for name, found in size["search"].items()
            },
        }
    return {"points": dict(sorted(points.items(), key=lambda item: int(item[0])))}


def scale_chart(points: dict) -> str:
    series: dict[str, list[tuple[int, float]]] = {}
    for point in points["points"].values():
        for name, label in SCALE_SERIES.items():
            if name in point["cost_ms"]:
                series.setdefault(label, []).append((point["records"], point["cost_ms"][name]))
        for name, value in point["search_sql_ms"].items():
            series.setdefault(f"search SQL ({name})", []).append((point["records"], value))
    return svg.chart(
        "Cost against size: ms per request at full load (1000 / req/s), and search SQL",
        series,
        "milliseconds",
    )


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "-" * len(header)
    marks = ["---:" if a == "r" else "---" for a in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(marks) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _cpu_section(size: dict) -> list[str]:
    """Where each endpoint's CPU went under load, per request answered (rounds' cpu_ms):
    what tells a gap in Python from one in the database. Nothing for runs without it."""
    endpoints = size["throughput"]["endpoints"]
    measured = {
        name: runs
        for name, runs in endpoints.items()
        if runs and all("cpu_ms" in run for run in runs)
    }
    if not measured:
        return []

    def median(runs, *keys) -> float:
        return statistics.median(sum(run["cpu_ms"][key] for key in keys) for run in runs)

    return [
        "### Where the CPU goes under load (ms of CPU per request answered)",
        "",
        "Read from /proc around each wrk run: the server's gunicorn workers, and every "
        "PostgreSQL process on the machine (its backends and helpers). wrk, Redis and the "
        "kernel's share are not counted. Medians over the rounds.",
        "",
        *_table(
            ["endpoint", "workers", "PostgreSQL", "both"],
            [
                [
                    size["labels"][name],
                    f"{median(runs, 'workers'):.2f}",
                    f"{median(runs, 'postgres'):.2f}",
                    f"{median(runs, 'workers', 'postgres'):.2f}",
                ]
                for name, runs in measured.items()
            ],
            "lrrr",
        ),
        "",
    ]


def _size_section(results: dict, size: dict, overrides: dict, primary: bool) -> list[str]:
    data = size["data"]
    settings = results["settings"]
    lines = [
        f"## {data['records']:,} records",
        "",
        f"- Data: {', '.join(f'{n:,} {k}' for k, n in data['by_kind'].items())}; "
        f"{data['sources']:,} sources, {data['excerpts']:,} excerpts; a partner sees "
        f"{data['partner_recommendations']:,} published recommendations "
        f"(counted from the database; generated in {size['generated_seconds']:.0f} s).",
        "",
    ]
    if primary:
        verdicts = check_all(size, overrides)
        lines += [
            "### Targets (issue 15)",
            "",
            *_table(
                ["target", "figure", "wanted", "measured: median (min–max)", "result"],
                [
                    [
                        f"`{v.target.name}`",
                        v.target.figure,
                        v.target.wanted,
                        v.measured,
                        "pass" if v.ok else "**MISSED**",
                    ]
                    for v in verdicts
                ],
            ),
            "",
        ]
    endpoints = size["throughput"]["endpoints"]
    counts = size["counts"]["requests"]
    floors = size["throughput"]["floor_fractions"]
    lines += [
        "### The machine's floor (same servers, same run)",
        "",
        *_table(
            ["floor", "req/s: median (min–max)", "p50 ms", "errors"],
            [
                [
                    size["labels"][name],
                    _rps(size, name).text(1),
                    f"{_p50(size, name):.1f}",
                    str(_errors(size, name)),
                ]
                for name in ("floor_static", "floor_sql")
            ],
            "lrrr",
        ),
        "",
        "### Endpoints",
        "",
        f"Every figure is the median of {settings['pairs']} rounds or more (an endpoint that "
        "takes part in several pairs is measured in each); a fraction of a floor is the "
        "endpoint's req/s over the floor's in the same round.",
        "",
        *_table(
            [
                "endpoint",
                "req/s: median (min–max)",
                "p50 ms",
                "of static floor",
                "of raw-SQL floor",
                "SQL per request (first)",
                "Redis round trips",
                "errors",
            ],
            [
                [
                    size["labels"][name],
                    _rps(size, name).text(1),
                    f"{_p50(size, name):.1f}",
                    Summary.of(floors[name]["floor_static"]).text(3, "×") if name in floors else "",
                    Summary.of(floors[name]["floor_sql"]).text(3, "×") if name in floors else "",
                    f"{counts[name]['queries']} ({counts[name]['first_queries']})"
                    if name in counts
                    else "",
                    str(counts[name]["redis"]) if name in counts else "",
                    str(_errors(size, name)),
                ]
                for name in endpoints
                if not name.startswith("floor_")
            ],
            "lrrrrrrr",
        ),
        "",
        *_cpu_section(size),
        "### Pairs (portal first, then its comparison, back to back)",
        "",
        *_table(
            ["pair", "ratio", "median (min–max)", "each round"],
            [
                [
                    f"`{name}`: {pair['a']} / {pair['b']}",
                    "throughput (higher is better)"
                    if pair["kind"] == "throughput"
                    else "cost (lower is better)",
                    Summary.of(pair["ratios"]).text(2, "×"),
                    ", ".join(f"{r:.2f}" for r in pair["ratios"]),
                ]
                for name, pair in size["throughput"]["pairs"].items()
            ],
        ),
        "",
    ]
    phases = size["counts"]["phases"]
    monitor = size["monitor"]
    lines += [
        "### The API's stack, step by step (counting hooks, this process)",
        "",
        *_table(
            ["request", "step", "SQL statements", "Redis round trips"],
            [
                [name, phase, str(found["queries"]), str(found["redis"])]
                for name, steps in phases.items()
                for phase, found in steps.items()
            ],
            "llrr",
        ),
        "",
        f"Redis MONITOR, {monitor['requests']} list requests to gunicorn: "
        f"{monitor['per_request']:.1f} commands per request in the bench's database "
        f"({', '.join(f'{c} {n}' for c, n in sorted(monitor['by_command'].items())) or 'none'}).",
        "",
        "### Search SQL (EXPLAIN ANALYZE of the statements a search sends)",
        "",
        *_table(
            [
                "word",
                "published matches",
                "statements",
                "execution ms: median (min–max)",
                "planning ms",
            ],
            [
                [
                    f"{name}: `{found['term']}`",
                    f"{found['matches']:,}",
                    str(found["statements"]),
                    Summary.of(found["ms"]).text(2),
                    f"{statistics.median(found['planning_ms']):.2f}",
                ]
                for name, found in size["search"].items()
            ],
            "lrrrr",
        ),
        "",
    ]
    if primary:
        common = size["search"]["common"]
        lines += [
            "<details><summary>Plans for the common word</summary>",
            "",
            "```",
            common["plan"],
            "```",
            "",
            "</details>",
            "",
        ]
    dashboard = size["dashboard"]
    lines += [
        "### Dashboard, cold and warm (one worker, sequential requests)",
        "",
        *_table(
            ["request", "ms: median (min–max)"],
            [
                [
                    "first after a restart (new worker, empty cache)",
                    Summary.of(dashboard["cold_ms"]).text(1),
                ],
                ["the next ten, after each restart", Summary.of(dashboard["warm_ms"]).text(1)],
            ],
            "lr",
        ),
        "",
    ]
    if size.get("memory"):
        memory = size["memory"]
        samples = memory["samples"]
        shown = samples[:: max(1, len(samples) // 10)]
        if shown[-1] != samples[-1]:
            shown.append(samples[-1])
        lines += [
            "### Worker memory",
            "",
            f"One gunicorn worker serving {memory['requests']:,} requests in turn over "
            f"{memory['paths']} URLs (list, details, search, filter, deep page, record pages, "
            "dashboard); RSS from /proc:",
            "",
            *_table(
                ["requests", "RSS MiB"],
                [[f"{done:,}", f"{rss:.1f}"] for done, rss in shown],
                "rr",
            ),
            "",
        ]
    return lines


def markdown(results: dict, overrides: dict, scale: dict, chart_name: str) -> str:
    settings = results["settings"]
    connection = settings["connection"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`) from the run below; do not edit by hand.",
        "Every throughput figure is the median of at least five back-to-back pairs (the",
        "portal, then what it is compared with), with min and max; the machine's floor is",
        "measured by the same gunicorn in the same run. `make bench` exits non-zero when a",
        "target below is missed and prints which.",
        "",
        f"- Command: `{results['command']}`"
        + (
            f" with {', '.join(f'{k}={v}' for k, v in results['environment'].items())}"
            if results["environment"]
            else ""
        ),
        f"- Code: {results.get('code', 'unknown')}",
        f"- Date: {results['started']} to {results['finished']} (UTC); load average "
        f"{results['load_at_start']} at the start, {results['load_at_end']} at the end",
        f"- Machine: {results['machine']}",
        f"- Servers: gunicorn, {settings['workers']} sync workers for the portal "
        "(`bench/settings.py`: production settings plus the floor's two URLs) and as many "
        "for the reference (`bench/raw_reference.py`); debug off; 127.0.0.1",
        f"- Both sides' connections: CONN_MAX_AGE={connection['CONN_MAX_AGE']}, health checks "
        f"{'on' if connection['CONN_HEALTH_CHECKS'] else 'off'}, server-side binding "
        f"{'on' if connection['server_side_binding'] else 'off'}, prepare threshold "
        f"{connection['prepare_threshold']}",
        f"- Cache and throttle: Redis at `{settings['cache_url']}` (as docker-compose deploys "
        f"it); throttle rate {settings['throttle_rate']} so that nothing is refused",
        f"- Load: wrk, 2 threads, {settings['connections']} connections, "
        f"{settings['seconds']} s per run after a 2 s warm-up per endpoint; "
        f"{settings['pairs']} rounds",
        "",
    ]
    for size in results["sizes"]:
        lines += _size_section(results, size, overrides, size["requested"] == results["primary"])
    lines += [
        "## Cost against size",
        "",
        f"![Cost against size]({chart_name})",
        "",
        *_table(
            ["records", "measured on", *SCALE_SERIES.values(), "search SQL common / rare"],
            [
                [
                    f"{point['records']:,}",
                    f"{point['date']} ({point.get('code', 'code not recorded')})",
                    *(
                        f"{point['cost_ms'][name]:.2f}" if name in point["cost_ms"] else ""
                        for name in SCALE_SERIES
                    ),
                    " / ".join(f"{v:.2f}" for v in point["search_sql_ms"].values()),
                ]
                for point in scale["points"].values()
            ],
            "lr" + "r" * len(SCALE_SERIES) + "r",
        ),
        "",
        "Milliseconds per request at full load (1000 / median req/s), and search SQL",
        "execution time. Sizes measured in earlier runs keep their date and commit: a",
        "scale can be built from several runs, one database per size",
        "(`BENCH_DATABASE_URL`), each writing its sizes into `docs/benchmarks-scale.json`.",
        "",
        "## How the figures are made",
        "",
        "- Pairs: in every round, each pair runs back to back, the portal first: list then",
        "  the reference list; list then the raw-SQL floor; detail then the reference",
        "  detail; record page then the API detail; deep page then page one. Then the static",
        "  floor, search, the filtered list and the dashboard. A pair's ratio is taken",
        "  within the pair, and the figure is the median of the rounds' ratios.",
        "- Drained between runs: after every wrk run the bench waits until both servers",
        "  have served what the run left queued (two rounds of quick `/healthz` probes in a",
        "  row), so a slow page's backlog is not counted against the run after it.",
        "- The reference authenticates the same token the same way (the ApiToken row by",
        "  prefix, SHA-256 in constant time, revoked, expired, inactive and role checks, the",
        "  last-use stamp once a minute), counts the request in the same Redis in one round",
        "  trip, and answers the same documents (the list's first page with a next cursor;",
        "  the detail with its ETag), built in one SQL statement.",
        "- Counts: SQL statements through Django's `execute_wrapper`, Redis round trips at",
        "  redis-py's socket writes (a pipeline is one), each the second of two identical",
        "  requests; the stack's steps are DRF's own `perform_authentication`,",
        "  `check_permissions` and `check_throttles` on the resolved view. The detail's",
        "  statements besides the stack are its total less those steps'.",
        "- Search words are the most and least frequent words of the published",
        "  recommendations (a repeatable sample of them); their matches are counted.",
        "- The cold dashboard is the first request to a new gunicorn worker that has loaded",
        "  the application, with the bench's Redis database emptied first.",
        "- Memory: one worker's RSS (/proc/<pid>/status) at twenty points of the run;",
        '  "flat" is the growth over the second half.',
        "- Raw samples of every run: `docs/benchmarks.json`; check them against the targets",
        "  again with `python -m bench.run --from-results docs/benchmarks.json`.",
        "",
        "## Running it",
        "",
        "- `make bench`: `BENCH_RECORDS` (default 100000) records in `BENCH_DATABASE_URL` (default",
        "  `postgres://postgres@127.0.0.1:5432/contours_bench`, created and grown as needed),",
        "  Redis at `BENCH_CACHE_URL` (default `redis://127.0.0.1:6379/5`, a database number",
        "  of the bench's own: the cold dashboard empties it), wrk installed if missing.",
        "  About half an hour on two cores; run it on a quiet machine.",
        "- Sizes: targets are checked at `BENCH_RECORDS`; a scale run adds sizes,",
        "  smallest first, in one growing database: `BENCH_SCALE=10000,100000,1000000`.",
        "  Generation stops after `BENCH_GENERATE_BUDGET` seconds per size (default 600),",
        "  and the size is what was built. A database holding more records than the smallest",
        "  size asked for is refused: use another (e.g. `.../bench_scale`).",
        "- Rounds and runs: `BENCH_PAIRS` (at least 5), `BENCH_SECONDS` per wrk run (5),",
        "  `BENCH_CONNECTIONS` (8), `BENCH_WORKERS` (one per core), `BENCH_MEMORY_REQUESTS`",
        "  (10,000), `BENCH_COLD_RESTARTS` (at least 5).",
        "- Connection settings for both sides, unless set: `DATABASE_CONN_MAX_AGE=600`,",
        "  `DATABASE_CONN_HEALTH_CHECKS=1`, `DATABASE_SERVER_SIDE_BINDING=1`,",
        "  `DATABASE_PREPARE_THRESHOLD=5`.",
        "- A target's limit for one run: `BENCH_TARGETS=list_vs_reference=1000` or",
        '  `make bench BENCH_ARGS="--target list_vs_reference=1000"` (the run then fails);',
        "  `python -m bench.run --list-targets` prints them all.",
        "",
    ]
    return "\n".join(lines)


def write(results: dict, report: Path, overrides: dict) -> list[Path]:
    report.parent.mkdir(parents=True, exist_ok=True)
    raw = report.with_suffix(".json")
    scale_json = report.with_name(report.stem + "-scale.json")
    scale_svg = report.with_name(report.stem + "-scale.svg")
    previous = json.loads(scale_json.read_text()) if scale_json.exists() else None
    scale = scale_points(results, previous)
    raw.write_text(json.dumps(results, indent=1) + "\n")
    scale_json.write_text(json.dumps(scale, indent=1) + "\n")
    scale_svg.write_text(scale_chart(scale))
    report.write_text(markdown(results, overrides, scale, scale_svg.name))
    return [report, raw, scale_json, scale_svg]
