"""Settings for the test suite: production settings with a throwaway key and fast hashing.

DATABASE_URL still chooses the database, so the same suite runs on SQLite and PostgreSQL.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-any-real-deployment")
# API rate limits high enough that the suite (schemathesis included) never trips them;
# tests/api/test_schema_and_errors.py lowers them to prove throttling works.
os.environ.setdefault("CONTOURS_API_RATE", "100000/minute")
os.environ.setdefault("CONTOURS_API_ANON_RATE", "100000/minute")
os.environ.setdefault("CONTOURS_API_TOKEN_FAILURE_RATE", "100000/minute")
# The test client and live_server speak plain http; with the production default every request
# would be redirected to https. tests/portal/test_security_headers.py turns it back on.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# Database waits (portal/database.py): the suite holds a transaction open around each test
# while Python works, and tests/trust queues 20 writers on one row on a busy CI machine, so
# its own connections get generous limits. The fault tests start servers with short ones
# (tests/trust/test_faults.py) and tests/portal/test_database_budgets.py checks the defaults.
os.environ.setdefault("CONTOURS_WEB_LOCK_TIMEOUT_MS", "30000")
os.environ.setdefault("CONTOURS_WEB_STATEMENT_TIMEOUT_MS", "300000")
os.environ.setdefault("CONTOURS_WEB_IDLE_TRANSACTION_TIMEOUT_MS", "3600000")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="contours-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Serve static files from the apps' folders, as in development: no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
