"""A mirror client of /api/v1/changes/ and the full read it must agree with (tests' helpers).

`get(path) -> (status, json)` abstracts the transport: APIClient in-process, or requests
against a live server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.api.conftest import RESOURCES

KIND = {resource: resource[:-1] for resource in RESOURCES}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def full_read(get) -> dict:
    """Every row of every list, walked to the end: {(kind, id): document}."""
    rows = {}
    for resource in RESOURCES:
        path = f"/api/v1/{resource}/?page_size=200"
        while path:
            status, body = get(path)
            assert status == 200, body
            for row in body["results"]:
                key = (KIND[resource], row["id"])
                assert key not in rows, f"{key} twice in the list"
                rows[key] = row
            path = path_of(body["next"]) if body["next"] else None
    return rows


class Mirror:
    """What a partner's program keeps: a copy of each object, updated from the feed."""

    def __init__(self, get, page_size: int = 7):
        self.get = get
        self.page_size = page_size
        self.rows: dict = {}
        self.since: str | None = None
        self.seqs: list[int] = []

    def follow(self) -> int:
        """Read the feed until it says nothing more waits; returns the number of items."""
        count = 0
        while True:
            path = f"/api/v1/changes/?page_size={self.page_size}"
            if self.since:
                path += f"&since={self.since}"
            status, body = self.get(path)
            assert status == 200, body
            for item in body["results"]:
                self.seqs.append(item["seq"])
                key = (item["kind"], item["id"])
                if item["action"] == "upsert":
                    self.rows[key] = item["data"]
                else:
                    assert item["action"] == "delete", item
                    self.rows.pop(key, None)
                count += 1
            self.since = body["since"]
            if not body["more"]:
                return count
