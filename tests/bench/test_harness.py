"""The benchmark's pieces, fast: the raw reference serves what the API serves, wrk output parses.

The benchmark itself (`make bench`) is never run by the suite.
"""

from __future__ import annotations

import pytest
from django.db import connection

from bench import raw_reference
from bench.run import evaluate, parse_wrk
from cooperation.services.synthetic import synthetic_data_generate
from tests.api.conftest import client_for

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
  Non-2xx or 3xx responses: 3
Requests/sec:    128.00
Transfer/sec:      1.00MB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors():
    measurement = parse_wrk("list", WRK_OUTPUT)
    assert measurement.rps == 128.0
    assert measurement.p50_ms == pytest.approx(11.8)
    assert measurement.p99_ms == pytest.approx(1200.0)
    assert (measurement.requests, measurement.errors) == (1280, 3)


def test_evaluate_passes_and_fails_each_target():
    def m(name, rps, p50):
        return parse_wrk(name, WRK_OUTPUT.replace("128.00", str(rps)).replace("11.80ms", p50))

    results = {
        "reference": m("reference", 100, "10.00ms"),
        "list": m("list", 60, "20.00ms"),
        "deep": m("deep", 50, "40.00ms"),
        "detail": m("detail", 80, "10.00ms"),
        "dashboard": m("dashboard", 30, "25.00ms"),
        "record": m("record", 30, "31.00ms"),
    }
    verdicts = {name: ok for name, _, ok in evaluate(results, search_ms=25.0)}
    assert list(verdicts.values()) == [True, False, False, True, False]


@pytest.mark.postgres
def test_raw_reference_serves_the_partner_list_first_page(db, partner, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the raw reference speaks PostgreSQL")
    synthetic_data_generate(records=120, seed=5)
    # The reference opens its own connection; inside the test transaction it must share ours.
    monkeypatch.setattr(raw_reference, "_connect", lambda: connection.connection)
    api = client_for(partner).get("/api/v1/recommendations/", {"page_size": 20}).json()
    expected = api["results"]
    served = raw_reference._document(raw_reference.page(20), "http://testserver")["results"]
    assert [row["id"] for row in served] == [row["id"] for row in expected]
    assert [list(row) for row in served] == [list(row) for row in expected]
    for got, want in zip(served, expected, strict=True):
        assert got["status_history"][-1]["to_status"] == want["status_history"][-1]["to_status"]
        assert [e["excerpt"] for e in got["evidence"]] == [e["excerpt"] for e in want["evidence"]]
