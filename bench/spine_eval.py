"""Record spine against today's generic relations, measured in one PostgreSQL database.

A record of decision 0001, runnable only at the code it measured: "today" below is commit
964697e, before the spine landed (3d3d92a, migrations 0015-0017), whose generic relations
are design A. Since then the portal is design B, and design A's code is gone; check out
964697e to run it again.

One command, on a database holding `manage.py generate_data --records 100000 --seed 1`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spine_100k .venv/bin/python -m bench.spine_eval

(about 5 minutes, plus 2 the first time to build the spine's tables). To make such a
database (about 5 minutes of generation on a 2-core machine):

    createdb -h 127.0.0.1 -U postgres spine_100k
    export DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/spine_100k
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py generate_data \
        --records 100000 --seed 1

Options: `--pairs N` (default 11), `--sample-ms MS` (each sample repeats the scenario
until about MS milliseconds, default 300; `--repeat N` fixes it instead), `--rebuild`
(rebuild the spine's tables even if present), `--only KEY[,KEY]` (e.g. `a,b1,c3`).

What it does (docs/decisions/0001-record-spine.md reads its output):

1. Builds design B beside design A, from the same rows: the prototype's tables
   (bench/spine_proto/models.py: a `spine_proto_record` spine, kind tables keeping their
   own ids, evidence and notes with a real `record_id` foreign key) are created by
   Django's schema editor and filled by INSERT ... SELECT from the `cooperation_*`
   tables; then VACUUM ANALYZE. Skipped when the tables are there and complete.
2. Gets each scenario's SQL. Design A is what the portal runs today, captured from its
   own code (the API through the test client, the record page's query set and
   selectors, the services). Design B is the same work under the spine: from the
   prototype models through the same code where the code allows it (the API's excerpt
   list with the citation test swapped; the record page; the services' save path) and
   written out where today's code is raw SQL (record_rows' one-statement list, search).
   Every pair is checked to return the same rows before it is timed.
3. Times each scenario in pairs: a sample runs the design's statements n times on one
   connection (rows fetched) and divides; A and B alternate within each pair (AB, BA,
   AB ...) so the machine's drift falls on both. Medians with min and max.
   Writes (d) are timed through the ORM, in a transaction rolled back after each sample.
4. Writes docs/decisions/0001-record-spine-figures.md (the table) and
   docs/decisions/0001-record-spine-plans.txt (EXPLAIN (ANALYZE, BUFFERS) of every
   statement of both designs).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = ROOT / "docs" / "decisions"
FIGURES = DECISIONS / "0001-record-spine-figures.md"
PLANS = DECISIONS / "0001-record-spine-plans.txt"
SEARCH = "hypersonic export controls"
KINDS = ("agreement", "deal", "challenge", "recommendation")
TRACKED = (
    "version",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "deleted_at",
    "deleted_by_id",
)


def log(message: str) -> None:
    print(f"spine_eval: {message}", file=sys.stderr, flush=True)


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "spine_eval: DATABASE_URL must name a PostgreSQL database holding "
            "generate_data's records (see the top of bench/spine_eval.py)"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.spine_proto.settings")
    import django

    django.setup()


# ---- 1. design B's tables, from the same rows ------------------------------------------------


def _columns(table: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _quoted(names) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _copy_common(cursor, target: str, source: str) -> None:
    """INSERT every column the two tables share (link tables, their history)."""
    shared = [c for c in _columns(target) if c in set(_columns(source))]
    columns = _quoted(shared)
    cursor.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {source}")


def _copy_mapped(cursor, target: str, source: str, mapped: dict[str, str], join: str) -> None:
    """INSERT with some columns computed (`mapped`), the rest copied from alias `a`."""
    columns = _columns(target)
    source_columns = set(_columns(source))
    values = [mapped.get(c, f'a."{c}"' if c in source_columns else "NULL") for c in columns]
    cursor.execute(
        f"INSERT INTO {target} ({_quoted(columns)}) SELECT {', '.join(values)} "
        f"FROM {source} a {join}"
    )


def build(*, rebuild: bool) -> None:
    from django.apps import apps
    from django.db import connection, transaction

    from bench.spine_proto.schema import create_tables, drop_tables

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('spine_proto_record') IS NOT NULL")
        present = cursor.fetchone()[0]
        if present and not rebuild:
            cursor.execute("SELECT count(*) FROM spine_proto_record")
            spine = cursor.fetchone()[0]
            parts = " + ".join(f"(SELECT count(*) FROM cooperation_{k})" for k in KINDS)
            cursor.execute(f"SELECT {parts}")
            if spine == cursor.fetchone()[0]:
                log(f"spine tables present ({spine:,} records); --rebuild to build them again")
                return
    log("building the spine's tables from the cooperation_* rows")
    started = time.monotonic()
    proto = apps.get_app_config("spine_proto")
    with transaction.atomic(), connection.cursor() as cursor:
        drop_tables()
        create_tables()
        branches = " UNION ALL ".join(
            f"SELECT '{k}'::varchar AS kind, id, created_at FROM cooperation_{k}" for k in KINDS
        )
        # Spine ids in creation order across kinds, as if the spine had always been there.
        cursor.execute(
            "CREATE TEMP TABLE spine_map ON COMMIT DROP AS SELECT row_number() OVER "
            f"(ORDER BY created_at, kind, id) AS record_id, kind, id FROM ({branches}) u"
        )
        cursor.execute("CREATE UNIQUE INDEX ON spine_map (kind, id)")
        cursor.execute("ANALYZE spine_map")
        on_map = "JOIN spine_map m ON m.kind = '{kind}' AND m.id = a.id"
        for kind in KINDS:
            source = f"cooperation_{kind}"
            _copy_mapped(
                cursor,
                "spine_proto_record",
                source,
                # merged_into points at a kind id here: mapped to spine ids just below.
                {"record_id": "m.record_id", "record_kind": f"'{kind}'", "merged_into_id": "NULL"},
                on_map.format(kind=kind),
            )
            _copy_mapped(
                cursor,
                f"spine_proto_{kind}",
                source,
                {"record_ptr_id": "m.record_id"},
                on_map.format(kind=kind),
            )
            cursor.execute(
                f"UPDATE spine_proto_record s SET merged_into_id = mm.record_id FROM {source} a "
                f"JOIN spine_map m ON m.kind = '{kind}' AND m.id = a.id "
                f"JOIN spine_map mm ON mm.kind = '{kind}' AND mm.id = a.merged_into_id "
                "WHERE s.record_id = m.record_id"
            )
            model = proto.get_model(kind)
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through._meta.db_table
                _copy_common(cursor, through, through.replace("spine_proto_", "cooperation_", 1))
        by_type = (
            "LEFT JOIN django_content_type ct ON ct.id = a.content_type_id "
            "LEFT JOIN spine_map m ON m.kind = ct.model AND m.id = a.object_id"
        )
        for table in ("recordevidence", "annotation", "historicalrecordevidence"):
            _copy_mapped(
                cursor,
                f"spine_proto_{table}",
                f"cooperation_{table}",
                {"record_id": "m.record_id"},
                by_type,
            )
        # The deal history the write scenario adds to, with its link snapshots.
        _copy_mapped(
            cursor,
            "spine_proto_historicaldeal",
            "cooperation_historicaldeal",
            {"record_id": "m.record_id", "record_ptr_id": "m.record_id", "record_kind": "'deal'"},
            "LEFT JOIN spine_map m ON m.kind = 'deal' AND m.id = a.id",
        )
        for name in ("actors", "topics", "governed_by"):
            _copy_common(
                cursor,
                f"spine_proto_historicaldeal_{name}",
                f"cooperation_historicaldeal_{name}",
            )
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name LIKE 'spine_proto_%' AND is_identity = 'YES'"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f'COALESCE((SELECT max("{column}") FROM {table}), 0) + 1, false)'
            )
    log(f"filled in {time.monotonic() - started:.0f} s; VACUUM ANALYZE (both designs)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"built in {time.monotonic() - started:.0f} s")


def check_build() -> dict[str, int]:
    """Counts per table pair: the two designs hold the same rows."""
    from django.db import connection

    pairs = {f"{k}s": (f"cooperation_{k}", f"spine_proto_{k}") for k in KINDS}
    pairs["evidence links"] = ("cooperation_recordevidence", "spine_proto_recordevidence")
    pairs["notes"] = ("cooperation_annotation", "spine_proto_annotation")
    counts = {}
    with connection.cursor() as cursor:
        for label, (a, b) in pairs.items():
            cursor.execute(f"SELECT (SELECT count(*) FROM {a}), (SELECT count(*) FROM {b})")
            n_a, n_b = cursor.fetchone()
            if n_a != n_b:
                raise SystemExit(f"spine_eval: {label}: {n_a} rows in A, {n_b} in B; --rebuild")
            counts[label] = n_a
        cursor.execute("SELECT count(*) FROM spine_proto_recordevidence WHERE record_id IS NULL")
        if cursor.fetchone()[0]:
            raise SystemExit("spine_eval: evidence without a record in B; --rebuild")
        cursor.execute("SELECT count(*) FROM spine_proto_record")
        counts["spine rows"] = cursor.fetchone()[0]
    return counts


# ---- 2. the scenarios' SQL -----------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    note: str
    sql_a: list[str] = field(default_factory=list)
    sql_b: list[str] = field(default_factory=list)
    # End-to-end through the ORM (Python included), when that is the point.
    run_a: Callable[[], object] | None = None
    run_b: Callable[[], object] | None = None
    same: str = ""


_NOISE = ("django_content_type", "django_session", "accounts_apitoken", "auth_")


def _wanted(sql: str) -> bool:
    """Statements the designs differ in: not the login's, not cached lookups, not savepoints."""
    head = sql[:400]
    if head.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")):
        return False
    return not any(f'FROM "{t}' in head or f'UPDATE "{t}' in head for t in _NOISE)


