"""The test settings plus the spine prototype app (bench/spine_eval.py only)."""

from portal.settings_test import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.spine_proto.apps.SpineProtoConfig"]  # noqa: F405
