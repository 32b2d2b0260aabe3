"""The floor the partner list is measured against: its first page through one raw query.

A bare WSGI app, no Django: one psycopg connection per worker, one SQL statement
that builds the same 50 published recommendations in the same order (title, id)
with the same nested links, evidence and status timeline, and json.dumps.
It skips what the portal must do and a floor need not (authentication,
throttling, filters, cursors), so "list throughput / reference throughput" is
the share of the machine's raw capacity the portal's stack keeps.
"""

from __future__ import annotations

import json
import os
from urllib.parse import parse_qs

import psycopg

from cooperation.choices import allowed_transitions  # a plain table: no Django set-up needed

DEFAULT_PAGE_SIZE = 50

# Links as the API shows them ({id, slug, name}; the url is added in Python), each list in
# the order the API's prefetches give (the related model's Meta.ordering, then id).
_LINKS = """
    (SELECT coalesce(json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.{name})
                              ORDER BY t.{name}, t.id), '[]'::json)
       FROM {through} m JOIN {table} t ON t.id = m.{target}
      WHERE m.recommendation_id = r.id AND t.deleted_at IS NULL {extra}) AS {alias}
"""

PAGE_SQL = f"""
SELECT r.id, r.version, r.created_at, r.updated_at, r.slug, r.title, r.summary, r.visibility,
       r.priority, r.owner_id, u.full_name AS owner_full_name, r.target_date, r.status,
       {
    _LINKS.format(
        name="name",
        through="cooperation_recommendation_actors",
        table="cooperation_actor",
        target="actor_id",
        extra="",
        alias="actors",
    )
},
       {
    _LINKS.format(
        name="name",
        through="cooperation_recommendation_topics",
        table="cooperation_topic",
        target="topic_id",
        extra="",
        alias="topics",
    )
},
       {
    _LINKS.format(
        name="name",
        through="cooperation_recommendation_addressed_to",
        table="cooperation_actor",
        target="actor_id",
        extra="",
        alias="addressed_to",
    )
},
       {
    _LINKS.format(
        name="title",
        through="cooperation_recommendation_addresses",
        table="cooperation_challenge",
        target="challenge_id",
        extra="AND t.visibility = 'published'",
        alias="addresses",
    )
},
       (SELECT coalesce(json_agg(json_build_object(
                   'excerpt', x.id, 'source', x.source_id, 'start', x.start, 'end', x."end",
                   'exact', x.exact, 'note', e.note) ORDER BY x.start, e.id), '[]'::json)
          FROM cooperation_recordevidence e JOIN cooperation_excerpt x ON x.id = e.excerpt_id
         WHERE e.content_type_id = (SELECT id FROM django_content_type
                                     WHERE app_label = 'cooperation' AND model = 'recommendation')
           AND e.object_id = r.id AND e.deleted_at IS NULL) AS evidence,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', s.id, 'from_status', s.from_status, 'to_status', s.to_status,
                   'changed_at', s.changed_at,
                   'changed_by', CASE WHEN s.changed_by_id IS NULL THEN NULL
                                      ELSE coalesce(nullif(cu.full_name, ''),
                                                    'User ' || s.changed_by_id) END,
                   'note', s.note,
                   'evidence_excerpt', s.evidence_excerpt_id, 'evidence_url', s.evidence_url)
                   ORDER BY s.changed_at, s.id), '[]'::json)
          FROM cooperation_recommendationstatuschange s
          LEFT JOIN accounts_user cu ON cu.id = s.changed_by_id
         WHERE s.recommendation_id = r.id) AS status_history
  FROM cooperation_recommendation r
  LEFT JOIN accounts_user u ON u.id = r.owner_id
 WHERE r.deleted_at IS NULL AND r.visibility = 'published'
 ORDER BY r.title, r.id
 LIMIT %(limit)s
"""

_connection: psycopg.Connection | None = None


def _connect() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ.get("BENCH_DATABASE_URL") or os.environ["DATABASE_URL"]
        _connection = psycopg.connect(url, autocommit=True)
    return _connection


def page(limit: int = DEFAULT_PAGE_SIZE) -> list[dict]:
    """The rows of the first page, as dicts (psycopg already parsed the JSON columns)."""
    with _connect().cursor() as cursor:
        cursor.execute(PAGE_SQL, {"limit": limit})
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _iso(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _document(rows: list[dict], base: str) -> dict:
    api = f"{base}/api/v1"
    results = []
    for row in rows:
        rid = row["id"]
        links = {
            name: [{**link, "url": f"{api}/{kind}/{link['id']}/"} for link in row[name]]
            for name, kind in (
                ("actors", "actors"),
                ("topics", "topics"),
                ("addressed_to", "actors"),
                ("addresses", "challenges"),
            )
        }
        results.append(
            {
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
                "evidence": [
                    {**e, "url": f"{api}/excerpts/{e['excerpt']}/", "quote": e["exact"]}
                    for e in row["evidence"]
                ],
                "priority": row["priority"],
                "addressed_to": links["addressed_to"],
                "addresses": links["addresses"],
                "owner": row["owner_id"],
                "owner_name": None
                if row["owner_id"] is None
                else (row["owner_full_name"] or f"User {row['owner_id']}"),
                "target_date": row["target_date"].isoformat() if row["target_date"] else None,
                "status": row["status"],
                "allowed_transitions": allowed_transitions(row["status"]),
                "status_history": row["status_history"],
            }
        )
    return {"next": None, "results": results}


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        limit = min(max(int(query.get("page_size", [DEFAULT_PAGE_SIZE])[0]), 1), 200)
    except ValueError:
        limit = DEFAULT_PAGE_SIZE
    base = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}"
    body = json.dumps(_document(page(limit), base), separators=(",", ":")).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
