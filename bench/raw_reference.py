"""The hand-written reference the partner API is measured against (docs/benchmarks.md).

A bare WSGI app, no Django request cycle: psycopg, one SQL statement per page, json.dumps.
It does what the API must do for a partner's read, the shortest way, so that "portal /
reference" is the price of the portal's stack and nothing else:

- authentication as accounts/authentication.py does it: `Authorization: Bearer <token>`,
  the same ApiToken row found by its prefix, the same SHA-256 compared in constant time,
  the same refusals (unknown, revoked, expired, inactive account, no role) and
  last_used_at touched at most once a minute; the token, its user and the user's roles
  come in one statement;
- the throttle: the request is counted in the same cache (Redis) the API's throttle uses,
  at the same rate, in one round trip (INCR and EXPIRE pipelined, a fixed window);
- `GET /api/v1/recommendations/?page_size=N`: the first page of published recommendations in the
  API's order (title, id), each with its links, evidence and status timeline, plus a next
  cursor; `GET /api/v1/recommendations/<id>/`: one of them, with the API's ETag; each with
  its claims and provenance, read for the page in one statement more, as the API does.

The connection follows the same settings as the portal's, read from the same settings
module (DJANGO_SETTINGS_MODULE) without setting Django up: CONN_MAX_AGE (persistent
connections), CONN_HEALTH_CHECKS (a `SELECT 1` before a connection is reused),
server-side binding and psycopg's prepare threshold (server-side prepared statements); its
workers use the portal's garbage collector thresholds (portal.startup.collect_less_often).
tests/bench/test_reference.py holds its documents, ETags and refusals to the API's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import psycopg

from cooperation.choices import (  # plain tables: no Django set-up needed
    allowed_transitions,
    gao_status,
)
from cooperation.identifiers import link_for  # plain functions: no Django set-up needed
from portal.startup import collect_less_often  # gc settings only: no Django set-up needed

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
TOKEN_PREFIX = "ctr_"
ROLES = ("analyst", "curator", "admin", "partner")
TOUCH_EVERY = timedelta(seconds=60)

# Links as the API shows them ({id, slug, name}; the url is added in Python), each list in
# the order the API gives (the related model's Meta.ordering, then id).
_LINKS = """
    (SELECT coalesce(json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.{name})
                              ORDER BY t.{name}, t.id), '[]'::json)
       FROM {through} m JOIN {table} t ON t.id = m.{target}
      WHERE m.recommendation_id = r.id AND t.deleted_at IS NULL {extra}) AS {alias}
"""


def _links(name, through, table, target, alias, extra=""):
    return _LINKS.format(
        name=name, through=through, table=table, target=target, extra=extra, alias=alias
    )


def _utc_iso(column: str) -> str:
    """A timestamp as DRF writes it: UTC with Z, microseconds only when there are some."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_part('microseconds', {column})::bigint %% 1000000 <> 0"
        f" THEN to_char({column} AT TIME ZONE 'UTC', '.US') ELSE '' END || 'Z'"
    )


_ACTORS = _links(
    "name", "cooperation_recommendation_actors", "cooperation_actor", "actor_id", "actors"
)
_TOPICS = _links(
    "name", "cooperation_recommendation_topics", "cooperation_topic", "topic_id", "topics"
)
_TAGS = _links("name", "cooperation_recommendation_tags", "cooperation_tag", "tag_id", "tags")
_ADDRESSED_TO = _links(
    "name",
    "cooperation_recommendation_addressed_to",
    "cooperation_actor",
    "actor_id",
    "addressed_to",
)
_ADDRESSES = _links(
    "title",
    "cooperation_recommendation_addresses",
    "cooperation_challenge",
    "challenge_id",
    "addresses",
    "AND t.visibility = 'published'",
)


def _precise_iso(day, precision: str) -> str | None:
    """A date at the precision kept beside it: 2015, 2015-12 or 2015-12-12 (as the API)."""
    if day is None:
        return None
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


