"""cooperation/api/renderers.py writes what DRF's JSONRenderer writes, byte for byte."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import renderers as drf
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict

from cooperation.api.renderers import JSONRenderer

# What an API document holds: text (any Unicode, the line separators included), whole
# numbers within 64 bits, booleans, null, lists and dicts of them.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)))
    | st.sampled_from(["\u2028", "a\u2029b", "é", "\x00", '"\\', "</script>"])
)
documents = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)


def _both(data, media_type=None):
    return JSONRenderer().render(data, media_type), drf.JSONRenderer().render(data, media_type)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_document_is_written_as_drf_writes_it(data):
    ours, drf_text = _both(data)
    assert ours == drf_text


@dataclasses.dataclass
class _Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 4, 15, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 4, 15, 0, 0, tzinfo=UTC),
        date(2015, 12, 12),
        time(9, 30),
        Decimal("12.50"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        gettext_lazy("Not found."),
        ErrorDetail("This field is required.", code="required"),
        ReturnDict({"a": 1}, serializer=None),
        (1, "two"),
        {1: "an int key"},
    ],
    ids=repr,
)
def test_django_and_python_types_are_written_as_drf_writes_them(value):
    ours, drf_text = _both({"value": value, "list": [value]})
    assert ours == drf_text


@pytest.mark.parametrize(
    "value",
    [2**64, "\ud800", _Point(1), object()],
    ids=["big integer", "lone surrogate", "dataclass", "unknown type"],
)
def test_what_orjson_refuses_is_drfs_to_write_or_refuse(value):
    try:
        expected = drf.JSONRenderer().render({"value": value})
    except Exception as error:  # DRF's own refusal, raised the same way
        with pytest.raises(type(error)):
            JSONRenderer().render({"value": value})
    else:
        assert JSONRenderer().render({"value": value}) == expected


def test_a_pretty_printing_request_is_drfs():
    data = {"a": [1, {"b": "c"}]}
    ours, drf_text = _both(data, "application/json; indent=2")
    assert ours == drf_text
    assert b"\n  " in ours


def test_nothing_renders_empty():
    assert JSONRenderer().render(None) == b""


def test_the_api_answers_through_it(client):
    response = client.get("/api/v1/")
    assert isinstance(response.accepted_renderer, JSONRenderer)
