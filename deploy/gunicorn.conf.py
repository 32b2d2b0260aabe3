"""gunicorn's settings for Contours, read by the Dockerfile and deploy/contours.service:

    gunicorn --config deploy/gunicorn.conf.py portal.wsgi:application

Each value comes from the environment with a default (docs/operations.md lists them).
The application must always answer before gunicorn gives up on it: a request's longest
database work (two attempts, see portal/middleware.py, of one statement each bounded by
CONTOURS_WEB_STATEMENT_TIMEOUT_MS, plus a margin for Python) must fit in `timeout` and
in `graceful_timeout`. Loading this file refuses to start a server where it does not.
"""

import os
import signal
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # `gunicorn` run from a venv's bin/ does not add the cwd

from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from portal.database import budget_from_env, request_seconds  # noqa: E402
from portal.env import env_int  # noqa: E402

try:
    bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
    workers = env_int("WEB_CONCURRENCY", 2)
    # Threads: a request waiting on the database holds a thread, not a whole process, so
    # reads and /healthz are served while writes wait on a locked row.
    worker_class = "gthread"
    threads = env_int("GUNICORN_THREADS", 8)
    # Of each worker's threads, at most this many run writes (POST, PUT, PATCH, DELETE) at
    # once; a write beyond them is answered 503 with Retry-After at once. So writes queued on
    # a locked row can never take every thread: the rest keep serving reads and /healthz.
    write_slots = env_int("CONTOURS_WRITE_SLOTS", max(1, threads // 2))
    # A worker that stops answering its heartbeat this long is killed and replaced.
    timeout = env_int("GUNICORN_TIMEOUT", 30)
    # On SIGTERM (a stop or a deploy), requests in flight get this long to finish.
    graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
    keepalive = env_int("GUNICORN_KEEPALIVE", 5)
    _web = budget_from_env("web")
except ImproperlyConfigured as exc:
    sys.exit(f"contours: configuration error: {exc}")

# The workers' Django settings read it (portal/middleware.py, WriteSlotsMiddleware).
os.environ["CONTOURS_WRITE_SLOTS"] = str(write_slots)

accesslog = "-"
# Heartbeat files in memory rather than on a (possibly overlay) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

_needed = request_seconds(_web)
for _name, _value in (
    ("GUNICORN_TIMEOUT", timeout),
    ("GUNICORN_GRACEFUL_TIMEOUT", graceful_timeout),
):
    if _value <= _needed:
        sys.exit(
            f"contours: configuration error: {_name} ({_value} s) must be longer than the "
            f"longest a request may spend on the database ({_needed:g} s: two attempts of "
            f"CONTOURS_WEB_STATEMENT_TIMEOUT_MS={_web.statement_timeout_ms} ms plus a margin), "
            "so that the application always answers first."
        )


def post_fork(server, worker):
    """Workers die with their master: a SIGKILLed master leaves no worker serving on."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != server.pid:  # the master died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
