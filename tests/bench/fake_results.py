"""A run's results as bench/run.py saves them, made up so that every target is met."""

from __future__ import annotations

import copy

from bench.measure import PAIRS, SINGLES

ROUNDS = 5
RPS = {
    "list": 300.0,
    "reference_list": 250.0,
    "floor_sql": 1000.0,
    "floor_static": 3000.0,
    "detail": 400.0,
    "reference_detail": 380.0,
    "record": 250.0,
    "deep": 290.0,
    "search": 200.0,
    "filtered": 280.0,
    "dashboard": 150.0,
}


def _run(rps: float) -> dict:
    return {
        "rps": rps,
        "p50_ms": 8000 / rps,
        "p99_ms": 20000 / rps,
        "requests": 1000,
        "errors": 0,
        # Two cores' worth of CPU per second, split 3:1 between the workers and PostgreSQL.
        "cpu_ms": {"workers": 1500 / rps, "postgres": 500 / rps},
    }


def _throughput() -> dict:
    endpoints: dict[str, list[dict]] = {name: [] for name in RPS}
    pairs = {}
    for pair, a, b, kind in PAIRS:
        ratios = []
        for index in range(ROUNDS):
            wobble = 1 + (index - 2) / 100
            ra, rb = RPS[a] * wobble, RPS[b]
            endpoints[a].append(_run(ra))
            endpoints[b].append(_run(rb))
            ratios.append(ra / rb if kind == "throughput" else rb / ra)
        pairs[pair] = {"a": a, "b": b, "kind": kind, "ratios": ratios}
    for name in SINGLES:
        endpoints[name] = [_run(RPS[name]) for _ in range(ROUNDS)]
    floors = {
        name: {floor: [RPS[name] / RPS[floor]] * ROUNDS for floor in ("floor_static", "floor_sql")}
        for name in RPS
        if not name.startswith("floor_")
    }
    return {"endpoints": endpoints, "pairs": pairs, "floor_fractions": floors}


def _counted(queries: int, redis: int = 1, first: int | None = None) -> dict:
    return {
        "queries": queries,
        "redis": redis,
        "sql": ["SELECT 1"] * queries,
        "first_queries": queries if first is None else first,
    }


def _phases() -> dict:
    return {
        "authentication": {"queries": 1, "redis": 1, "sql": ["SELECT token"]},
        "throttle": {"queries": 0, "redis": 0, "sql": []},
        "permission": {"queries": 0, "redis": 0, "sql": []},
        "rate limit (within authentication)": {"queries": 0, "redis": 1, "sql": []},
    }


def size_result(records: int = 12_345) -> dict:
    labels = {name: f"label of {name}" for name in RPS}
    return {
        "requested": records,
        "generated_seconds": 42.0,
        "data": {
            "records": records,
            "by_kind": {
                "agreements": records - 3,
                "deals": 1,
                "challenges": 1,
                "recommendations": 1,
            },
            "partner_recommendations": 4_321,
            "sources": 12,
            "excerpts": 345,
        },
        "terms": {
            "common": {"term": "cooperation", "matches": 2_000},
            "rare": {"term": "quasar", "matches": 3},
        },
        "labels": labels,
        "paths": {name: f"/{name}/" for name in RPS},
        "counts": {
            "requests": {
                "list": _counted(2),
                "detail": _counted(2),
                "filtered": _counted(2),
                "search": _counted(2),
                "deep": _counted(2),
                "record": _counted(6, redis=0, first=9),
                "dashboard": _counted(4, redis=1, first=12),
            },
            "phases": {"list": _phases(), "detail": _phases()},
        },
        "search": {
            name: {
                "term": term,
                "statements": 1,
                "ms": [4.0, 4.5, 5.0, 3.9, 4.1, 4.2, 4.3],
                "planning_ms": [0.5] * 7,
                "plan": "Limit (cost=…)\nExecution Time: 4.2 ms",
                "matches": matches,
            }
            for name, term, matches in (("common", "cooperation", 2_000), ("rare", "quasar", 3))
        },
        "throughput": _throughput(),
        "monitor": {"requests": 20, "commands": 20, "per_request": 1.0, "by_command": {"EVAL": 20}},
        "dashboard": {"cold_ms": [300.0, 310.0, 290.0, 305.0, 320.0], "warm_ms": [20.0] * 50},
        "memory": {
            "requests": 10_000,
            "paths": 17,
            "samples": [[i * 500, 90.0 + min(i, 4) * 0.5] for i in range(21)],
        },
    }


def results(records: int = 12_345) -> dict:
    return copy.deepcopy(
        {
            "format": 1,
            "command": "make bench",
            "environment": {"BENCH_RECORDS": str(records)},
            "started": "2026-12-03T07:00:00+00:00",
            "finished": "2026-12-03T07:20:00+00:00",
            "load_at_start": "0.10 / 0.20 / 0.30",
            "load_at_end": "1.10 / 1.20 / 1.30",
            "machine": "2 CPU cores (nproc)",
            "primary": records,
            "settings": {
                "workers": 2,
                "pairs": ROUNDS,
                "seconds": 5,
                "connections": 8,
                "cache_url": "redis://127.0.0.1:6379/5",
                "throttle_rate": "1000000/second",
                "connection": {
                    "CONN_MAX_AGE": 600,
                    "CONN_HEALTH_CHECKS": True,
                    "server_side_binding": True,
                    "prepare_threshold": 5,
                },
                "memory_requests": 10_000,
                "cold_restarts": 5,
                "generate_budget": 600.0,
            },
            "sizes": [size_result(records)],
        }
    )
