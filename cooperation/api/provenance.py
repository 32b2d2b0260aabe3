"""Claims and provenance as the API shows them, for a page of records in one statement.

The shapes are claims_read's (`claim_dict`, `provenance_from`): a claim is `{id, field,
value, rank, basis, excerpts, citation, reason, author, created}`; a record's `provenance`
is field → its shown claim (the preferred one, or while the field's claims disagree with
none preferred, the newest) without `field`, with `disputed` and `claims` (how many the
field holds). Only fields the record shows a value for, or that are disputed, are listed.

On PostgreSQL a list page and a detail read their claims in their own statement, a JSON
column per record of finished claims (`claims_json_sql`, added by record_rows.with_related;
`finish_claims` only narrows their excerpts to the reader's sources); elsewhere, and for
the exports, one raw statement reads a page's claims, their excerpts and their authors
(`read_claims`, through `claims_from_rows`). tests/api/test_record_rows.py holds the two
to the same claims. Readers
outside staff see only the excerpts of sources they may read (as `evidence`); the author
is named as everywhere in the API (serializers.display_name: never an email address).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

from cooperation.choices import BasisKind, ClaimRank
from cooperation.json_rows import read_json

# Who a person without a name is to API readers (serializers.display_name, record_rows, the
# claims' authors): never an email address or a user id, which would let a partner
# enumerate accounts.
STAFF_LABEL = "Contours team"
_RANK_ORDER = {ClaimRank.PREFERRED: 0, ClaimRank.NORMAL: 1, ClaimRank.DEPRECATED: 2}

_SQL = """
SELECT c.id, c.spine_id, c.field, c.value, c.rank, c.basis, c.citation_title,
       c.citation_publisher, c.citation_url, c.citation_accessed, c.reason, c.created_at,
       u.full_name, o.name, ce.excerpt_id, e.source_id
