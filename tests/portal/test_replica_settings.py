"""DATABASE_REPLICA_URLS: what it configures, and the one-line refusals of what it can't be.

The routing itself is tested against a real streaming replica in tests/scale/test_replicas.py.
"""

from __future__ import annotations

import json

import pytest

from tests.utils import clean_env, run_python

SHOW = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "replicas": list(settings.CONTOURS_REPLICAS),
    "routers": settings.DATABASE_ROUTERS,
    "middleware": "portal.replicas.ReplicaReadMiddleware" in settings.MIDDLEWARE,
    "mirror": [settings.DATABASES[a]["TEST"].get("MIRROR") for a in settings.CONTOURS_REPLICAS],
    "options": [settings.DATABASES[a]["OPTIONS"].get("options", "")
                for a in settings.CONTOURS_REPLICAS],
}))
"""


def _settings(tmp_path, **env) -> tuple[int, str, str]:
    result = run_python(
        ["-c", SHOW],
        clean_env(tmp_path, DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_SECRET_KEY="x", **env),
    )
    return result.returncode, result.stdout, result.stderr


def test_without_replicas_nothing_is_routed(tmp_path):
    code, out, err = _settings(tmp_path, DATABASE_URL="postgres://u@db:5432/contours")
    assert code == 0, err
    assert json.loads(out) == {
        "replicas": [],
        "routers": [],
        "middleware": False,
        "mirror": [],
        "options": [],
    }


def test_each_replica_url_is_a_mirrored_alias_with_the_web_budget(tmp_path):
    code, out, err = _settings(
        tmp_path,
        DATABASE_URL="postgres://u@db:5432/contours",
        DATABASE_REPLICA_URLS="postgres://u@r1:5432/contours, postgres://u@r2:5432/contours,",
    )
    assert code == 0, err
    shown = json.loads(out)
    assert shown["replicas"] == ["replica1", "replica2"]
    assert shown["routers"] == ["portal.replicas.ReplicaRouter"]
    assert shown["middleware"] is True
    assert shown["mirror"] == ["default", "default"]
    # The same bounded waits as the primary (portal/database.py).
    assert all("lock_timeout" in options for options in shown["options"])


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"DATABASE_URL": "", "DATABASE_REPLICA_URLS": "postgres://u@r1/c"}, "needs PostgreSQL"),
        (
            {"DATABASE_URL": "postgres://u@db/c", "DATABASE_REPLICA_URLS": "mysql://u@r1/c"},
            "not a postgres:// URL",
        ),
    ],
)
def test_a_replica_setting_it_cannot_use_is_refused_in_one_line(tmp_path, env, says):
    code, _, err = _settings(tmp_path, **env)
    assert code != 0
    assert "DATABASE_REPLICA_URLS" in err and says in err
