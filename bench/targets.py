"""Issue 15's target table as data, checked against one size's results.

Each target reads one figure from a run's results (a dict, as saved to
docs/benchmarks.json), compares it with its limit and says pass or miss. A limit
can be changed for one run (`--target NAME=VALUE` or BENCH_TARGETS="NAME=VALUE,…"),
which is how tests/bench/test_targets.py proves that `make bench` fails when a
target is made impossible.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.counting import RATE_LIMIT
from bench.stats import Summary

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
}


class MissingFigure(KeyError):
    """The results hold no figure for this target (a phase was skipped or failed)."""


@dataclass(frozen=True)
class Target:
    name: str
    figure: str  # what is measured, as the table says it
    op: str
    limit: float
    unit: str
    read: Callable[[dict], Summary]
    digits: int = 2

    def check(self, results: dict) -> Verdict:
        try:
            value = self.read(results)
        except MissingFigure as missing:
            return Verdict(self, None, False, f"not measured: {missing.args[0]}")
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as missing:
            return Verdict(self, None, False, f"not measured ({missing!r})")
        ok = _OPERATORS[self.op](value.median, self.limit)
        return Verdict(self, value, ok, value.text(self.digits, self.unit))

    @property
    def wanted(self) -> str:
        return f"{self.op.replace('>=', '≥').replace('<=', '≤').replace('==', '=')} " + (
            f"{self.limit:g}{self.unit}"
        )


@dataclass(frozen=True)
class Verdict:
    target: Target
    value: Summary | None
    ok: bool
    measured: str

    def line(self) -> str:
        status = "pass" if self.ok else "MISSED"
        target = self.target
        return f"{status}: {target.name}: {target.figure}: {self.measured} (target {target.wanted})"


# ---- reading figures ---------------------------------------------------------------------


def _pair(name: str) -> Callable[[dict], Summary]:
    return lambda r: Summary.of(r["throughput"]["pairs"][name]["ratios"])


def _count(endpoint: str, what: str = "queries") -> Callable[[dict], Summary]:
    return lambda r: Summary.of([r["counts"]["requests"][endpoint][what]])


def _detail_statements(r: dict) -> Summary:
    phases = r["counts"]["phases"]["detail"]
    stack = sum(phases[phase]["queries"] for phase in ("authentication", "permission", "throttle"))
    return Summary.of([r["counts"]["requests"]["detail"]["queries"] - stack])


def _auth_queries(r: dict) -> Summary:
    # The rate-limit check runs inside authentication; its statements are the throttle's.
    phases = r["counts"]["phases"]["list"]
    own = phases["authentication"]["queries"] - _rate_limit(phases)["queries"]
    return Summary.of([own + phases["permission"]["queries"]])


def _rate_limit(phases: dict) -> dict:
    return phases.get(RATE_LIMIT, {"queries": 0, "redis": 0})


def _throttle(what: str) -> Callable[[dict], Summary]:
    def figure(r: dict) -> Summary:
        phases = r["counts"]["phases"]["list"]
        return Summary.of([phases["throttle"][what] + _rate_limit(phases)[what]])

    return figure


def _api_redis(r: dict) -> Summary:
    # The whole request, not the throttle's step alone: the token-failure check and the
    # throttle share one round trip (portal/ratelimit.check_bearer, in authentication).
    return Summary.of([r["counts"]["requests"]["list"]["redis"]])


def _search(term: str) -> Callable[[dict], Summary]:
    return lambda r: Summary.of(r["search"][term]["ms"])


def _memory_samples(r: dict) -> list:
    if r.get("memory") is None:
        raise MissingFigure(
            "the memory run was skipped (it runs at the primary size unless "
            "BENCH_MEMORY_REQUESTS=0)"
        )
    return r["memory"]["samples"]


def _memory_final(r: dict) -> Summary:
    return Summary.of([_memory_samples(r)[-1][1]])


def _memory_growth(r: dict) -> Summary:
    samples = _memory_samples(r)
    middle = samples[len(samples) // 2][1]
    return Summary.of([samples[-1][1] - middle])


TARGETS: tuple[Target, ...] = (
    Target(
        "list_vs_reference",
        "partner list (50 rows) vs the reference, throughput",
        ">=",
        1.0,
        "×",
        _pair("list_vs_reference"),
    ),
    Target(
        "list_vs_floor",
        "partner list vs the raw-SQL view floor, throughput",
        ">=",
        0.2,
        "×",
        _pair("list_vs_floor"),
    ),
    Target(
        "detail_statements",
        "API detail: SQL statements besides authentication and throttle",
        "<=",
        1,
        "",
        _detail_statements,
        0,
    ),
    Target(
        "detail_vs_reference",
        "API detail vs the reference detail, throughput",
        ">=",
        1.0,
        "×",
        _pair("detail_vs_reference"),
    ),
    Target(
        "auth_queries",
        "token authentication and roles: SQL queries per request",
        "<=",
        1,
        "",
        _auth_queries,
        0,
    ),
    Target(
        "throttle_redis",
        "throttle (with the token-failure check): Redis round trips per API request",
        "==",
        1,
        "",
        _api_redis,
        0,
    ),
    Target(
        "throttle_queries",
        "throttle (with the token-failure check): SQL queries per request",
        "<=",
        0,
        "",
        _throttle("queries"),
        0,
    ),
    Target(
        "record_vs_detail",
        "web record page cost vs the API detail",
        "<=",
        2.0,
        "×",
        _pair("record_vs_detail"),
    ),
    Target(
        "record_queries",
        "web record page: SQL queries per request",
        "<=",
        6,
        "",
        _count("record"),
        0,
    ),
    Target(
        "search_common_ms",
        "search SQL, a common term",
        "<=",
        10,
        " ms",
        _search("common"),
    ),
    Target(
        "search_rare_ms",
        "search SQL, a rare term",
        "<=",
        10,
        " ms",
        _search("rare"),
    ),
    Target(
        "deep_vs_first",
        "deep page (cursor far into the list) cost vs page one",
        "<=",
        1.2,
        "×",
        _pair("deep_vs_first"),
    ),
    Target(
        "memory_mib",
        "worker memory (RSS) after the memory run's requests",
        "<=",
        120,
        " MiB",
        _memory_final,
        1,
    ),
    Target(
        "memory_growth_mib",
        "worker memory growth over the memory run's second half (flat)",
        "<=",
        5,
        " MiB",
        _memory_growth,
        1,
    ),
)
BY_NAME = {target.name: target for target in TARGETS}


def parse_overrides(specs: list[str]) -> dict[str, float]:
    """`NAME=VALUE` items (from --target or BENCH_TARGETS) as {name: limit}."""
    overrides: dict[str, float] = {}
    for spec in specs:
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or name not in BY_NAME:
                known = ", ".join(BY_NAME)
                raise ValueError(f"unknown target {item!r}: use NAME=VALUE, NAME one of {known}")
            try:
                overrides[name] = float(value)
            except ValueError:
                raise ValueError(f"target {name}: {value!r} is not a number") from None
    return overrides


def targets_with(overrides: dict[str, float]) -> list[Target]:
    return [
        replace(target, limit=overrides[target.name]) if target.name in overrides else target
        for target in TARGETS
    ]


def check_all(results: dict, overrides: dict[str, float]) -> list[Verdict]:
    return [target.check(results) for target in targets_with(overrides)]


def exit_status(verdicts: list[Verdict]) -> int:
    """0 when every target is met, 1 when any is missed or could not be measured."""
    return 0 if all(verdict.ok for verdict in verdicts) else 1
