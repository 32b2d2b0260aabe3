"""`manage.py load_demo` loads everything or nothing: a failure in a late stage leaves no trace.

Kept apart from test_load_demo.py, whose tests share one loaded demo: these need an
empty database.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from cooperation.demo import cenjows_2024 as demo
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
