"""Sources tell the caller what it may do to them (`actions`), from the one permission table,
like records and notes: in the list, the detail and the schema."""

from __future__ import annotations

import pytest
from django.test import Client

from cooperation.choices import Visibility
from cooperation.permissions import SOURCE_ACTIONS, source_actions
from cooperation.services import tracked_update
from tests.api.conftest import bearer, make_token
from tests.factories import (
    AdminFactory,
    AnalystFactory,
    CuratorFactory,
    PartnerFactory,
    SourceFactory,
)

# role → state → actions (X excerpt, C cite, A annotate, E edit, D delete, U publish,
# N unpublish; "-" none).
LETTERS = {
    "X": "excerpt",
    "C": "cite",
    "A": "annotate",
    "E": "edit",
    "D": "delete",
    "U": "publish",
    "N": "unpublish",
}
TABLE = """
role      | internal | published
partner   | -        | -
analyst   | XCAE     | XCAE
curator   | XCAEU    | XCAEN
admin     | XCAEU    | XCAEN
"""


def _parse():
    lines = TABLE.strip().splitlines()
    states = [cell.strip() for cell in lines[0].split("|")[1:]]
    for line in lines[1:]:
        role, *cells = (cell.strip() for cell in line.split("|"))
        for state, cell in zip(states, cells, strict=True):
            yield role, state, [] if cell == "-" else [LETTERS[x] for x in cell]


@pytest.mark.django_db
def test_source_actions_agree_with_the_table_in_can_and_the_api():
    users = {
        "partner": PartnerFactory(),
        "analyst": AnalystFactory(),
        "curator": CuratorFactory(),
        "admin": AdminFactory(),
    }
    published = SourceFactory()
    published = tracked_update(
        instance=published,
        user=None,
        data={"visibility": Visibility.PUBLISHED},
        expected_version=None,
    )
    sources = {"internal": SourceFactory(), "published": published}
    wrong = []
    for role, state, expected in _parse():
        source, user = sources[state], users[role]
        if source_actions(user, source) != expected:
            wrong.append(f"can {role} {state}: {source_actions(user, source)}")
        auth = bearer(make_token(user, write=True))
        detail = Client().get(f"/api/v1/sources/{source.pk}/", **auth)
        if detail.status_code == 200 and detail.json()["actions"] != expected:
            wrong.append(f"api {role} {state}: {detail.json()['actions']}")
        if detail.status_code != 200 and role != "partner":
            wrong.append(f"api {role} {state}: status {detail.status_code}")
        for row in Client().get("/api/v1/sources/", **auth).json()["results"]:
            if row["id"] == source.pk and row["actions"] != expected:
                wrong.append(f"api list {role} {state}: {row['actions']}")
        read_only = Client().get(
            f"/api/v1/sources/{source.pk}/", **bearer(make_token(user, write=False))
        )
        if read_only.status_code == 200 and read_only.json()["actions"] != []:
            wrong.append(f"read-only {role} {state}: {read_only.json()['actions']}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_the_schema_lists_a_sources_actions(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    source = schema["components"]["schemas"]["Source"]
    assert "actions" in source["properties"]
    assert "actions" in source.get("required", [])
    items = source["properties"]["actions"]["items"]
    enum = items.get("enum") or schema["components"]["schemas"][
        items["$ref"].rsplit("/", 1)[-1]
    ].get("enum")
    assert set(enum) == set(SOURCE_ACTIONS)
