"""The benchmark's data: a PostgreSQL database grown to a size, described from its rows.

Everything a report says about the data (how many records, how many a partner sees,
which words are common or rare) is read from the database, never assumed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from bench.load import ROOT

# Generation is not measured, so it runs with Django's default statement handling.
_MEASURED_KNOBS = ("DATABASE_SERVER_SIDE_BINDING", "DATABASE_PREPARE_THRESHOLD")
PARTNER_EMAIL = "bench-partner@contours.invalid"
CURATOR_EMAIL = "bench-curator@contours.invalid"
PAGE_SIZE = 50


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def ensure_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"bench: refusing database name {name!r} (letters, digits, _ only)")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not found.fetchone():
            log(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str, timeout: float = 3600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    return result.stdout


def record_count() -> int:
    from cooperation.models import RECORD_MODELS

    return sum(model._base_manager.count() for model in RECORD_MODELS)


def grow(env: dict, size: int, budget_seconds: float) -> float:
    """Add records until `size` are stored or the budget is spent; the seconds it took.

    Generation runs in chunks (`manage.py generate_data`, seeded by the count already
    stored, so a database grows the same way every time); a chunk started inside the
    budget is finished, so the budget can be overrun by one chunk.
    """
    from django.db import connection

    env = {key: value for key, value in env.items() if key not in _MEASURED_KNOBS}
    started = time.monotonic()
    count = record_count()
    while count < size:
        if time.monotonic() - started >= budget_seconds:
            log(f"generation budget of {budget_seconds:.0f} s spent at {count:,} records")
            break
        chunk = min(size - count, max(10_000, size // 20))
        log(f"{count:,} records stored; generating {chunk:,} more")
        manage(env, "generate_data", "--records", str(chunk), "--seed", str(count), "--no-progress")
        count = record_count()
    elapsed = time.monotonic() - started
    connection.close()
    # Fresh statistics and visibility maps, as autovacuum would leave them before anyone reads.
    with connection.cursor() as cursor:
        # This process keeps the web's 10-second statement budget (portal/database.py);
        # a VACUUM of 100,000 records and their history takes longer.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("RESET statement_timeout")
    return elapsed


def describe() -> dict:
    """The data as the report names it, counted from the rows."""
    from cooperation.choices import Visibility
    from cooperation.models import RECORD_MODELS, Excerpt, Recommendation, Source

    by_kind = {
        str(model._meta.verbose_name_plural): model._base_manager.count() for model in RECORD_MODELS
    }
    return {
        "records": sum(by_kind.values()),
        "by_kind": by_kind,
        "partner_recommendations": Recommendation.objects.filter(
            visibility=Visibility.PUBLISHED
        ).count(),
        "sources": Source._base_manager.count(),
        "excerpts": Excerpt._base_manager.count(),
    }


def label(data: dict) -> str:
    kinds = ", ".join(f"{count:,} {kind}" for kind, count in data["by_kind"].items())
    return f"{data['records']:,} records ({kinds})"


# ---- accounts ----------------------------------------------------------------------------


@dataclass
class Accounts:
    token: str
    session: str


def accounts() -> Accounts:
    """A partner with a fresh read-only token and a curator with a session, via the services."""
    from django.test import Client

    from accounts.models import Organisation, User
    from accounts.roles import CURATOR, PARTNER
    from accounts.services import api_token_create, organisation_create, user_create

    organisation = Organisation.objects.filter(slug="bench-partner").first()
    if organisation is None:
        organisation = organisation_create(name="Bench Partner", slug="bench-partner")
    partner = User.objects.filter(email=PARTNER_EMAIL).first()
    if partner is None:
        partner = user_create(
            email=PARTNER_EMAIL,
            password=None,
            roles=[PARTNER],
            organisation=organisation,
            full_name="Bench Partner",
        )
    _, token = api_token_create(user=partner, name=f"bench {datetime.now(UTC):%Y-%m-%d %H:%M:%S}")
    curator = User.objects.filter(email=CURATOR_EMAIL).first()
    if curator is None:
        curator = user_create(
            email=CURATOR_EMAIL, password=None, roles=[CURATOR], full_name="Bench Curator"
        )
    client = Client()
    client.force_login(curator)
    return Accounts(token=token, session=client.cookies["sessionid"].value)


# ---- what is requested -------------------------------------------------------------------


@dataclass
class Paths:
    list: str
    detail: str
    detail_id: int
    filtered: str
    search: str
    deep: str
    deep_position: int
    record: str
    page_ids: list[int]
    record_paths: list[str]


API = "/api/v1/recommendations/"


def paths(common_term: str) -> Paths:
    from django.utils import timezone

    from accounts.models import User
    from cooperation.api.pagination import KeysetCursorPagination, order_keys
    from cooperation.choices import Priority, RecommendationStatus
    from cooperation.models import Recommendation
    from cooperation.selectors import records_visible_to

    partner = User.objects.get(email=PARTNER_EMAIL)
    visible = records_visible_to(partner, Recommendation).order_by("title", "pk")
    length = visible.count()
    if length < 2 * PAGE_SIZE:
        raise SystemExit(f"bench: a partner sees {length} recommendations; generate more data")
    # The deepest page a partner can ask for: the one after the last-but-60th row.
    position = length - 60
    title, pk = visible.values_list("title", "pk")[position]
    # The walk's start (a title can change, so the cursor carries it): now.
    cursor = KeysetCursorPagination()._encode(
        visible, order_keys(visible), [title, pk], timezone.now()
    )
    first_page = list(visible[:PAGE_SIZE])
    first = first_page[0]
    return Paths(
        list=f"{API}?page_size={PAGE_SIZE}",
        detail=f"{API}{first.pk}/",
        detail_id=first.pk,
        filtered=f"{API}?"
        + urlencode(
            {
                "status": RecommendationStatus.IN_PROGRESS,
                "priority": Priority.HIGH,
                "page_size": PAGE_SIZE,
            }
        ),
        search=f"{API}?{urlencode({'q': common_term, 'page_size': PAGE_SIZE})}",
        deep=f"{API}?{urlencode({'page_size': PAGE_SIZE, 'cursor': cursor})}",
        deep_position=position,
        record=first.get_absolute_url(),
        page_ids=[r.pk for r in first_page],
        record_paths=[r.get_absolute_url() for r in first_page[:10]],
    )


# ---- search terms from the data ----------------------------------------------------------

# Words of published recommendations (no stemming, so each is a word a person would type),
# counted over a repeatable sample; only words the English configuration does not drop.
_WORDS_SQL = """
SELECT word, ndoc FROM ts_stat($$
    SELECT to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(summary, ''))
      FROM cooperation_recommendation TABLESAMPLE SYSTEM ({percent}) REPEATABLE (15)
     WHERE deleted_at IS NULL AND visibility = 'published'
$$)
WHERE word ~ '^[a-z]{{5,}}$' AND numnode(plainto_tsquery('english', word)) > 0
ORDER BY ndoc {direction}, word
LIMIT 1
"""
_MATCHES_SQL = """
SELECT count(*) FROM cooperation_recommendation
 WHERE deleted_at IS NULL AND visibility = 'published'
   AND to_tsvector('english', coalesce(title, '') || ' ' || coalesce(summary, ''))
       @@ plainto_tsquery('english', %s)
"""


def search_terms(partner_recommendations: int) -> dict[str, dict]:
    """The most and the least frequent word of the published recommendations, with counts."""
    from django.db import connection

    percent = min(100.0, max(1.0, 100 * 20_000 / max(partner_recommendations, 1)))
    terms = {}
    with connection.cursor() as cursor:
        for name, direction in (("common", "DESC"), ("rare", "ASC")):
            cursor.execute(_WORDS_SQL.format(percent=percent, direction=direction))
            word, _ = cursor.fetchone()
            cursor.execute(_MATCHES_SQL, [word])
            terms[name] = {"term": word, "matches": cursor.fetchone()[0]}
    return terms
