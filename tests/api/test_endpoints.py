"""A sweep of every resource: list, each listed detail and the CSV export, per role."""

import csv
import io

import pytest

from tests.api.conftest import RESOURCES, client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["analyst", "curator", "partner"])
def test_every_list_detail_and_export_answers(world, analyst, curator, partner, role):
    user = {"analyst": analyst, "curator": curator, "partner": partner}[role]
    client = client_for(user, write=False)
    for name in RESOURCES:
        response = client.get(f"/api/v1/{name}/")
        assert response.status_code == 200, (name, response.content[:500])
        rows = response.json()["results"]
        assert rows, name  # the world has something of every kind for every role
        for row in rows:
            detail = client.get(row["url"])
            assert detail.status_code == 200, (name, detail.content[:500])
            assert detail["ETag"]
            assert detail.json()["id"] == row["id"]
        export = client.get(f"/api/v1/{name}/export/")
        assert export.status_code == 200
        text = b"".join(export.streaming_content).decode()
        table = list(csv.reader(io.StringIO(text)))
        assert len(table) == len(rows) + 1  # a header and every row
        assert sorted(int(line[0]) for line in table[1:]) == sorted(r["id"] for r in rows)