ROW_SQL = f"""
SELECT r.id, r.spine_id, r.version, r.created_at, r.updated_at, r.slug, r.title, r.summary,
       r.visibility, r.priority, r.owner_id, u.full_name AS owner_full_name,
       uo.name AS owner_org_name,
       r.target_date, r.target_date_precision, r.status,
       {_ACTORS}, {_TOPICS}, {_TAGS}, {_ADDRESSED_TO}, {_ADDRESSES},
       (SELECT coalesce(json_agg(json_build_object(
                   'excerpt', x.id, 'source', x.source_id, 'start', x.start, 'end', x."end",
                   'exact', x.exact, 'note', e.note) ORDER BY x.start, e.id), '[]'::json)
          FROM cooperation_recordevidence e JOIN cooperation_excerpt x ON x.id = e.excerpt_id
          -- Partners see evidence quoting published sources only.
          JOIN cooperation_source xs ON xs.id = x.source_id
               AND xs.visibility = 'published' AND xs.deleted_at IS NULL
         WHERE e.spine_id = r.spine_id AND e.deleted_at IS NULL) AS evidence,
       (SELECT coalesce(json_agg(json_build_array(i.scheme, i.value, i.url)
                   ORDER BY i.scheme, i.value), '[]'::json)
          FROM cooperation_identifier i
         WHERE i.spine_id = r.spine_id AND i.deleted_at IS NULL) AS identifiers,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', s.id, 'from_status', s.from_status, 'to_status', s.to_status,
                   'changed_at', {_utc_iso("s.changed_at")},
                   'happened_on', CASE s.happened_on_precision
                                      WHEN 'year' THEN to_char(s.happened_on, 'YYYY')
                                      WHEN 'month' THEN to_char(s.happened_on, 'YYYY-MM')
                                      ELSE to_char(s.happened_on, 'YYYY-MM-DD') END,
                   'changed_by', CASE WHEN s.changed_by_id IS NULL THEN NULL
                                      ELSE coalesce(nullif(cu.full_name, ''), co.name,
                                                    'Contours team') END,
                   'note', s.note,
                   'evidence_excerpt', CASE WHEN EXISTS (
                       SELECT 1 FROM cooperation_excerpt sx
                         JOIN cooperation_source ss ON ss.id = sx.source_id
                        WHERE sx.id = s.evidence_excerpt_id AND sx.deleted_at IS NULL
                          AND ss.visibility = 'published' AND ss.deleted_at IS NULL)
                       THEN s.evidence_excerpt_id END,
                   'evidence_url', s.evidence_url)
                   ORDER BY s.changed_at, s.id), '[]'::json)
          FROM cooperation_recommendationstatuschange s
          LEFT JOIN accounts_user cu ON cu.id = s.changed_by_id
          LEFT JOIN accounts_organisation co ON co.id = cu.organisation_id
         WHERE s.recommendation_id = r.id) AS status_history,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', a.id, 'classification', a.classification,
                   'responded_on', CASE a.responded_on_precision
                                       WHEN 'year' THEN to_char(a.responded_on, 'YYYY')
                                       WHEN 'month' THEN to_char(a.responded_on, 'YYYY-MM')
                                       ELSE to_char(a.responded_on, 'YYYY-MM-DD') END,
                   'recorded_at', {_utc_iso("a.recorded_at")},
                   'recorded_by', CASE WHEN a.recorded_by_id IS NULL THEN NULL
                                       ELSE coalesce(nullif(au.full_name, ''), ao.name,
                                                     'Contours team') END,
                   'note', a.note,
                   'evidence_excerpt', CASE WHEN EXISTS (
                       SELECT 1 FROM cooperation_excerpt ax
                         JOIN cooperation_source asrc ON asrc.id = ax.source_id
                        WHERE ax.id = a.evidence_excerpt_id AND ax.deleted_at IS NULL
                          AND asrc.visibility = 'published' AND asrc.deleted_at IS NULL)
                       THEN a.evidence_excerpt_id END,
                   'evidence_url', a.evidence_url)
                   ORDER BY a.responded_on, a.id), '[]'::json)
          FROM cooperation_recommendationresponse a
          LEFT JOIN accounts_user au ON au.id = a.recorded_by_id
          LEFT JOIN accounts_organisation ao ON ao.id = au.organisation_id
         WHERE a.recommendation_id = r.id) AS responses
  FROM cooperation_recommendation r
  LEFT JOIN accounts_user u ON u.id = r.owner_id
  LEFT JOIN accounts_organisation uo ON uo.id = u.organisation_id
 WHERE r.deleted_at IS NULL AND r.visibility = 'published'
"""
PAGE_SQL = ROW_SQL + " ORDER BY r.title, r.id LIMIT %(limit)s"
DETAIL_SQL = ROW_SQL + " AND r.id = %(id)s"

