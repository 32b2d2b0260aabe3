"""What a web process does once, after loading the application, before its first request."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load what every request needs, then take it out of the garbage collector's sweeps.

    The URLconf (every view, serializer and form module behind it) would otherwise load on
    the first request. What is loaded by now lives as long as the process, yet each full
    collection walked all of it again: some 125,000 objects, collected every few requests
    of a 50-row list page, about 2 ms a request at 100,000 records (docs/benchmarks.md).
    `gc.freeze()` moves these objects to a generation the collector never visits; anything
    made later, requests' cycles included, is collected as before.
    """
    get_resolver().url_patterns  # noqa: B018  (loading it imports the views)
    gc.collect()  # start-up's own garbage is freed, not frozen
    gc.freeze()
