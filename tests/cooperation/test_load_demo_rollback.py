"""`manage.py load_demo` loads everything or nothing: a failure in a late stage leaves no trace.

Kept apart from test_load_demo.py, whose tests share one loaded demo: these need an
empty database.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from cooperation.demo import cenjows_2024 as demo
from cooperation.importers.demo import DemoDataError, check_all_bases, check_bases
from cooperation.models import Agreement, Excerpt, Recommendation, Source
from cooperation.services import evidence_attach
from tests.utils import model_counts

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _fail_at_the_recommendations(monkeypatch, error: Exception) -> list[str]:
    """Make the last stage fail: attaching evidence to the first recommendation raises."""
    calls = []

    def attach(*, record, **kwargs):
        if isinstance(record, Recommendation):
            calls.append(record.slug)
            raise error
        return evidence_attach(record=record, **kwargs)

    monkeypatch.setattr("cooperation.importers.demo.evidence_attach", attach)
    return calls


def test_load_demo_that_fails_in_its_last_stage_leaves_nothing(monkeypatch):
    before = model_counts()
    calls = _fail_at_the_recommendations(
        monkeypatch, ValidationError({"note": "Simulated failure."})
    )

    with pytest.raises(CommandError) as caught:
        _load()

    assert str(caught.value) == "demo data does not fit the brief: note: Simulated failure."
    assert calls == [demo.RECOMMENDATIONS[0]["slug"]]
    assert model_counts() == before
    assert (Source.all_objects.count(), Agreement.all_objects.count()) == (0, 0)


def test_load_demo_that_crashes_midway_leaves_nothing(monkeypatch):
    before = model_counts()
    calls = _fail_at_the_recommendations(monkeypatch, RuntimeError("disk full"))

    with pytest.raises(RuntimeError, match="disk full"):
        _load()

    assert calls == [demo.RECOMMENDATIONS[0]["slug"]]
    assert model_counts() == before
    assert Excerpt.all_objects.count() == 0


# -- every factual value needs its basis in the curated data ---------------------------------


def _without(item: dict, field: str) -> dict:
    return {**item, "basis": {k: v for k, v in item["basis"].items() if k != field}}


def test_load_demo_refuses_a_value_without_a_basis_before_writing_anything(monkeypatch):
    first, *rest = demo.AGREEMENTS
    monkeypatch.setattr(demo, "AGREEMENTS", [_without(first, "signed_on"), *rest])
    before = model_counts()

    with pytest.raises(CommandError) as caught:
        _load()

    assert str(caught.value).startswith(
        "demo data does not fit the brief: tokyo-declaration-2014: no basis for signed_on; "
        "say where each value comes from"
    )
    assert model_counts() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"basis": {}}, "no basis for parties, signed_on, status"),
        (
            {"signed_on": None, "signed_on_precision": ""},
            "a basis for signed_on, which holds no value",
        ),
        (
            {"basis": {**demo.AGREEMENTS[0]["basis"], "status": {"public_record": "nowhere"}}},
            "basis for status: no citation 'nowhere' in CITATIONS",
        ),
        (
            {"basis": {**demo.AGREEMENTS[0]["basis"], "status": {"judgement": " "}}},
            "basis for status: a judgement gives its reason in one line",
        ),
        (
            {"basis": {**demo.AGREEMENTS[0]["basis"], "status": {"brief": []}}},
            "basis for status: a brief basis lists the evidence items",
        ),
        (
            {"basis": {**demo.AGREEMENTS[0]["basis"], "status": "signed"}},
            "basis for status: give one of brief, public_record, judgement",
        ),
    ],
)
def test_check_bases_names_the_item_and_the_field(change, message):
    with pytest.raises(DemoDataError, match=re.escape(message)):
        check_bases("agreement", {**demo.AGREEMENTS[0], **change})


def test_the_curated_data_gives_every_value_a_basis():
    check_all_bases()  # raises on the first gap
