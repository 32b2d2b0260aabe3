"""Every API write refuses malformed JSON and wrong types with a 400 and field errors.

The write operations and their fields come from the OpenAPI schema the API serves, so a
new endpoint or field is covered without editing this file. Each refusal is JSON in the
one error format ({"detail", "code", "errors"}) and leaves every table as it was.
"""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.api.conftest import client_for
from tests.api.test_writes import NEW_RECORDS
from tests.factories import (
    API_BASIS,
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    TopicFactory,
)
from tests.utils import model_counts

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")


def _write_operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method not in WRITE_METHODS:
                continue
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            properties = components[body["$ref"].rsplit("/", 1)[1]]["properties"]
            writable = {name: spec for name, spec in properties.items() if not spec.get("readOnly")}
            operations.append((method, path, writable))
    return operations


OPERATIONS = _write_operations()
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


MAKERS = {
    "actors": lambda user: ActorFactory(),
    "topics": lambda user: TopicFactory(),
    "agreements": lambda user: AgreementFactory(),
    "deals": lambda user: DealFactory(),
    "challenges": lambda user: ChallengeFactory(),
    "recommendations": lambda user: RecommendationFactory(),
    "excerpts": lambda user: ExcerptFactory(),
}


# A claim each record kind's bad-input route starts from (POST …/{id}/claims/).
CLAIMS = {
    "agreements": {"field": "signed_on", "value": "2016"},
    "deals": {"field": "weapon_category", "value": "aircraft"},
    "challenges": {"field": "severity", "value": "low"},
    "recommendations": {"field": "priority", "value": "low"},
}


def _annotation(user):
    from cooperation.services import annotation_create

    return annotation_create(author=user, body="A note", record=AgreementFactory())


MAKERS["annotations"] = _annotation


def _valid_body(method: str, path: str, user) -> dict:
    """A body this operation accepts, so a test can spoil exactly one field of it."""
    resource = _resource(path)
    if path.endswith("/transition/"):
        return {"to": "under_review", "note": "Tabled in committee"}
    if "/identifiers/" in path:  # add one, or remove the one _target gave the object
        return {"scheme": "wikidata", "value": "Q42"}
    if path.endswith("/rank/"):  # the claim _target named: preferred already
        return {"rank": "preferred"}
    if path.endswith("/claims/"):  # what another source says about one of its facts
        return {**CLAIMS[resource], **API_BASIS}
    if method == "patch":
        return {}
    if resource == "excerpts":
        return (
            {"note": "A note"}
            if method == "put"
            else {"source": ExcerptFactory().source_id, "start": 0, "end": 5}
        )
    if resource == "annotations":
        if method == "put":
            return {"body": "A note"}
        return {"target_type": "agreement", "target_id": AgreementFactory().pk, "body": "A note"}
    slug = f"{method}-{resource}"
    if resource in NEW_RECORDS:
        return {**NEW_RECORDS[resource], "slug": slug}
    return {"slug": slug, "name": slug, **({"kind": "state"} if resource == "actors" else {})}


def _target(api, method: str, path: str, user) -> tuple[str, dict, dict]:
    """Where to write (a fresh object for a detail route), its If-Match and a valid body."""
    headers = {}
    if "{id}" in path:
        obj = MAKERS[_resource(path)](user)
        if path.endswith("/identifiers/remove/"):
            from cooperation.models import Actor
            from cooperation.services.identifiers import identifier_add

            target = {"actor": obj} if isinstance(obj, Actor) else {"record": obj}
            identifier_add(user=None, scheme="wikidata", value="Q42", **target)
        path = path.replace("{id}", str(obj.pk))
        if "{claim_id}" in path:
            from cooperation.models import Claim

            claim = Claim.objects.filter(spine_id=obj.spine_id, rank="preferred").first()
            path = path.replace("{claim_id}", str(claim.pk))
        detail = f"/api/v1/{_resource(path)}/{obj.pk}/"
        headers["HTTP_IF_MATCH"] = api.get(detail)["ETag"]
    return path, headers, _valid_body(method, path, user)