# The page's claims in one statement more, as the API reads them (cooperation/api/provenance):
# live claims by field (in code-point order, as Python sorts), rank, then id; each with its
# author named as the API names people and the excerpts a partner may read (of published
# sources, as `evidence`).
CLAIMS_SQL = f"""
SELECT c.spine_id, c.id, c.field, c.value::text AS value, c.rank, c.basis, c.citation_title,
       c.citation_publisher, c.citation_url, c.citation_accessed, c.reason,
       {_utc_iso("c.created_at")} AS created,
       CASE WHEN u.id IS NULL THEN NULL
            ELSE coalesce(nullif(u.full_name, ''), nullif(o.name, ''), 'Contours team')
       END AS author,
       ARRAY(SELECT ce.excerpt_id FROM cooperation_claim_excerpts ce
               JOIN cooperation_excerpt x ON x.id = ce.excerpt_id
               JOIN cooperation_source xs ON xs.id = x.source_id
                    AND xs.visibility = 'published' AND xs.deleted_at IS NULL
              WHERE ce.claim_id = c.id ORDER BY ce.excerpt_id) AS excerpts
  FROM cooperation_claim c
  LEFT JOIN accounts_user u ON u.id = c.created_by_id
  LEFT JOIN accounts_organisation o ON o.id = u.organisation_id
 WHERE c.deleted_at IS NULL AND c.spine_id = ANY(%(spines)s)
 ORDER BY c.spine_id, c.field COLLATE "C",
          CASE c.rank WHEN 'preferred' THEN 0 WHEN 'normal' THEN 1
                      WHEN 'deprecated' THEN 2 ELSE 3 END, c.id
"""

# The token, its user and the user's roles in one statement.
TOKEN_SQL = """
SELECT t.id, t.key_hash, t.revoked_at, t.expires_at, t.last_used_at, u.is_active,
       ARRAY(SELECT g.name FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id
              WHERE ug.user_id = u.id) AS roles
  FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id
 WHERE t.prefix = %(prefix)s
"""
TOUCH_SQL = """
UPDATE accounts_apitoken SET last_used_at = %(now)s
 WHERE id = %(id)s AND (last_used_at IS NULL OR last_used_at < %(stale)s)
"""


# ---- settings: the portal's own, read from its settings module ---------------------------


@dataclass(frozen=True)
class ConnectionSettings:
    conninfo: str
    max_age: float | None  # CONN_MAX_AGE: 0 closes after each request, None never
    health_checks: bool
    server_side_binding: bool
    prepare_threshold: int | None


def connection_settings(database: dict) -> ConnectionSettings:
    """What a Django DATABASES entry asks of a psycopg connection, as Django applies it."""
    options = database.get("OPTIONS", {})
    parts = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": str(database.get("PORT") or "") or None,
    }
    return ConnectionSettings(
        conninfo=psycopg.conninfo.make_conninfo(
            **{key: value for key, value in parts.items() if value is not None}
        ),
        max_age=database.get("CONN_MAX_AGE", 0),
        health_checks=bool(database.get("CONN_HEALTH_CHECKS", False)),
        server_side_binding=options.get("server_side_binding") is True,
        prepare_threshold=options.get("prepare_threshold"),
    )


def _settings_module():
    return importlib.import_module(os.environ.get("DJANGO_SETTINGS_MODULE", "bench.settings"))


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """DRF's "N/period" as (requests, seconds); None when there is no limit."""
    if not rate:
        return None
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"not a throttle rate: {rate!r}")
    return int(match.group(1)), _PERIODS[match.group(2)[0]]


