"""The web process's start-up: views loaded, and what is loaded kept out of the collector."""

from __future__ import annotations

import gc
import json

import pytest
from django.core.signals import request_finished, request_started

from portal.startup import YOUNG_GENERATION_THRESHOLD, settle
from tests.utils import clean_env, run_python

SHOW = (
    "import gc, json, sys\n"
    "print(json.dumps({'frozen': gc.get_freeze_count(), 'thresholds': gc.get_threshold(),"
    " 'views': 'cooperation.api.views' in sys.modules}))"
)


def test_the_wsgi_application_loads_the_views_and_freezes_what_it_loaded(tmp_path):
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="portal.settings_test")

    web = run_python(["-c", "import portal.wsgi\n" + SHOW], env)
    bare = run_python(["-c", "import django\ndjango.setup()\n" + SHOW], env)

    web, bare = json.loads(web.stdout or "{}"), json.loads(bare.stdout or "{}")
    assert web["views"] and not bare["views"]
    # The interpreter keeps a few hundred objects frozen of its own; start-up freezes the
    # application's (some 125,000).
    assert bare["frozen"] < 1_000 < 50_000 < web["frozen"]
    # The young generation is collected less often (only in the web process); the older
    # ones as Python sets them.
    assert web["thresholds"] == [YOUNG_GENERATION_THRESHOLD, *bare["thresholds"][1:]]
    assert bare["thresholds"][0] < YOUNG_GENERATION_THRESHOLD


@pytest.mark.django_db  # a request's end closes the database connections it finds
def test_start_up_leaves_the_collector_running():
    """Only what is loaded by then is frozen: the collector still runs for everything made
    afterwards, its young generation less often."""
    thresholds = gc.get_threshold()
    try:
        settle()
        assert gc.isenabled()
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *thresholds[1:])
        frozen = gc.get_freeze_count()
        # A request's start and end (their signal receivers) freeze nothing either.
        request_started.send(sender=None, environ={})
        made_later = [[] for _ in range(1_000)]
        request_finished.send(sender=None)
        # A frozen object that dies leaves the frozen generation, so the count may fall
        # (other work in the process frees them at any time); it must not grow.
        assert gc.get_freeze_count() <= frozen
        # gc.get_objects() walks the three generations the collector visits, never the
        # frozen one: everything made afterwards must be there.
        wanted = {id(item) for item in made_later}
        assert all(gc.is_tracked(item) for item in made_later)
        assert sum(id(item) in wanted for item in gc.get_objects()) == len(wanted)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
