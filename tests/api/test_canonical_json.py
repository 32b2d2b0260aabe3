"""The bytes an ETag's digest is taken of (cooperation/api/conditional.py `canonical_json`)
are json.dumps's, byte for byte, though orjson writes them: so a resource keeps the ETag
it had, and the bench's reference (plain json.dumps) computes the same."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.functional import lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from cooperation.api.conditional import canonical_json, etag_for
from cooperation.choices import Priority, RecommendationStatus


def _stdlib(data) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


_lazy_text = lazy(str, str)

# Every character, control characters, DEL, the line separators and astral ones included.
_text = st.text(st.characters(codec=None, categories=None, exclude_categories=["Cs"]))
_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | _text
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
    | st.dates()
    | st.times()
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | st.uuids()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.sampled_from(list(Priority) + list(RecommendationStatus) + [Priority.HIGH.label])
    | _text.map(_lazy_text)
)
_documents = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(_text, children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_documents)
def test_the_bytes_are_json_dumps_bytes(data):
    assert canonical_json(data) == _stdlib(data)


def test_what_orjson_refuses_goes_to_json_dumps():
    for data in (
        {"big": 2**70},
        {"lone": "\ud800"},
        ["\udfff x"],
        {"when": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)},
    ):
        assert canonical_json(data) == _stdlib(data)


def test_floats_are_written_as_json_dumps_writes_them():
    for value in (1e-05, -2.5e-07, 9.9e-05, 0.0001, 1e16, 1.5, 5e-324, 1e300, -0.0):
        for data in (value, [value], {"claim": {"value": value, "note": "Type-2e-5"}}):
            assert canonical_json(data) == _stdlib(data), value


def test_a_slug_that_looks_like_an_exponent_is_written_by_orjson(monkeypatch):
    """An "e-" after a letter is no float: a slug's "france-6833" or an "e-mail" must not
    send every document to json.dumps (which would undo the point of orjson)."""
    import cooperation.api.conditional as conditional

    def refused(*args, **kwargs):
        raise AssertionError("written by json.dumps")

    data = {"slug": "with-france-6833", "name": "Type-2 e-mail, 0.0001", "ids": [1, 2]}
    expected = _stdlib(data)
    monkeypatch.setattr(conditional.json, "dumps", refused)
    assert canonical_json(data) == expected


def test_escapes_as_json_dumps_does():
    data = {
        "del": "\x7f",
        "nbsp": "\xa0",
        "e": "é",
        "sep": "\u2028\u2029",
        "astral": "\U0001f600",
        "controls": '\x00\x08\t\n\x0b\x0c\r\x1f"\\/',
        "ü": [Decimal("1.50"), uuid.UUID(int=7)],
    }
    assert canonical_json(data) == _stdlib(data)
    assert canonical_json(data).isascii()


def test_the_etag_is_the_digest_of_the_stdlibs_text():
    import hashlib

    class Row:
        version = 3

    data = {"title": "Quad — Indo-Pacific", "actions": {"edit": True}, "version": 3}
    body = _stdlib({"title": "Quad — Indo-Pacific", "version": 3})
    assert etag_for(Row(), data) == f'"3-{hashlib.sha256(body).hexdigest()[:20]}"'
