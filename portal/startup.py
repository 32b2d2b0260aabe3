"""What a web process does once, after loading the application, before its first request."""

from __future__ import annotations

import gc

from django.urls import get_resolver

# Container objects allocated (net of those freed) before the youngest generation is
# collected; Python's default is 700. A 50-row list page builds thousands of objects that
# live until it is sent, so at 700 the collector ran ~4 times a page over objects still in
# use, pushing them into older generations, whose full collections followed: ~0.5 ms of
# GC a page at 100,000 records (DRF's cycles already broken, api/conventions.py), ~0.28 ms
# at 2,000 (measured in-process, 300 pages). Higher thresholds cost less still (~0.07 ms
# at 10,000) but let what requests leave in cycles pile up: the web pages' garbage (~1,400
# objects a record page or search, ~4,000 the dashboard) holds model rows and texts, and
# a worker serving the bench's mix of pages jumped from ~113 to ~188 MiB at 10,000 (118
# at 5,000), while at 2,000 it stayed flat at ~109, as at 700 (~107).
YOUNG_GENERATION_THRESHOLD = 2_000


def settle() -> None:
    """Load what every request needs, then take it out of the garbage collector's sweeps.

    The URLconf (every view, serializer and form module behind it) would otherwise load on
    the first request. What is loaded by now lives as long as the process, yet each full
    collection walked all of it again: some 125,000 objects, collected every few requests
    of a 50-row list page, about 2 ms a request at 100,000 records (docs/benchmarks.md).
    `gc.freeze()` moves these objects to a generation the collector never visits; anything
    made later, requests' cycles included, is collected, the youngest generation once
    YOUNG_GENERATION_THRESHOLD objects have piled up rather than Python's 700.
    """
    get_resolver().url_patterns  # noqa: B018  (loading it imports the views)
    gc.collect()  # start-up's own garbage is freed, not frozen
    gc.freeze()
    collect_less_often()


def collect_less_often() -> None:
    """The young generation's threshold for this process (the bench's reference uses it too,
    so that both sides of a comparison run under the same collector settings)."""
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