# ---- one connection per worker, kept as Django keeps it ----------------------------------


class Database:
    def __init__(self, settings: ConnectionSettings):
        self.settings = settings
        self.connection: psycopg.Connection | None = None
        self.opened_at = 0.0
        self.checked = False

    def _open(self) -> psycopg.Connection:
        connection = psycopg.connect(
            self.settings.conninfo,
            autocommit=True,
            cursor_factory=psycopg.Cursor
            if self.settings.server_side_binding
            else psycopg.ClientCursor,
            prepare_threshold=self.settings.prepare_threshold,
        )
        if connection.info.parameter_status("TimeZone") != "UTC":
            connection.execute("SET TIME ZONE 'UTC'")
        self.opened_at = time.monotonic()
        return connection

    def request_started(self) -> None:
        self.checked = False
        self._close_if_obsolete()

    def request_finished(self) -> None:
        self._close_if_obsolete()

    def _close_if_obsolete(self) -> None:
        max_age = self.settings.max_age
        if self.connection is None or max_age is None:
            return
        if max_age == 0 or time.monotonic() - self.opened_at >= max_age:
            self.connection.close()
            self.connection = None

    def get(self) -> psycopg.Connection:
        """The connection for this request: reused if it is kept, checked once if asked."""
        if self.connection is not None and self.connection.closed:
            self.connection = None
        if self.connection is None:
            self.connection = self._open()
        elif self.settings.health_checks and not self.checked:
            try:
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except psycopg.Error:
                self.connection.close()
                self.connection = self._open()
        self.checked = True
        return self.connection


class Throttle:
    """A fixed window per token in Redis: one round trip (INCR and EXPIRE, pipelined)."""

    def __init__(self, url: str, rate: tuple[int, int] | None):
        import redis

        self.client = redis.Redis.from_url(url)
        self.rate = rate

    def allow(self, token_id: int) -> bool:
        if self.rate is None:
            return True
        limit, seconds = self.rate
        key = f"bench-reference:throttle:{token_id}:{int(time.time()) // seconds}"
        pipeline = self.client.pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, seconds, nx=True)
        count, _ = pipeline.execute()
        return count <= limit


# ---- authentication: accounts/authentication.py, the shortest way ------------------------


