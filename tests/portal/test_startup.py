"""The web process's start-up: views loaded, and what is loaded kept out of the collector."""

from __future__ import annotations

import gc
import json

from portal.startup import settle
from tests.utils import clean_env, run_python

SHOW = (
    "import gc, json, sys\n"
    "print(json.dumps({'frozen': gc.get_freeze_count(),"
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


def test_objects_made_after_start_up_are_still_collected():
    try:
        settle()
        cycle = []
        cycle.append(cycle)
        ref_id = id(cycle)
        del cycle
        gc.collect()
        assert ref_id not in {id(o) for o in gc.get_objects()}
    finally:
        gc.unfreeze()