FROM cooperation_claim c
LEFT JOIN accounts_user u ON u.id = c.created_by_id
LEFT JOIN accounts_organisation o ON o.id = u.organisation_id
LEFT JOIN cooperation_claim_excerpts ce ON ce.claim_id = c.id
LEFT JOIN cooperation_excerpt e ON e.id = ce.excerpt_id
WHERE c.deleted_at IS NULL AND c.spine_id IN ({ids})
ORDER BY c.spine_id, c.field, c.id, ce.excerpt_id
"""


def _when(value) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _day(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def read_claims(spine_ids, *, readable_sources=None) -> dict[int, list[dict]]:
    """spine id → its live claims (claim dicts, by field, rank, then age). With
    `readable_sources` (a set of source ids, or a callable giving one), excerpts of other
    sources are left out."""
    ids = sorted({int(pk) for pk in spine_ids if pk is not None})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(ids=", ".join(["%s"] * len(ids))), ids)
        rows = cursor.fetchall()
    claims: dict[int, list] = {}
    for row in rows:  # one row per claim and excerpt: a claim's excerpts gathered
        claim = claims.get(row[0])
        if claim is None:
            value = read_json(row[3])  # Claim.value
            claim = claims[row[0]] = [*row[:3], value, *row[4:14], []]
        if row[14] is not None:
            claim[14].append(row[14:16])
    return claims_from_rows(claims.values(), readable_sources)


def claims_from_rows(rows, readable_sources=None) -> dict[int, list[dict]]:
    """`read_claims` from rows already read: (id, spine id, field, value, rank, basis,
    citation title, publisher, url, accessed, reason, created, author's full name, their
    organisation's name, [(excerpt id, its source id), …]) per claim, in any order."""
    readable = readable_sources() if callable(readable_sources) else readable_sources
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        (pk, spine_id, name, value, rank, basis, title, publisher, url, accessed, reason) = row[:11]
        created, full_name, organisation, pairs = row[11:]
        author = None
        if full_name is not None:  # a user row: named as display_name names people
            author = full_name or organisation or STAFF_LABEL
        grouped[spine_id].append(
            {
                "id": pk,
                "field": name,
                "value": value,
                "rank": rank,
                "basis": basis,
                "excerpts": sorted(
                    e for e, source in pairs if readable is None or source in readable
                ),
                "citation": {
                    "title": title,
                    "publisher": publisher,
                    "url": url,
                    "accessed": _day(accessed),
                }
                if basis == BasisKind.PUBLIC_RECORD
                else None,
                "reason": reason,
                "author": author,
                "created": _iso(_when(created)),
            }
        )
    for rows_of in grouped.values():
        rows_of.sort(key=lambda c: (c["field"], _RANK_ORDER.get(c["rank"], 3), c["id"]))
    return dict(grouped)


def claims_json_sql(spine_column: str) -> tuple[str, tuple]:
    """PostgreSQL: one record's live claims as a JSON array of finished claim dicts, in
    `claims_from_rows`' order, for a column of the statement that reads the record
    (`spine_column`: its spine id), so a list page or a detail reads its claims in its own
    statement, not one more. Only `excerpts` is left to `finish_claims`: [excerpt id, its
    source id] pairs, since which sources a reader may read is worked out per request.
    SQL and parameters (for RawSQL)."""
    ranks = " ".join(f"WHEN '{rank.value}' THEN {order}" for rank, order in _RANK_ORDER.items())
    sql = f"""
SELECT json_agg(json_build_object(
           'id', c.id, 'field', c.field, 'value', c.value, 'rank', c.rank, 'basis', c.basis,
           'excerpts', (SELECT coalesce(json_agg(json_build_array(ce.excerpt_id, e.source_id)
                                                 ORDER BY ce.excerpt_id), '[]'::json)
                          FROM cooperation_claim_excerpts ce
                          JOIN cooperation_excerpt e ON e.id = ce.excerpt_id
                         WHERE ce.claim_id = c.id),
           'citation', CASE WHEN c.basis = %s THEN json_build_object(
                           'title', c.citation_title, 'publisher', c.citation_publisher,
                           'url', c.citation_url,
                           'accessed', to_char(c.citation_accessed, 'YYYY-MM-DD')) END,
           'reason', c.reason,
           'author', CASE WHEN u.id IS NOT NULL
                          THEN coalesce(nullif(u.full_name, ''), nullif(o.name, ''), %s) END,
           'created', {utc_iso_sql("c.created_at")})
       ORDER BY c.field COLLATE "C", CASE c.rank {ranks} ELSE 3 END, c.id)
  FROM cooperation_claim c
  LEFT JOIN accounts_user u ON u.id = c.created_by_id
  LEFT JOIN accounts_organisation o ON o.id = u.organisation_id
 WHERE c.deleted_at IS NULL AND c.spine_id = {spine_column}"""
    return sql, (BasisKind.PUBLIC_RECORD.value, STAFF_LABEL)


def finish_claims(found, readable_sources) -> list[dict]:
    """One record's claims from `claims_json_sql`, each claim's excerpts narrowed to the
    sources the reader may read (None: every one), as `claims_from_rows` narrows them."""
    return [
        {
            **claim,  # the same keys in the same order, `excerpts` replaced
            "excerpts": [
                excerpt
                for excerpt, source in claim["excerpts"]
                if readable_sources is None or source in readable_sources
            ],
        }
        for claim in found or ()
    ]


def utc_iso_sql(column: str) -> str:
    """PostgreSQL: a timestamp as DRF (and `_iso`) writes one in UTC, the portal's only zone
    (TIME_ZONE is UTC and nothing activates another): ISO 8601, microseconds only when there
    are some, then Z. For documents finished in SQL (record_rows, claims_json_sql)."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) <> 0 "
        f"THEN to_char({column} AT TIME ZONE 'UTC', '.US') ELSE '' END || 'Z'"
    )


def _iso(value: datetime) -> str:
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _key(value) -> str:
    return repr(value)


_PREFERRED = ClaimRank.PREFERRED.value
_DEPRECATED = ClaimRank.DEPRECATED.value


def provenance_from_claims(claims: list[dict]) -> dict:
    """field → the claim the record shows (see the module doc), from one record's claims.
    The entries are shallow copies: they share a claim's `value` and `excerpts`."""
    by_field: dict[str, list[dict]] = {}
    for claim in claims:
        rows = by_field.get(claim["field"])
        if rows is None:
            by_field[claim["field"]] = [claim]
        else:
            rows.append(claim)
    out = {}
    for name in sorted(by_field):
        rows = by_field[name]
        if len(rows) == 1:  # most fields: one claim, shown if preferred, never disputed
            shown, disputed = rows[0], False
            if shown["rank"] != _PREFERRED:
                continue  # one claim and none preferred: a cleared field
        else:
            live = [c for c in rows if c["rank"] != _DEPRECATED]
            preferred = next((c for c in live if c["rank"] == _PREFERRED), None)
            disputed = preferred is None and len({_key(c["value"]) for c in live}) > 1
            if preferred is not None:
                shown = preferred
            elif disputed:
                shown = max(live, key=lambda c: c["id"])  # the newest
            else:
                continue  # a cleared field: its claims stay, none shown
        entry = shown.copy()
        del entry["field"]
        entry["disputed"] = disputed
        entry["claims"] = len(rows)
        out[name] = entry
    return out


def provenance_page(spine_ids, *, readable_sources=None) -> dict[int, dict]:
    """spine id → provenance, for a page of records (one statement)."""
    claims = read_claims(spine_ids, readable_sources=readable_sources)
    return {spine_id: provenance_from_claims(rows) for spine_id, rows in claims.items()}