class Refused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def split_token(plaintext: str) -> str | None:
    """The prefix of a well-formed token (accounts.services.split_token), or None."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    prefix, sep, secret = plaintext[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not prefix or len(secret) < 20:
        return None
    return prefix


def authenticate(connection: psycopg.Connection, header: str) -> tuple[int, list[str]]:
    """(token id, roles) for a valid Bearer header; Refused(401/403) otherwise."""
    parts = header.split()
    if not parts or parts[0].lower() != "bearer":
        raise Refused(401, "Authentication credentials were not provided.")
    if len(parts) != 2:
        raise Refused(401, "Invalid Authorization header: use 'Bearer <token>'.")
    plaintext = parts[1]
    prefix = split_token(plaintext)
    if prefix is None:
        raise Refused(401, "Invalid token.")
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL, {"prefix": prefix})
        row = cursor.fetchone()
    if row is None:
        raise Refused(401, "Invalid token.")
    token_id, key_hash, revoked_at, expires_at, last_used_at, is_active, roles = row
    if not hmac.compare_digest(key_hash, token_hash(plaintext)):
        raise Refused(401, "Invalid token.")
    now = datetime.now(UTC)
    if revoked_at is not None:
        raise Refused(401, "This token has been revoked.")
    if expires_at is not None and expires_at <= now:
        raise Refused(401, "This token has expired.")
    if not is_active:
        raise Refused(401, "This account is inactive.")
    roles = [role for role in roles if role in ROLES]
    if not roles:
        raise Refused(403, "Your account has no role; ask an administrator for one.")
    if last_used_at is None or now - last_used_at >= TOUCH_EVERY:
        connection.execute(TOUCH_SQL, {"now": now, "id": token_id, "stale": now - TOUCH_EVERY})
    return token_id, roles


# ---- documents ---------------------------------------------------------------------------


def rows(connection: psycopg.Connection, sql: str, params: dict) -> list[dict]:
    """Rows as dicts (psycopg already parsed the JSON columns)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _iso(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


_LINK_KINDS = (
    ("actors", "actors"),
    ("topics", "topics"),
    ("tags", "tags"),
    ("addressed_to", "actors"),
    ("addresses", "challenges"),
)


def claims_of(connection: psycopg.Connection, found: list[dict]) -> dict[int, list[dict]]:
    """spine id → its claims as the API shows them, for the page's rows."""
    spines = [row["spine_id"] for row in found]
    claims: dict[int, list[dict]] = {spine: [] for spine in spines}
    if not spines:
        return claims
    for row in rows(connection, CLAIMS_SQL, {"spines": spines}):
        accessed = row["citation_accessed"]
        claims[row["spine_id"]].append(
            {
                "id": row["id"],
                "field": row["field"],
                # As text, parsed here: Django's connection leaves jsonb unparsed, a bare one
                # parses it, and the same code must serve both (tests share Django's).
                "value": json.loads(row["value"]),
                "rank": row["rank"],
                "basis": row["basis"],
                "excerpts": row["excerpts"],
                "citation": {
                    "title": row["citation_title"],
                    "publisher": row["citation_publisher"],
                    "url": row["citation_url"],
                    "accessed": None if accessed is None else accessed.isoformat(),
                }
                if row["basis"] == "public_record"
                else None,
                "reason": row["reason"],
                "author": row["author"],
                "created": row["created"],
            }
        )
    return claims


def provenance(claims: list[dict]) -> dict:
    """field → the claim shown (the preferred one; while live claims disagree with none
    preferred, the newest), as the API's `provenance` (cooperation/api/provenance.py)."""
    out = {}
    for name in sorted({claim["field"] for claim in claims}):
        of_field = [c for c in claims if c["field"] == name]
        live = [c for c in of_field if c["rank"] != "deprecated"]
        preferred = next((c for c in live if c["rank"] == "preferred"), None)
        disputed = preferred is None and len({repr(c["value"]) for c in live}) > 1
        shown = preferred or (max(live, key=lambda c: c["id"]) if disputed else None)
        if shown is not None:
            entry = {key: value for key, value in shown.items() if key != "field"}
            out[name] = {**entry, "disputed": disputed, "claims": len(of_field)}
    return out


def document(row: dict, base: str, claims: list[dict]) -> dict:
    api = f"{base}/api/v1"
    rid = row["id"]
    links = {
        name: [{**link, "url": f"{api}/{kind}/{link['id']}/"} for link in row[name]]
        for name, kind in _LINK_KINDS
    }
    return {
        "id": rid,
        "url": f"{api}/recommendations/{rid}/",
        "version": row["version"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "web_url": f"{base}/recommendations/{row['slug']}/",
        "slug": row["slug"],
        "title": row["title"],
        "summary": row["summary"],
        "visibility": row["visibility"],
        "actors": links["actors"],
        "topics": links["topics"],
        "tags": links["tags"],
        "identifiers": [
            {"scheme": scheme, "value": value, "url": link_for(scheme, value, url)}
            for scheme, value, url in row["identifiers"]
        ],
        "evidence": [
            {**e, "url": f"{api}/excerpts/{e['excerpt']}/", "quote": e["exact"]}
            for e in row["evidence"]
        ],
        "provenance": provenance(claims),
        "claims": claims,
        "priority": row["priority"],
        "addressed_to": links["addressed_to"],
        "addresses": links["addresses"],
        # Partners see who owns a recommendation by name, never a user id or e-mail.
        "owner": None,
        "owner_name": None
        if row["owner_id"] is None
        else (row["owner_full_name"] or row["owner_org_name"] or "Contours team"),
        "target_date": _precise_iso(row["target_date"], row["target_date_precision"]),
        "target_date_precision": row["target_date_precision"],
        "status": row["status"],
        "gao_status": gao_status(row["status"]),
        "allowed_transitions": allowed_transitions(row["status"]),
        "status_history": row["status_history"],
        "responses": row["responses"],
        # A partner may do nothing to a record; warnings come only with a publishing write.
        "actions": [],
        "warnings": [],
    }


def page_document(
    found: list[dict], limit: int, base: str, path: str, claims: dict[int, list[dict]]
) -> dict:
    """The API's page shape; the next cursor is opaque, as the API's is."""
    next_link = None
    if len(found) > limit:
        found = found[:limit]
        last = found[-1]
        payload = {"o": "title,id", "v": [last["title"], last["id"]]}
        cursor = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
        next_link = f"{base}{path}?cursor={cursor.decode().rstrip('=')}&page_size={limit}"
    return {
        "next": next_link,
        "results": [document(row, base, claims[row["spine_id"]]) for row in found],
    }


def etag(data: dict) -> str:
    """cooperation/api/conditional.etag_for: the version and a digest of the document."""
    # Without `actions`, which speaks of the caller, not the resource (conditional.py).
    data = {key: value for key, value in data.items() if key != "actions"}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return f'"{data["version"]}-{hashlib.sha256(body.encode("utf-8")).hexdigest()[:20]}"'


# ---- the WSGI app ------------------------------------------------------------------------

# The API's own URLs, so that the same request goes to either server.
LIST_PATH = "/api/v1/recommendations/"
_DETAIL = re.compile(r"^/api/v1/recommendations/(\d+)/$")


class Reference:
    def __init__(self, database: Database, throttle: Throttle | None):
        self.database = database
        self.throttle = throttle

    def __call__(self, environ, start_response):
        self.database.request_started()
        try:
            status, headers, body = self.respond(environ)
        except Refused as refusal:
            status = f"{refusal.status} {'Unauthorized' if refusal.status == 401 else 'Refused'}"
            headers = [("WWW-Authenticate", 'Bearer realm="api"')] if refusal.status == 401 else []
            body = {"detail": refusal.detail}
        finally:
            self.database.request_finished()
        # As DRF's JSONRenderer writes it: compact, UTF-8 rather than \u escapes.
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                *headers,
            ],
        )
        return [payload]

    def respond(self, environ) -> tuple[str, list, dict]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            return "200 OK", [], {"status": "ok"}
        connection = self.database.get()
        token_id, _ = authenticate(connection, environ.get("HTTP_AUTHORIZATION", ""))
        if self.throttle is not None and not self.throttle.allow(token_id):
            raise Refused(429, "Request was throttled.")
        base = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}"
        if path == LIST_PATH:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            try:
                limit = int(query.get("page_size", [DEFAULT_PAGE_SIZE])[0])
            except ValueError:
                limit = DEFAULT_PAGE_SIZE
            limit = min(max(limit, 1), MAX_PAGE_SIZE)
            found = rows(connection, PAGE_SQL, {"limit": limit + 1})
            claims = claims_of(connection, found[:limit])
            return "200 OK", [], page_document(found, limit, base, path, claims)
        match = _DETAIL.match(path)
        if match:
            found = rows(connection, DETAIL_SQL, {"id": int(match.group(1))})
            if not found:
                return "404 Not Found", [], {"detail": "Not found."}
            data = document(found[0], base, claims_of(connection, found)[found[0]["spine_id"]])
            return "200 OK", [("ETag", etag(data))], data
        return "404 Not Found", [], {"detail": "Not found."}


def make_application() -> Reference:
    # The portal's workers collect garbage less often (portal/startup.py); the reference's
    # use the same thresholds, as both sides share the connection settings.
    collect_less_often()
    settings = _settings_module()
    database = Database(connection_settings(settings.DATABASES["default"]))
    cache = settings.CACHES["default"]
    throttle = None
    if cache["BACKEND"].endswith("RedisCache"):
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        throttle = Throttle(cache["LOCATION"], parse_rate(rates.get("client")))
    return Reference(database, throttle)


_application: Reference | None = None


def application(environ, start_response):
    """gunicorn's entry point: the app is made in each worker, on its first request."""
    global _application
    if _application is None:
        _application = make_application()
    return _application(environ, start_response)