def capture(fn) -> tuple[object, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, [q["sql"] for q in captured.captured_queries if _wanted(q["sql"])]


def fetch(sql: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def fetch_named(sql: str) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = [c.name for c in cursor.description]
        rows = []
        for row in cursor.fetchall():
            named = {}
            for name, value in zip(names, row, strict=True):
                named.setdefault(name, value)  # the record's "id", not the owner's after it
            rows.append(named)
        return rows


def require_same(label: str, a, b) -> str:
    if a != b:
        raise SystemExit(f"spine_eval: {label}: the designs disagree:\nA {a!r}\nB {b!r}")
    return "same rows"


class Fixture:
    """The users and the rows each scenario reads, chosen by rule (the same every run)."""

    def __init__(self):
        from accounts.models import Organisation, User
        from accounts.roles import PARTNER
        from accounts.services import api_token_create, organisation_create, user_create

        organisation = Organisation.objects.filter(slug="spine-eval").first()
        if organisation is None:
            organisation = organisation_create(name="Spine evaluation partner", slug="spine-eval")
        email = "spine-eval-partner@contours.invalid"
        self.partner = User.objects.filter(email=email).first() or user_create(
            email=email,
            password=None,
            roles=[PARTNER],
            organisation=organisation,
            full_name="Spine evaluation partner",
        )
        _, self.token = api_token_create(user=self.partner, name=f"spine_eval {time.time():.0f}")
        self.analyst = User.objects.filter(groups__name="analyst").order_by("pk").first()
        if self.analyst is None:
            raise SystemExit("spine_eval: no analyst; is this a generate_data database?")
        ct = dict(fetch("SELECT model, id FROM django_content_type WHERE app_label='cooperation'"))
        self.content_types = ct
        # A published deal with notes, evidence and links both ways: the record page's case.
        self.deal_id, self.deal_slug = fetch(
            "SELECT d.id, d.slug FROM cooperation_deal d WHERE d.deleted_at IS NULL "
            "AND d.visibility = 'published' "
            "AND EXISTS (SELECT 1 FROM cooperation_deal_governed_by g WHERE g.deal_id = d.id) "
            "AND EXISTS (SELECT 1 FROM cooperation_challenge_affects_deals c "
            "WHERE c.deal_id = d.id) ORDER BY "
            "(SELECT count(*) FROM cooperation_annotation n "
            f"WHERE n.content_type_id = {ct['deal']} AND n.object_id = d.id) DESC, "
            "(SELECT count(*) FROM cooperation_recordevidence e "
            f"WHERE e.content_type_id = {ct['deal']} AND e.object_id = d.id) DESC, d.id LIMIT 1"
        )[0]
        # The excerpt cited by the most records, of the most kinds: "records citing X".
        self.excerpt_id = fetch(
            "SELECT excerpt_id FROM cooperation_recordevidence WHERE deleted_at IS NULL "
            "GROUP BY excerpt_id ORDER BY count(DISTINCT content_type_id) DESC, count(*) DESC, "
            "excerpt_id LIMIT 1"
        )[0][0]
        # The first unpublished source with a page of excerpts: every row's visibility to a
        # partner is decided by the citation test, not by the source.
        self.internal_source_id = fetch(
            "SELECT s.id FROM cooperation_source s WHERE s.visibility <> 'published' "
            "AND (SELECT count(*) FROM cooperation_excerpt x WHERE x.source_id = s.id) >= 60 "
            "ORDER BY s.id LIMIT 1"
        )[0][0]

    def api(self, path: str):
        from django.test import Client

        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {self.token}")
        if response.status_code != 200:
            raise SystemExit(f"spine_eval: {path} answered {response.status_code}")
        return response.json()


def _kind_join(alias: str = "s") -> str:
    return " ".join(
        f"LEFT JOIN spine_proto_{k} k_{k[:3]} ON k_{k[:3]}.record_ptr_id = {alias}.record_id"
        for k in KINDS
    )


def _kind_id() -> str:
    return "COALESCE(" + ", ".join(f"k_{k[:3]}.id" for k in KINDS) + ")"


_EVIDENCE_ITEM = (
    'jsonb_agg(jsonb_build_array(x."id", x."source_id", x."start", x."end", x."exact", '
    'e."note", src."sha256", src."furniture" <> \'[]\'::jsonb) '
    'ORDER BY x."start", e."id")'
)
_EVIDENCE_FROM = (
    'JOIN "cooperation_excerpt" x ON x."id" = e."excerpt_id" '
    'JOIN "cooperation_source" src ON src."id" = x."source_id"'
)


def _evidence_a(kind_ct: int | str, outer: str) -> str:
    return (
        f'(SELECT {_EVIDENCE_ITEM} FROM "cooperation_recordevidence" e {_EVIDENCE_FROM} '
        f'WHERE e."content_type_id" = {kind_ct} AND e."object_id" = {outer} '
        'AND e."deleted_at" IS NULL)'
    )


def _evidence_b(outer: str) -> str:
    return (
        f'(SELECT {_EVIDENCE_ITEM} FROM "spine_proto_recordevidence" e {_EVIDENCE_FROM} '
        f'WHERE e."record_id" = {outer} AND e."deleted_at" IS NULL)'
    )


def _links_b(through: str, owner: str, linked: str, target: str, label: str, partner: bool):
    """One m2m field of a recommendation as record_rows aggregates it, on the spine."""
    if label == "name":
        return (
            f'(SELECT jsonb_agg(jsonb_build_array(t."id", t."slug", t."name") '
            f'ORDER BY t."name", t."id") FROM "{through}" m JOIN "{target}" t '
            f'ON t."id" = m."{linked}" WHERE m."{owner}" = r."id" AND t."deleted_at" IS NULL)'
        )
    published = " AND ts.\"visibility\" = 'published'" if partner else ""
    return (
        f'(SELECT jsonb_agg(jsonb_build_array(t."id", ts."slug", ts."title") '
        f'ORDER BY ts."title", t."id") FROM "{through}" m JOIN "{target}" t '
        f'ON t."id" = m."{linked}" JOIN "spine_proto_record" ts '
        f'ON ts."record_id" = t."record_ptr_id" WHERE m."{owner}" = r."id" '
        f'AND ts."deleted_at" IS NULL{published})'
    )


_STATUS_B = (
    '(SELECT jsonb_agg(jsonb_build_array(c."id", c."from_status", c."to_status", '
    'c."changed_at", c."changed_by_id", u."full_name", c."note", c."evidence_excerpt_id", '
    'c."evidence_url") ORDER BY c."changed_at", c."id") '
    'FROM "cooperation_recommendationstatuschange" c LEFT JOIN "accounts_user" u '
    'ON u."id" = c."changed_by_id" WHERE c."recommendation_id" = r."id")'
)
_OWNER = ", ".join(
    f'"accounts_user"."{c}"'
    for c in (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "is_staff",
        "is_active",
        "date_joined",
        "email",
        "full_name",
        "organisation_id",
    )
)


def recommendation_list_b(*, where: str = "", rank: str = "", order: str = "") -> str:
    """record_rows' one statement for a page of recommendations, written for the spine.

    The same columns, the same jsonb per row (links, evidence, timeline), the same order;
    the shared columns come from the spine, evidence by its record_id.
    """
    spine = ", ".join(f's."{c}"' for c in (*TRACKED, "title", "slug", "summary", "visibility"))
    own = 'r."priority", r."owner_id", r."target_date", r."status"'
    ranked = f", {rank} AS search_rank" if rank else ""
    links = [
        ("actors", "spine_proto_recommendation_actors", "actor_id", "cooperation_actor", "name"),
        ("topics", "spine_proto_recommendation_topics", "topic_id", "cooperation_topic", "name"),
        (
            "addressed_to",
            "spine_proto_recommendation_addressed_to",
            "actor_id",
            "cooperation_actor",
            "name",
        ),
        (
            "addresses",
            "spine_proto_recommendation_addresses",
            "challenge_id",
            "spine_proto_challenge",
            "title",
        ),
    ]
    jsons = ", ".join(
        f"{_links_b(through, 'recommendation_id', linked, target, label, True)} AS _json_{name}"
        for name, through, linked, target, label in links
    )
    return (
        f'SELECT r."id", {spine}, s."merged_into_id", {own}{ranked}, {jsons}, '
        f"{_evidence_b('s.record_id')} AS _json_evidence, {_STATUS_B} AS _json_status_history, "
        f"{_OWNER} FROM spine_proto_recommendation r JOIN spine_proto_record s "
        'ON s."record_id" = r."record_ptr_id" LEFT OUTER JOIN "accounts_user" '
        'ON r."owner_id" = "accounts_user"."id" WHERE s."deleted_at" IS NULL '
        f"AND s.\"record_kind\" = 'recommendation' AND s.\"visibility\" = 'published'{where} "
        f"ORDER BY {order or 's.title ASC, r.id ASC'} LIMIT 51"
    )


def _list_projection(rows: list[dict]) -> list[tuple]:
    keys = sorted(k for k in rows[0] if k.startswith("_json_")) if rows else []
    return [(row["id"], row["title"], *(repr(row[k]) for k in keys)) for row in rows]


def scenario_record_page(fx: Fixture) -> Scenario:
    from django.db.models import Prefetch

    from bench.spine_proto import models as b
    from cooperation.models import Source
    from cooperation.selectors import annotations_on, annotations_visible_to
    from cooperation.views.records import KINDS as PAGE_KINDS
    from cooperation.views.records import _detail_queryset, evidence_items

    def summary(record, items, notes):
        return (
            record.pk,
            record.title,
            sorted(a.pk for a in record.actors.all()),
            sorted(t.pk for t in record.topics.all()),
            sorted(x.pk for x in record.governed_by.all()),
            sorted(x.pk for x in record.challenges.all()),
            [item.excerpt.pk for item in items],
            [item.quote for item in items],
            [note.pk for note in notes],
        )

    def page_a():
        # What cooperation.views.records.record_detail and the annotation_thread tag read.
        record = _detail_queryset(PAGE_KINDS["deal"]).filter(slug=fx.deal_slug).first()
        items = evidence_items(record)
        notes = list(annotations_on(record, fx.analyst))
        return summary(record, items, notes)

    def page_b():
        evidence = b.RecordEvidence.objects.select_related("excerpt", "created_by")
        evidence = evidence.prefetch_related(
            Prefetch("excerpt__source", queryset=Source.all_objects.defer("text"))
        )
        record = (
            b.Deal.objects.select_related("created_by", "updated_by", "supplier", "recipient")
            .prefetch_related(
                "actors",
                "topics",
                "governed_by",
                "challenges",
                Prefetch("evidence_links", queryset=evidence.order_by("excerpt__start", "pk")),
            )
            .filter(slug=fx.deal_slug)
            .first()
        )
        items = evidence_items(record)
        notes = b.Annotation.all_objects.select_related("author", "resolved_by").filter(
            record_id=record.record_id
        )
        notes = list(annotations_visible_to(fx.analyst, notes).order_by("created_at", "pk"))
        return summary(record, items, notes)

    page_a(), page_b()  # warm the per-process caches (content types, source texts)
    result_a, sql_a = capture(page_a)
    result_b, sql_b = capture(page_b)
    return Scenario(
        "a",
        "(a) record page: a deal, its evidence with excerpts and sources, notes an analyst "
        "may read, links both ways",
        f"deal #{fx.deal_id}; today's _detail_queryset + evidence_items + annotations_on",
        sql_a,
        sql_b,
        page_a,
        page_b,
        require_same("record page", result_a, result_b),
    )


def scenario_partner_list(fx: Fixture) -> Scenario:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = "/api/v1/recommendations/?page_size=50"
    with CaptureQueriesContext(connection) as captured:
        fx.api(path)
    sql_a = [q["sql"] for q in captured.captured_queries if "jsonb_agg" in q["sql"]]
    sql_b = [recommendation_list_b()]
    same = require_same(
        "partner list",
        _list_projection(fetch_named(sql_a[0])),
        _list_projection(fetch_named(sql_b[0])),
    )
    return Scenario(
        "b1",
        "(b) partner list: 50 published recommendations with links, evidence and timeline",
        f"GET {path} as a partner: record_rows' one statement (A captured, B written)",
        sql_a,
        sql_b,
        same=same,
    )


def scenario_cross_kind(fx: Fixture) -> Scenario:
    ct = fx.content_types
    # A written as well as it can be: each kind's newest 50 from its updated_at index,
    # merged, cut to 50, and only then each row's evidence (its content type by kind).
    branch = (
        "(SELECT '{kind}'::varchar AS kind, id, title, slug, updated_at FROM cooperation_{kind} "
        "WHERE deleted_at IS NULL AND visibility = 'published' "
        "ORDER BY updated_at DESC, id LIMIT 50)"
    )
    union = " UNION ALL ".join(branch.format(kind=k) for k in KINDS)
    order = "ORDER BY updated_at DESC, kind, id LIMIT 50"
    by_kind = "CASE p.kind " + " ".join(f"WHEN '{k}' THEN {ct[k]}" for k in KINDS) + " END"
    evidence_a = _evidence_a(by_kind, "p.id")
    sql_a = (
        f"SELECT p.kind, p.id, p.title, p.slug, p.updated_at, {evidence_a} AS evidence "
        f"FROM ({union} {order}) p ORDER BY p.updated_at DESC, p.kind, p.id"
    )
    sql_b = (
        f"SELECT s.record_kind AS kind, {_kind_id()} AS id, s.title, s.slug, s.updated_at, "
        f"{_evidence_b('s.record_id')} AS evidence FROM spine_proto_record s {_kind_join()} "
        f"WHERE s.deleted_at IS NULL AND s.visibility = 'published' {order}"
    )
    same = require_same("cross-kind list", fetch(sql_a), fetch(sql_b))
    return Scenario(
        "b2",
        "(b) cross-kind list: the 50 latest-changed published records of all kinds, with evidence",
        "no such page today; A is a hand-written UNION ALL of the four tables (each kind's "
        "newest 50, merged), B one walk down the spine's updated_at index",
        [sql_a],
        [sql_b],
        same=same,
    )


def scenario_excerpts(fx: Fixture) -> list[Scenario]:
    """The API's excerpt list for a partner, with only the citation test swapped for B."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.spine_proto import models as b
    from cooperation import selectors
    from cooperation.api.pagination import KeysetCursorPagination, order_keys
    from cooperation.choices import Visibility
    from cooperation.filtersets import ExcerptFilterSet

    def spine_citations():
        # The spine's _published_citations: one join to the record, whatever its kind.
        return b.RecordEvidence.objects.filter(
            record__visibility=Visibility.PUBLISHED, record__deleted_at__isnull=True
        )

    visible = selectors.excerpts_visible_to(fx.partner).order_by(*ExcerptFilterSet.default_ordering)
    cursor = KeysetCursorPagination()._encode(
        visible, order_keys(visible), [fx.internal_source_id, -1, -1, 0], None
    )
    scenarios = []
    for key, label, path in (
        (
            "c1",
            "(c) excerpts a partner may read: the API list's first page",
            "/api/v1/excerpts/?page_size=50",
        ),
        (
            "c2",
            "(c) excerpts a partner may read: a page inside an unpublished brief "
            "(the citation test decides every row)",
            f"/api/v1/excerpts/?page_size=50&cursor={cursor}",
        ),
    ):
        with CaptureQueriesContext(connection) as captured:
            body_a = fx.api(path)
        with (
            mock.patch.object(selectors, "_published_citations", spine_citations),
            CaptureQueriesContext(connection) as captured_b,
        ):
            body_b = fx.api(path)
        page = 'FROM "cooperation_excerpt"'
        pick = [q["sql"] for q in captured.captured_queries if page in q["sql"]]
        pick_b = [q["sql"] for q in captured_b.captured_queries if page in q["sql"]]
        ids_a = [row["id"] for row in body_a["results"]]
        ids_b = [row["id"] for row in body_b["results"]]
        scenarios.append(
            Scenario(
                key,
                label,
                f"GET {path.split('&cursor')[0]}{' + cursor' if 'cursor' in path else ''}; "
                "B = the same API code with _published_citations on the spine",
                pick,
                pick_b,
                same=require_same(label, ids_a, ids_b) + f" ({len(ids_a)} excerpts)",
            )
        )
    return scenarios


def scenario_notes(fx: Fixture) -> list[Scenario]:
    from django.db import connection
    from django.db.models import Exists, OuterRef, Q
    from django.test.utils import CaptureQueriesContext

    from bench.spine_proto import models as b
    from cooperation.choices import AnnotationVisibility, Visibility
    from cooperation.models import RECORD_MODELS, Annotation, RecordEvidence

    path = "/api/v1/annotations/?page_size=50"
    with CaptureQueriesContext(connection) as captured:
        body = fx.api(path)
    page = 'FROM "cooperation_annotation"'
    sql_a = [q["sql"] for q in captured.captured_queries if page in q["sql"]]

    def notes_b():
        # api_annotations_visible_to on the spine: a note's record is one join away.
        cited = b.RecordEvidence.objects.filter(
            record__visibility=Visibility.PUBLISHED,
            record__deleted_at__isnull=True,
            excerpt=OuterRef("excerpt_id"),
        )
        on_excerpt = Q(excerpt__isnull=False, excerpt__deleted_at__isnull=True) & (
            Q(
                excerpt__source__visibility=Visibility.PUBLISHED,
                excerpt__source__deleted_at__isnull=True,
            )
            | Exists(cited)
        )
        on_record = Q(
            record__isnull=False,
            record__visibility=Visibility.PUBLISHED,
            record__deleted_at__isnull=True,
        )
        return list(
            b.Annotation.objects.select_related("author")
            .filter(visibility=AnnotationVisibility.PARTNERS)
            .filter(on_excerpt | on_record)
            .order_by("-created_at", "-pk")[:51]
        )

    def notes_a_rewritten():
        # The fastest form found for today's tables: each kind reached through its
        # GenericRelation (a LEFT JOIN on content type and id), never an OR of EXISTS.
        def published(prefix: str = "") -> Q:
            q = Q()
            for model in RECORD_MODELS:
                name = f"{prefix}{model._meta.model_name}"
                q |= Q(**{f"{name}__visibility": Visibility.PUBLISHED, f"{name}__deleted_at": None})
            return q

        cited = RecordEvidence.objects.filter(published(), excerpt=OuterRef("excerpt_id"))
        on_excerpt = Q(excerpt__isnull=False, excerpt__deleted_at__isnull=True) & (
            Q(
                excerpt__source__visibility=Visibility.PUBLISHED,
                excerpt__source__deleted_at__isnull=True,
            )
            | Exists(cited)
        )
        return list(
            Annotation.objects.select_related("author")
            .filter(visibility=AnnotationVisibility.PARTNERS)
            .filter(on_excerpt | published())
            .order_by("-created_at", "-pk")[:51]
        )

    rows_b, sql_b = capture(notes_b)
    rows_r, sql_r = capture(notes_a_rewritten)
    ids_a = [row["id"] for row in body["results"]]
    ids_b = [n.pk for n in rows_b[:50]]
    return [
        Scenario(
            "c3",
            "(c) notes a partner may read: the API list's first page",
            f"GET {path} (A captured: api_annotations_visible_to, an OR of EXISTS per kind); "
            "B the same filter through the prototype's FK",
            sql_a,
            sql_b,
            same=require_same("partner notes", ids_a, ids_b),
        ),
        Scenario(
            "c3r",
            "(c) notes a partner may read, A rewritten: each kind a LEFT JOIN through its "
            "GenericRelation",
            "the best form found for today's tables (planning it is most of its time)",
            sql_r,
            sql_b,
            same=require_same("partner notes, A rewritten", ids_a, [n.pk for n in rows_r[:50]]),
        ),
    ]


def scenario_citing(fx: Fixture) -> Scenario:
    from bench.spine_proto import models as b
    from cooperation.choices import Visibility
    from cooperation.models import RECORD_MODELS, RecordEvidence

    types = {v: k for k, v in fx.content_types.items()}

    def citing_a():
        # The reader's way (views/reader.py): the links, then each kind's records.
        links = RecordEvidence.objects.filter(excerpt_id=fx.excerpt_id).values_list(
            "content_type_id", "object_id"
        )
        wanted: dict[str, set[int]] = {}
        for content_type, object_id in links:
            wanted.setdefault(types[content_type], set()).add(object_id)
        found = []
        for model in RECORD_MODELS:
            ids = wanted.get(model._meta.model_name)
            if ids:
                rows = model.objects.filter(pk__in=ids, visibility=Visibility.PUBLISHED)
                found += [(model._meta.model_name, r.pk, r.slug) for r in rows.only("slug")]
        return sorted(found)

    def citing_b():
        rows = (
            b.Record.objects.filter(
                visibility=Visibility.PUBLISHED,
                evidence_links__excerpt_id=fx.excerpt_id,
                evidence_links__deleted_at__isnull=True,
            )
            .select_related(*KINDS)
            .only("record_kind", "slug", *(f"{k}__id" for k in KINDS))
        )
        return sorted((r.record_kind, getattr(r, r.record_kind).pk, r.slug) for r in rows)

    citing_a(), citing_b()
    found_a, sql_a = capture(citing_a)
    found_b, sql_b = capture(citing_b)
    return Scenario(
        "c4",
        "(c) records citing one excerpt that a partner may read",
        f"excerpt #{fx.excerpt_id}, cited by {len(found_a)} published records of "
        f"{len({k for k, _, _ in found_a})} kinds; A as views/reader.py does it",
        sql_a,
        sql_b,
        citing_a,
        citing_b,
        require_same("records citing an excerpt", found_a, found_b),
    )


def scenario_search(fx: Fixture) -> Scenario:
    from urllib.parse import urlencode

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = f"/api/v1/recommendations/?{urlencode({'q': SEARCH, 'page_size': 50})}"
    with CaptureQueriesContext(connection) as captured:
        fx.api(path)
    sql_a = [q["sql"] for q in captured.captured_queries if "websearch_to_tsquery" in q["sql"]]
    query = f"websearch_to_tsquery('english'::regconfig, '{SEARCH}')"
    vector = (
        "(setweight(to_tsvector('english'::regconfig, COALESCE(s.\"title\", '')), 'A') || "
        "setweight(to_tsvector('english'::regconfig, COALESCE(s.\"summary\", '')), 'B'))"
    )
    sql_b = [
        recommendation_list_b(
            where=f" AND {vector} @@ ({query})",
            rank=f"ts_rank(s.search_document, {query})",
            order="search_rank DESC NULLS LAST, r.id DESC",
        )
    ]
    same = require_same(
        "search",
        _list_projection(fetch_named(sql_a[0])),
        _list_projection(fetch_named(sql_b[0])),
    )
    return Scenario(
        "e",
        f"(e) search one kind: recommendations matching “{SEARCH}”, ranked, one page",
        "GET /api/v1/recommendations/?q=… as a partner; B ranks from the spine's stored vector",
        sql_a,
        sql_b,
        same=same,
    )


def scenario_write(fx: Fixture) -> Scenario:
    from django.db import transaction

    from bench.spine_proto import models as b
    from cooperation.choices import DealKind, DealStatus
    from cooperation.history import CREATED
    from cooperation.models import Actor, Deal, Excerpt, Topic
    from cooperation.services import evidence_attach
    from cooperation.services.common import ensure_live, save_with_history
    from cooperation.services.tracked import tracked_create

    actors = list(Actor.objects.order_by("pk").values_list("pk", flat=True)[:2])
    topics = list(Topic.objects.order_by("pk").values_list("pk", flat=True)[:1])
    excerpts = list(Excerpt.objects.order_by("pk")[:2])
    counter = iter(range(10**9))

    def data() -> dict:
        n = next(counter)
        return {
            "title": f"Spine evaluation deal {n}",
            "slug": f"spine-evaluation-deal-{os.getpid()}-{n}",
            "summary": "Written by bench/spine_eval.py and rolled back.",
            "visibility": "internal",
            "kind": DealKind.values[0],
            "status": DealStatus.PROPOSED,
            "actors": actors,
            "topics": topics,
        }

    def attach_b(record, excerpt):
        # services.evidence_attach with a real foreign key instead of (content type, id).
        ensure_live(record, "This record")
        existing = b.RecordEvidence.objects.filter(record=record, excerpt=excerpt).first()
        if existing:
            return existing
        link = b.RecordEvidence(record=record, excerpt=excerpt)
        save_with_history(link, user=None, kind=CREATED, reason="Evidence attached")
        return link

    def write_a():
        deal = tracked_create(model=Deal, user=None, data=data())
        for excerpt in excerpts:
            evidence_attach(record=deal, excerpt=excerpt, user=None)
        return deal

    def write_b():
        deal = tracked_create(model=b.Deal, user=None, data=data())
        for excerpt in excerpts:
            attach_b(deal, excerpt)
        return deal

    def rolled_back(fn):
        def run():
            with transaction.atomic():
                fn()
                transaction.set_rollback(True)

        return run

    _, sql_a = capture(rolled_back(write_a))
    _, sql_b = capture(rolled_back(write_b))
    return Scenario(
        "d",
        "(d) write: create a deal (2 actors, 1 topic) with 2 evidence links, history included",
        "through services.tracked_create and evidence_attach (B: the same save path, FK "
        "evidence), each in a transaction rolled back; timed end to end",
        sql_a,
        sql_b,
        rolled_back(write_a),
        rolled_back(write_b),
        "one deal and two links each",
    )


# ---- 3. timing -----------------------------------------------------------------------------


def run_statements(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()


def sample(fn: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) * 1000 / repeat


@dataclass
class Timing:
    a: list[float]
    b: list[float]
    repeat: int

    @staticmethod
    def fmt(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    @property
    def ratio(self) -> float:
        return statistics.median(self.b) / statistics.median(self.a)

    @property
    def pair_ratios(self) -> str:
        ratios = [b / a for a, b in zip(self.a, self.b, strict=True)]
        return f"{min(ratios):.2f}–{max(ratios):.2f}"


def paired(fn_a, fn_b, *, pairs: int, repeat: int | None, sample_ms: float) -> Timing:
    """Alternating samples of A and B; `repeat` runs per sample, or as many as fill
    about `sample_ms` (at least 3), so a fast page is not timed on one noisy run."""
    for _ in range(3):  # warm both: caches, plans, buffers
        fn_a(), fn_b()
    if repeat is None:
        slowest = max(sample(fn_a, 1), sample(fn_b, 1))
        repeat = max(3, min(200, round(sample_ms / max(slowest, 0.01))))
    a, b = [], []
    for i in range(pairs):
        if i % 2 == 0:
            a.append(sample(fn_a, repeat))
            b.append(sample(fn_b, repeat))
        else:
            b.append(sample(fn_b, repeat))
            a.append(sample(fn_a, repeat))
    return Timing(a, b, repeat)


@dataclass
class Explained:
    text: str
    planning: float  # ms, all statements, one run
    execution: float

    @property
    def brief(self) -> str:
        return f"{self.planning:.1f} + {self.execution:.1f}"


def explain(statements: list[str]) -> Explained:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement, with the server's planning and run times."""
    from django.db import connection

    plans, planning, execution = [], 0.0, 0.0
    with connection.cursor() as cursor:
        for i, sql in enumerate(statements, 1):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            planning += float(re.search(r"Planning Time: ([0-9.]+) ms", plan).group(1))
            execution += float(re.search(r"Execution Time: ([0-9.]+) ms", plan).group(1))
            plans.append(f"-- statement {i}:\n{sql}\n\n{plan}")
    return Explained("\n\n".join(plans), planning, execution)


# ---- 4. the report -------------------------------------------------------------------------


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, PostgreSQL {version}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per sample (default: fill --sample-ms)"
    )
    parser.add_argument("--sample-ms", type=float, default=300.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", default="", help="scenario keys, e.g. a,b1,c3")
    args = parser.parse_args(argv)
    if args.pairs < 5 or (args.repeat is not None and args.repeat < 1):
        parser.error("--pairs must be at least 5 and --repeat at least 1")
    setup()
    started = datetime.now(UTC)
    load_start = load_end()
    build(rebuild=args.rebuild)
    counts = check_build()
    log("choosing the rows and capturing each scenario's SQL")
    fx = Fixture()
    scenarios = [
        scenario_record_page(fx),
        scenario_partner_list(fx),
        scenario_cross_kind(fx),
        *scenario_excerpts(fx),
        *scenario_notes(fx),
        scenario_citing(fx),
        scenario_search(fx),
        scenario_write(fx),
    ]
    wanted = {k for k in args.only.split(",") if k}
    if wanted:
        scenarios = [s for s in scenarios if s.key in wanted]
    rows, plans = [], []
    for scenario in scenarios:
        log(f"timing {scenario.key}: {args.pairs} alternating pairs")
        timing = {"pairs": args.pairs, "repeat": args.repeat, "sample_ms": args.sample_ms}
        sql_timing = None
        if scenario.key != "d":
            sql_timing = paired(
                lambda s=scenario: run_statements(s.sql_a),
                lambda s=scenario: run_statements(s.sql_b),
                **timing,
            )
        orm_timing = None
        if scenario.run_a is not None:
            orm_timing = paired(scenario.run_a, scenario.run_b, **timing)
        explained = None
        if scenario.key != "d":
            explained = (explain(scenario.sql_a), explain(scenario.sql_b))
            plans.append(
                f"{'=' * 100}\n{scenario.label}\n{scenario.note}\n\n### A (today)\n\n"
                f"{explained[0].text}\n\n### B (spine)\n\n{explained[1].text}\n"
            )
        rows.append((scenario, sql_timing, orm_timing, explained))
    write_report(rows, counts, started, args, load_start)
    PLANS.write_text(
        f"EXPLAIN (ANALYZE, BUFFERS) of every statement bench/spine_eval.py timed, "
        f"{started:%Y-%m-%d %H:%M} UTC, {machine()}.\n\n" + "\n".join(plans)
    )
    log(f"wrote {FIGURES.relative_to(ROOT)} and {PLANS.relative_to(ROOT)}")
    return 0


def load_end() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def write_report(rows, counts, started, args, load_start: str) -> None:
    lines = [
        "# Record spine: measured figures (bench/spine_eval.py)",
        "",
        f"- Run: {started:%Y-%m-%d %H:%M} UTC on {machine()}; a shared machine, other "
        "processes running.",
        "- Data: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()) + " "
        "(`generate_data --records 100000 --seed 1`); design B built from the same rows in "
        "the same database.",
        f"- Each figure: milliseconds per page (or per write), median of {args.pairs} "
        "alternating A/B pairs (AB, BA, AB …), each sample the mean of n runs (n in the "
        "table: as many as fill about "
        f"{args.sample_ms:.0f} ms, at least 3); (min–max) of the samples. B/A below 1 means "
        "the spine is faster; (pairs) is the range of the per-pair ratios.",
        "- SQL: the statements only, executed on one connection, rows fetched. ORM: the "
        "Python that builds the page or does the write, queries included.",
        "- Server, A / B: the statements' planning + execution time as EXPLAIN ANALYZE "
        "reports them, one run, ms.",
        f"- Load average (1, 5, 15 min) at the start {load_start}, at the end {load_end()}.",
        "",
        "| scenario | statements A → B | n | A today, ms | B spine, ms | B/A (pairs) "
        "| server, A / B | checked |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scenario, sql_timing, orm_timing, explained in rows:
        server = f"{explained[0].brief} / {explained[1].brief}" if explained else "—"
        for what, timing in (("SQL", sql_timing), ("ORM", orm_timing)):
            if timing is None:
                continue
            lines.append(
                f"| {scenario.key} {scenario.label} — {what} "
                f"| {len(scenario.sql_a)} → {len(scenario.sql_b)} | {timing.repeat} "
                f"| {Timing.fmt(timing.a)} | {Timing.fmt(timing.b)} "
                f"| {timing.ratio:.2f} ({timing.pair_ratios}) "
                f"| {server if what == 'SQL' else '—'} | {scenario.same} |"
            )
    lines += ["", "Notes per scenario:", ""]
    lines += [f"- {scenario.key}: {scenario.note}." for scenario, *_ in rows]
    lines += [
        "",
        f"Plans: `{PLANS.relative_to(ROOT)}`. Reproduce: see the top of `bench/spine_eval.py`.",
        "",
    ]
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
