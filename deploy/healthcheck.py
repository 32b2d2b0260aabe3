"""Wait until Contours answers GET /healthz with 200; exit 0 then, 1 if it does not in time.

deploy/contours.service runs it after starting gunicorn (ExecStartPost), so the service
counts as started only once a request is served and the database answers; if not, systemd
stops it and, with Restart=on-failure, tries again.

    python deploy/healthcheck.py [--wait SECONDS] [--url URL]

The address comes from GUNICORN_BIND (as in deploy/gunicorn.conf.py); the Host header is
the first name in DJANGO_ALLOWED_HOSTS, which Django checks. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def _url() -> str:
    bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")[0].strip()
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/healthz"


def _host_header() -> str:
    hosts = [h.strip().lstrip(".") for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
    return next((h for h in hosts if h and h != "*"), "localhost")


def healthy(url: str, timeout: float = 5) -> bool:
    request = urllib.request.Request(url, headers={"Host": _host_header()})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=0, help="Keep trying this many seconds.")
    parser.add_argument("--url", default=None, help="Default: /healthz at GUNICORN_BIND.")
    args = parser.parse_args(argv)
    url = args.url or _url()
    deadline = time.monotonic() + args.wait
    while True:
        if healthy(url):
            return 0
        if time.monotonic() >= deadline:
            print(f"contours: {url} did not answer 200 within {args.wait:g} s", file=sys.stderr)
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
