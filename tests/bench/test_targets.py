"""The benchmark can fail: every target of issue 15 is checked, and the exit status says so.

`make bench` runs `python -m bench.run`; these tests drive the same entry point on saved
results (`--from-results`), so the exit status logic is proven without a 20-minute run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from bench import targets as t
from bench.run import parse_args
from tests.bench.fake_results import results, size_result
from tests.utils import BASE_DIR

ISSUE_15_TARGETS = {
    "list_vs_reference": (">=", 1.0),
    "list_vs_floor": (">=", 0.2),
    "detail_statements": ("<=", 1),
    "detail_vs_reference": (">=", 1.0),
    "auth_queries": ("<=", 1),
    "throttle_redis": ("==", 1),
    "throttle_queries": ("<=", 0),
    "record_vs_detail": ("<=", 2.0),
    "record_queries": ("<=", 6),
    "search_common_ms": ("<=", 10),
    "search_rare_ms": ("<=", 10),
    "deep_vs_first": ("<=", 1.2),
    "memory_mib": ("<=", 120),
    "memory_growth_mib": ("<=", 5),
}


def _bench(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m bench.run ARGS`, as `make bench` runs it, without this shell's BENCH_*."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
    )


def test_the_target_list_is_issue_15s_table():
    assert {target.name: (target.op, target.limit) for target in t.TARGETS} == ISSUE_15_TARGETS


def test_results_that_meet_every_target_pass():
    verdicts = t.check_all(size_result(), {})

    assert [v.target.name for v in verdicts if not v.ok] == []
    assert t.exit_status(verdicts) == 0


@pytest.mark.parametrize(
    ("name", "spoil"),
    [
        (
            "list_vs_reference",
            lambda r: r["throughput"]["pairs"]["list_vs_reference"].update(
                ratios=[0.5, 0.6, 0.55, 0.52, 2.0]
            ),
        ),
        (
            "list_vs_floor",
            lambda r: r["throughput"]["pairs"]["list_vs_floor"].update(ratios=[0.05] * 5),
        ),
        ("detail_statements", lambda r: r["counts"]["requests"]["detail"].update(queries=9)),
        (
            "detail_vs_reference",
            lambda r: r["throughput"]["pairs"]["detail_vs_reference"].update(ratios=[0.9] * 5),
        ),
        ("auth_queries", lambda r: r["counts"]["phases"]["list"]["permission"].update(queries=1)),
        ("throttle_redis", lambda r: r["counts"]["requests"]["list"].update(redis=2)),
        ("throttle_redis", lambda r: r["counts"]["requests"]["list"].update(redis=0)),
        ("throttle_queries", lambda r: r["counts"]["phases"]["list"]["throttle"].update(queries=4)),
        (
            "throttle_queries",
            # A database cache: the Bearer check's statements, inside authentication.
            lambda r: [
                r["counts"]["phases"]["list"][phase].update(queries=4)
                for phase in ("authentication", "rate limit (within authentication)")
            ],
        ),
        (
            "record_vs_detail",
            lambda r: r["throughput"]["pairs"]["record_vs_detail"].update(ratios=[2.5] * 5),
        ),
        ("record_queries", lambda r: r["counts"]["requests"]["record"].update(queries=7)),
        ("search_common_ms", lambda r: r["search"]["common"].update(ms=[13.35] * 7)),
        ("search_rare_ms", lambda r: r["search"]["rare"].update(ms=[10.01] * 7)),
        (
            "deep_vs_first",
            lambda r: r["throughput"]["pairs"]["deep_vs_first"].update(ratios=[1.3] * 5),
        ),
        ("memory_mib", lambda r: r["memory"].update(samples=[[n, 121.0] for n in range(21)])),
        ("memory_growth_mib", lambda r: r["memory"]["samples"][-1].__setitem__(1, 99.0)),
    ],
)
def test_each_target_fails_alone_when_its_figure_misses(name, spoil):
    result = size_result()
    spoil(result)

    verdicts = t.check_all(result, {})

    assert [v.target.name for v in verdicts if not v.ok] == [name]
    assert t.exit_status(verdicts) == 1


def test_a_target_is_judged_on_the_median_of_its_pairs_not_the_best_one():
    result = size_result()
    result["throughput"]["pairs"]["list_vs_reference"]["ratios"] = [3.0, 0.9, 0.8, 0.95, 2.0]

    (verdict,) = [v for v in t.check_all(result, {}) if v.target.name == "list_vs_reference"]

    assert not verdict.ok
    assert verdict.measured == "0.95× (0.80–3.00, n=5)"


def test_a_phase_that_was_not_measured_is_a_miss_not_a_pass():
    result = size_result()
    result["memory"] = None

    missed = {v.target.name: v.measured for v in t.check_all(result, {}) if not v.ok}

    assert set(missed) == {"memory_mib", "memory_growth_mib"}
    assert all(
        text.startswith("not measured: the memory run was skipped") for text in missed.values()
    )


def test_an_impossible_limit_makes_a_met_target_fail():
    overrides = t.parse_overrides(["list_vs_reference=1000"])

    verdicts = t.check_all(size_result(), overrides)

    assert [v.target.name for v in verdicts if not v.ok] == ["list_vs_reference"]
    assert t.exit_status(verdicts) == 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("list_vs_refrence=2", "unknown target"),
        ("list_vs_reference", "unknown target"),
        ("list_vs_reference=fast", "not a number"),
    ],
)
def test_a_bad_override_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        t.parse_overrides([spec])


def test_overrides_come_from_the_environment_and_the_command_line():
    args = parse_args(
        ["--target", "memory_mib=1"],
        {"BENCH_TARGETS": "list_vs_reference=9, deep_vs_first=0.5"},
    )

    assert args.overrides == {"list_vs_reference": 9.0, "deep_vs_first": 0.5, "memory_mib": 1.0}


def test_fewer_than_five_pairs_are_refused():
    with pytest.raises(SystemExit):
        parse_args(["--pairs", "4"], {})


# ---- the command `make bench` runs ---------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "benchmarks.json"
    path.write_text(json.dumps(results()))
    return path


def test_bench_exits_zero_when_every_target_is_met(saved):
    finished = _bench("--from-results", str(saved))

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "every target met" in finished.stdout
    assert "12,345 records" in finished.stdout  # the size is read from the results


def test_bench_exits_non_zero_and_names_the_target_made_impossible(saved):
    finished = _bench("--from-results", str(saved), env={"BENCH_TARGETS": "list_vs_reference=1000"})

    assert finished.returncode == 1
    assert re.search(r"^  MISSED: list_vs_reference: .*target ≥ 1000×", finished.stdout, re.M)
    assert finished.stdout.rstrip().endswith("1 target(s) missed: list_vs_reference")


def test_bench_exits_non_zero_on_a_missed_target_in_the_saved_run(tmp_path):
    spoiled = results()
    spoiled["sizes"][0]["search"]["rare"]["ms"] = [25.0] * 7
    path = tmp_path / "spoiled.json"
    path.write_text(json.dumps(spoiled))

    finished = _bench("--from-results", str(path))

    assert finished.returncode == 1
    assert "MISSED: search_rare_ms" in finished.stdout


def test_bench_refuses_an_unknown_target_in_one_line(saved):
    finished = _bench("--from-results", str(saved), "--target", "speed=11")

    assert finished.returncode == 2
    assert "unknown target 'speed=11'" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_make_bench_returns_the_benchmarks_exit_status():
    """The Makefile's bench recipe ends in the benchmark itself, nothing that hides its status."""
    makefile = (BASE_DIR / "Makefile").read_text()
    recipe = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    last = recipe.strip().splitlines()[-1].strip()

    assert last == "$(PY) -m bench.run $(BENCH_ARGS)"
