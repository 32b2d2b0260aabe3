"""The settings `make bench` serves the portal with: production settings, plus the floor.

Only ROOT_URLCONF differs: bench/urls.py adds the two floor views in front of the portal's
own URLs, so the machine's floor is served by the same gunicorn, through the same
middleware, as the endpoints measured against it. Nothing else in the portal uses it.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
