"""The benchmark's pieces that need no server: statistics, wrk's output, the report, the chart.

The benchmark itself (`make bench`) is never run by the suite.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from bench import report, svg
from bench.counting import parse_monitor_line
from bench.load import parse_wrk, rss_mib
from bench.stats import Summary, paired
from tests.bench.fake_results import results

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.50ms    3.10ms  40.00ms   80.00%
  Latency Distribution
     50%   11.80ms
     75%   13.00ms
     90%   16.00ms
     99%    1.20s
  1280 requests in 10.00s, 10.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:    128.00
Transfer/sec:      1.00MB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors():
    run = parse_wrk(WRK_OUTPUT)

    assert run.rps == 128.0
    assert run.p50_ms == pytest.approx(11.8)
    assert run.p99_ms == pytest.approx(1200.0)
    assert (run.requests, run.errors) == (1280, 6)
    assert run.max_ms == pytest.approx(40.0)


def test_summary_is_the_median_with_min_and_max():
    summary = Summary.of([0.52, 0.39, 0.43, 0.50, 0.51])

    assert (summary.median, summary.low, summary.high, summary.n) == (0.50, 0.39, 0.52, 5)
    assert summary.text(2, "×") == "0.50× (0.39–0.52, n=5)"
    assert Summary.of([8]).text(0) == "8"


def test_pairs_are_ratios_within_each_pair():
    # Throughput: a / b; cost: b / a (what one of a's requests costs in b's).
    assert paired([100, 50], [200, 25], "throughput") == [0.5, 2.0]
    assert paired([100, 50], [200, 25], "cost") == [2.0, 0.5]
    with pytest.raises(ValueError):
        paired([1, 2], [1], "throughput")


def test_rss_of_this_process_is_read_from_proc():
    assert 5 < rss_mib(os.getpid()) < 4096


def test_cpu_time_is_read_from_proc():
    """The CPU split's readings: this process's time grows while it works, a pid that is
    gone counts nothing, and the machine's PostgreSQL is found by its processes' name."""
    import time

    from bench.load import cpu_seconds, postgres_pids

    before = cpu_seconds([os.getpid()])
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert 0.2 < cpu_seconds([os.getpid()]) - before < 5
    assert cpu_seconds([2**22 + 1]) == 0  # beyond the kernel's largest pid
    found = postgres_pids()
    if not found:
        pytest.skip("no PostgreSQL runs on this machine")
    assert os.getpid() not in found and cpu_seconds(found) > 0


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ('+1733212345.123456 [5 127.0.0.1:50312] "GET" ":1:throttle_client_token-7"', (5, "GET")),
        ('+1733212345.123456 [0 lua] "incr" "k"', (0, "INCR")),
        ("+OK", None),
    ],
)
def test_monitor_lines_give_the_database_and_command(line, parsed):
    found = parse_monitor_line(line)

    assert (found and (found[0], found[2])) == parsed


def test_the_chart_is_svg_with_a_point_per_size_and_series():
    document = svg.chart(
        "Cost",
        {"list": [(10_000, 3.0), (100_000, 4.5), (1_000_000, 9.0)], "detail": [(10_000, 2.0)]},
        "ms",
    )

    root = ET.fromstring(document)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//s:circle", ns)) == 4
    assert len(root.findall(".//s:polyline", ns)) == 1  # one point draws no line
    labels = {text.text for text in root.findall(".//s:text", ns)}
    assert {"10k", "100k", "1M", "list", "detail"} <= labels


def test_the_report_takes_its_labels_from_the_data_and_shows_every_target(tmp_path):
    run = results(records=12_345)
    run["sizes"][0]["search"]["rare"]["ms"] = [25.0] * 7

    written = report.write(run, tmp_path / "benchmarks.md", {})
    text = (tmp_path / "benchmarks.md").read_text()

    assert [p.name for p in written] == [
        "benchmarks.md",
        "benchmarks.json",
        "benchmarks-scale.json",
        "benchmarks-scale.svg",
    ]
    assert "## 12,345 records" in text
    assert "a partner sees 4,321 published recommendations" in text
    assert "100,000" not in text
    assert "| `search_rare_ms` | search SQL, a rare term | ≤ 10 ms | 25.00 ms" in text
    assert text.count("**MISSED**") == 1
    assert "label of floor_static" in text and "label of floor_sql" in text
    assert "![Cost against size](benchmarks-scale.svg)" in text
    assert "2 sync workers" in text and "prepare threshold 5" in text
    ET.fromstring((tmp_path / "benchmarks-scale.svg").read_text())
    # Where the CPU went: the medians of the runs' cpu_ms (the list at 300 req/s).
    assert "### Where the CPU goes under load" in text
    assert "| label of list | 5.00 | 1.67 | 6.67 |" in text


def test_runs_without_cpu_readings_leave_the_cpu_table_out(tmp_path):
    run = results(records=12_345)
    for runs in run["sizes"][0]["throughput"]["endpoints"].values():
        for one in runs:
            del one["cpu_ms"]
    report.write(run, tmp_path / "benchmarks.md", {})
    assert "Where the CPU goes" not in (tmp_path / "benchmarks.md").read_text()


def test_scale_points_keep_other_sizes_and_replace_the_measured_one(tmp_path):
    first = results(records=10_000)
    report.write(first, tmp_path / "benchmarks.md", {})
    second = results(records=100_000)
    second["started"] = "2026-12-04T07:00:00+00:00"
    second["code"] = "abc1234"

    report.write(second, tmp_path / "benchmarks.md", {})
    points = report.scale_points(second, None)["points"]
    saved = json.loads((tmp_path / "benchmarks-scale.json").read_text())["points"]

    assert list(points) == ["100000"]
    assert list(saved) == ["10000", "100000"]
    assert saved["10000"]["date"] == "2026-12-03" and saved["100000"]["date"] == "2026-12-04"
    assert saved["100000"]["code"] == "abc1234"
    assert "2026-12-04 (abc1234)" in (tmp_path / "benchmarks.md").read_text()
    assert saved["100000"]["cost_ms"]["list"] == pytest.approx(1000 / 300.0, rel=0.05)


def test_the_code_measured_is_named_by_its_commit():
    from bench.run import code_version

    assert re.fullmatch(r"[0-9a-f]{7,}( \+ changes)?|unknown", code_version())
