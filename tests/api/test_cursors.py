"""Cursors: signed, so only those the server issued are followed; exact, so a walk returns
each row once even when thousands share one timestamp (cooperation/api/pagination.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.choices import AnnotationVisibility
from cooperation.models import Annotation
from tests.api.conftest import client_for
from tests.factories import AgreementFactory, DealFactory

pytestmark = pytest.mark.django_db


def _b64(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _next_cursor(response) -> str:
    return parse_qs(urlsplit(response.json()["next"]).query)["cursor"][0]


def walk(client, path, params, *, max_pages=100) -> list[dict]:
    rows, response = [], client.get(path, params)
    for _ in range(max_pages):  # a cursor that repeats its page would loop for ever
        assert response.status_code == 200, response.content[:300]
        rows.extend(response.json()["results"])
        if response.json()["next"] is None:
            return rows
        response = client.get(response.json()["next"])
    raise AssertionError(f"no end after {max_pages} pages ({len(rows)} rows)")


def _refused(client, path, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]
    return queries


def test_cursors_the_server_did_not_issue_are_400_before_any_list_query(analyst):
    for n in range(3):
        AgreementFactory(title=f"A {n}")
        DealFactory(title=f"D {n}")
    client = client_for(analyst)
    issued = _next_cursor(client.get("/api/v1/agreements/", {"ordering": "title", "page_size": 1}))
    from_deals = _next_cursor(client.get("/api/v1/deals/", {"ordering": "title", "page_size": 1}))
    forged = [
        _b64({"o": "title,id", "v": ["x", "y"]}),  # well-formed, wrong types (a 500 before)
        _b64({"o": "title,id", "v": ["A 0", 1]}),  # the old unsigned format, plausible values
        issued[:-3],  # truncated
        issued[:-1] + ("A" if issued[-1] != "A" else "B"),  # signature altered
        "x" + issued[1:],  # payload altered
        "garbage",
        "",
    ]
    for cursor in filter(None, forged):
        queries = _refused(client, "/api/v1/agreements/", {"ordering": "title", "cursor": cursor})
        assert not any("cooperation_agreement" in q["sql"] for q in queries.captured_queries)
    # Issued, but for another list or another order.
    _refused(client, "/api/v1/agreements/", {"ordering": "title", "cursor": from_deals})
    _refused(client, "/api/v1/agreements/", {"ordering": "-title", "cursor": issued})
    _refused(client, "/api/v1/agreements/", {"ordering": "created", "cursor": issued})
    # The issued one, where it was issued, works.
    followed = client.get("/api/v1/agreements/", {"ordering": "title", "cursor": issued})
    assert followed.status_code == 200
    assert [r["title"] for r in followed.json()["results"]][:1] == ["A 1"]


def _notes(analyst, agreement, stamps):
    Annotation.objects.bulk_create(
        Annotation(
            author=analyst,
            spine_id=agreement.spine_id,
            body=f"note {n}",
            visibility=AnnotationVisibility.TEAM,
            created_at=stamp,
            updated_at=stamp,
        )
        for n, stamp in enumerate(stamps)
    )


@pytest.mark.parametrize("ordering", ["created", "-created", "updated", "-updated"])
def test_a_walk_over_sub_millisecond_timestamps_returns_each_note_once(analyst, ordering):
    """The reported defect: 303 notes walked as 353, the cursor's time cut to milliseconds."""
    agreement = AgreementFactory()
    base = datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
    stamps = [base + timedelta(microseconds=n % 101) for n in range(303)]
    _notes(analyst, agreement, stamps)
    rows = walk(client_for(analyst), "/api/v1/annotations/", {"ordering": ordering, "page_size": 7})
    ids = [r["id"] for r in rows]
    assert len(ids) == 303 and len(set(ids)) == 303


@pytest.mark.parametrize("ordering", ["created", "-created"])
def test_a_walk_over_thousands_of_notes_sharing_one_timestamp_is_exact(analyst, ordering):
    agreement = AgreementFactory()
    stamp = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    _notes(analyst, agreement, [stamp] * 2500)
    rows = walk(
        client_for(analyst), "/api/v1/annotations/", {"ordering": ordering, "page_size": 200}
    )
    ids = [r["id"] for r in rows]
    assert len(ids) == 2500 and len(set(ids)) == 2500
    assert ids == sorted(ids, reverse=ordering.startswith("-"))  # the tie broken on the id