def _send(api, method: str, target, body: bytes, content_type="application/json"):
    path, headers, _ = target
    return getattr(api, method)(path, data=body, content_type=content_type, **headers)


def _assert_refused(response, *, status=400, what="") -> dict:
    assert response.status_code == status, (what, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] and body["code"], body
    return body


MALFORMED = [
    b'{"title": ',
    b"{",
    b"{'title': 'single quotes'}",
    b'{"title": "x",}',
    b'{"title": NaN}',
    b'{"title": Infinity}',
    b"\xff\xfe{\x00}\x00",
    b"\xef\xbb\xbf{}garbage",
    b"[" * 100_000,
]
NOT_AN_OBJECT = [b"[]", b"[1, 2]", b'"a string"', b"42", b"true", b"null"]


@pytest.mark.parametrize(("method", "path", "fields"), OPERATIONS, ids=IDS)
def test_malformed_json_is_a_400(curator, method, path, fields):
    api = client_for(curator)
    target = _target(api, method, path, curator)
    before = model_counts()
    for body in MALFORMED:
        _assert_refused(_send(api, method, target, body), what=body[:40])
    assert model_counts() == before


@pytest.mark.parametrize(("method", "path", "fields"), OPERATIONS, ids=IDS)
def test_json_that_is_not_an_object_is_a_400_with_errors(curator, method, path, fields):
    api = client_for(curator)
    target = _target(api, method, path, curator)
    before = model_counts()
    for body in NOT_AN_OBJECT:
        refusal = _assert_refused(_send(api, method, target, body), what=body)
        assert refusal["errors"], body
    assert model_counts() == before


@pytest.mark.parametrize(("method", "path", "fields"), OPERATIONS, ids=IDS)
def test_a_body_that_is_not_json_is_refused(curator, method, path, fields):
    api = client_for(curator)
    target = _target(api, method, path, curator)
    before = model_counts()
    response = _send(api, method, target, b"title=x", content_type="text/plain")
    _assert_refused(response, status=415)
    assert model_counts() == before


def _wrong_values(spec: dict) -> list:
    """Values of the wrong type for a field described by its OpenAPI schema."""
    kind = spec.get("type")
    values: list = [{"an": "object"}]
    if kind == "array":
        values += ["not a list", [{"an": "object"}], [10**30], ["not-an-id"]]
    elif kind == "integer":
        values += ["twelve", 10**30, -(10**30), 1.5, [1]]
    elif kind == "boolean":
        values += ["perhaps", [True]]
    elif spec.get("format") == "date":
        values += ["31/02/2024", "2024-02-30", 20240101, [1]]
    elif kind == "string":
        values += [["a", "list"]]
    else:  # a choice (enum through $ref / oneOf)
        values += ["no-such-choice", 12345, ["a", "list"]]
    return values


@pytest.mark.parametrize(("method", "path", "fields"), OPERATIONS, ids=IDS)
def test_the_valid_bodies_these_tests_spoil_are_accepted(curator, method, path, fields):
    api = client_for(curator)
    target = _target(api, method, path, curator)
    response = _send(api, method, target, json.dumps(target[2]).encode())
    assert response.status_code in (200, 201), response.json()


@pytest.mark.parametrize(("method", "path", "fields"), OPERATIONS, ids=IDS)
def test_wrong_types_get_a_400_naming_the_field(curator, method, path, fields):
    api = client_for(curator)
    assert fields
    target = _target(api, method, path, curator)
    before = model_counts()
    for name, spec in fields.items():
        for value in _wrong_values(spec):
            body = {**target[2], name: value}
            response = _send(api, method, target, json.dumps(body).encode())
            refusal = _assert_refused(response, what=f"{name}={value!r}")
            assert any(key == name or key.startswith(f"{name}.") for key in refusal["errors"]), (
                name,
                value,
                refusal,
            )
    # Refusals write nothing (and nothing is ever hard-deleted, so no write can hide).
    assert model_counts() == before
