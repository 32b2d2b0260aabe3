"""Decision 0002's figures: the portal before the record spine (A) against the portal with it
(C), each on its own copy of the same 100,000-record database, over real HTTP.

Reproduce (about 30 minutes on two cores, most of it generating the data):

    # 1. A database at the commit before the spine (git worktree of ca49fd5 at $A_TREE):
    #    migrate, load_demo, generate_data 5 × 20,000 (seeds 0, 20000, …), VACUUM ANALYZE;
    #    then, in $A_TREE, `python -m bench.spine_compare accounts` writes the partner's token
    #    and the curator's session to var/spine-compare.json.
    # 2. createdb -T spine_a spine_c; in this tree: DATABASE_URL=…/spine_c manage.py migrate
    #    (the spine's migrations, timed: the forward migration at 100,000 records).
    # 3. python -m bench.spine_compare run --a-tree $A_TREE \\
    #        --a-db postgres://…/spine_a --c-db postgres://…/spine_c
    #
    # Each side is one gunicorn sync worker with the production settings (bench/settings.py)
    # on its own database and Redis database. Every figure is the mean time of a request
    # repeated until about 0.3 s is spent, taken in alternating pairs (A then C, then C then
    # A, …); the report gives the median of the pairs with min–max, and C/A per pair.

Nothing in the portal imports this module.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "var" / "spine-compare.json"


def _accounts() -> None:
    """Run in the A tree against spine_a (before the copy): the same token and session then
    exist in both databases."""
    import django

    django.setup()
    from bench.data import accounts

    acc = accounts()
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps({"token": acc.token, "session": acc.session}))
    print(f"wrote {STATE}")


def _paths() -> list[tuple[str, str, str]]:
    """(label, who, path) for each page measured, picked from the C database (same ids)."""
    import django

    django.setup()
    from django.db.models import Count, Q
    from django.urls import reverse

    from cooperation.choices import Visibility
    from cooperation.models import Recommendation, Source

    published = Recommendation.objects.filter(visibility=Visibility.PUBLISHED)
    busy = (
        published.annotate(
            links=Count("spine__evidence_links", distinct=True),
            notes=Count("spine__annotations", distinct=True),
        )
        .filter(links__gte=2, notes__gte=1)
        .order_by("pk")
        .first()
    )
    source = (
        Source.objects.annotate(
            n=Count("excerpts", filter=Q(excerpts__evidence_links__isnull=False))
        )
        .filter(visibility=Visibility.PUBLISHED, n__gte=10)
        .order_by("pk")
        .first()
    )
    return [
        ("partner: notes list, 50 (API)", "partner", "/api/v1/annotations/?page_size=50"),
        ("partner: excerpts list, 50 (API)", "partner", "/api/v1/excerpts/?page_size=50"),
        (
            "partner: recommendations list, 50 (API)",
            "partner",
            "/api/v1/recommendations/?page_size=50",
        ),
        (
            "partner: recommendations of one source, 50 (API ?source=)",
            "partner",
            f"/api/v1/recommendations/?page_size=50&source={source.pk}",
        ),
        ("partner: one recommendation (API)", "partner", f"/api/v1/recommendations/{busy.pk}/"),
        ("curator: record page", "curator", busy.get_absolute_url()),
        (
            "curator: source reader page",
            "curator",
            reverse("cooperation:source_detail", args=[source.pk]),
        ),
        ("curator: notes list", "curator", reverse("cooperation:annotation_list")),
        ("curator: notifications", "curator", reverse("cooperation:notifications")),
    ]


def _server(tree: Path, database_url: str, redis_db: int, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        # The key the accounts step signed the curator's session with.
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(tree / "var" / "spine-compare-static"),
        "CONTOURS_API_RATE": "1000000/second",
        "CONTOURS_API_ANON_RATE": "1000000/second",
        "DB_CONN_MAX_AGE": "600",
    }
    # Production settings serve hashed static files: collect them as a deployment does.
    subprocess.run(
        [str(tree / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=tree,
        env=env,
        check=True,
    )
    return subprocess.Popen(
        [
            str(tree / ".venv/bin/python"),
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "sync",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def _get(conn, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _sample(port: int, path: str, headers: dict, budget: float = 0.3) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    _get(conn, path, headers)  # warm: the connection, the worker's caches
    n, started = 0, time.perf_counter()
    while True:
        status, _ = _get(conn, path, headers)
        assert status == 200, (port, path, status)
        n += 1
        spent = time.perf_counter() - started
        if spent >= budget and n >= 3:
            conn.close()
            return spent / n * 1000


def _run(args) -> None:
    state = (
        json.loads(STATE.read_text())
        if STATE.exists()
        else json.loads((Path(args.a_tree) / "var" / "spine-compare.json").read_text())
    )
    os.environ["DATABASE_URL"] = args.c_db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    paths = [p for p in _paths() if not args.only or args.only in p[0]]
    who = {
        "partner": {"Authorization": f"Bearer {state['token']}", "Host": "127.0.0.1"},
        "curator": {"Cookie": f"sessionid={state['session']}", "Host": "127.0.0.1"},
    }
    servers = {
        "A": _server(Path(args.a_tree), args.a_db, 11, args.port),
        "C": _server(ROOT, args.c_db, 12, args.port + 1),
    }
    ports = {"A": args.port, "C": args.port + 1}
    try:
        time.sleep(8)
        results = []
        for label, role, path in paths:
            samples = {"A": [], "C": []}
            for i in range(args.pairs):
                order = ("A", "C") if i % 2 == 0 else ("C", "A")
                for side in order:
                    samples[side].append(_sample(ports[side], path, who[role]))
            ratios = [c / a for a, c in zip(samples["A"], samples["C"], strict=True)]
            row = {
                "label": label,
                "path": path,
                "A": samples["A"],
                "C": samples["C"],
                "ratio": ratios,
            }
            results.append(row)
            print(
                f"{label}: A {statistics.median(samples['A']):.1f} ms "
                f"({min(samples['A']):.1f}–{max(samples['A']):.1f}), "
                f"C {statistics.median(samples['C']):.1f} ms "
                f"({min(samples['C']):.1f}–{max(samples['C']):.1f}), "
                f"C/A {statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})",
                flush=True,
            )
        out = ROOT / "var" / "spine-compare-results.json"
        out.write_text(json.dumps({"load": os.getloadavg(), "results": results}, indent=1))
    finally:
        for server in servers.values():
            server.terminate()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("accounts")
    run = sub.add_parser("run")
    run.add_argument("--a-tree", required=True)
    run.add_argument("--a-db", required=True)
    run.add_argument("--c-db", required=True)
    run.add_argument("--pairs", type=int, default=7)
    run.add_argument("--port", type=int, default=8731)
    run.add_argument("--only", help="measure only the pages whose label contains this")
    args = parser.parse_args(argv)
    if args.command == "accounts":
        _accounts()
    else:
        _run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
