"""Each record kind's fields are defined once (cooperation/fieldspec.py) and reach every
output: the API (and so the partner list's rows and the API's CSV), the web CSV export, the
web form and the admin. A model field in none of them must be listed as excluded, with why.
"""

from __future__ import annotations

import pytest
from django.contrib import admin

from cooperation import exports
from cooperation.api import serializers
from cooperation.api.record_rows import _fields as row_fields
from cooperation.fieldspec import BOOKKEEPING, EXCLUDED, RECORD_SHARED, SPECS
from cooperation.forms.records import RECORD_FORMS
from cooperation.models import Agreement, Challenge, Deal, Recommendation

CSV = {
    Agreement: exports.AGREEMENT_COLUMNS,
    Deal: exports.DEAL_COLUMNS,
    Challenge: exports.CHALLENGE_COLUMNS,
    Recommendation: exports.RECOMMENDATION_COLUMNS,
}
SERIALIZERS = {
    model: serializer
    for model, serializer in (
        (s.Meta.model, s)
        for s in (
            serializers.AgreementSerializer,
            serializers.DealSerializer,
            serializers.ChallengeSerializer,
            serializers.RecommendationSerializer,
        )
    )
}


def model_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if (getattr(f, "concrete", False) or f.many_to_many) and not f.auto_created
    ] + ["id"]


def admin_fields(model) -> set[str]:
    model_admin = admin.site._registry[model]
    return {name for _, options in model_admin.fieldsets for name in options["fields"]}


@pytest.mark.parametrize("model", list(SPECS), ids=lambda m: m.__name__)
def test_every_model_field_is_specified_or_excluded_with_a_reason(model):
    known = {*RECORD_SHARED, *BOOKKEEPING, *EXCLUDED, *SPECS[model].names()}
    missing = [name for name in model_fields(model) if name not in known]
    assert not missing, f"{model.__name__}: add to cooperation/fieldspec.py: {missing}"
    assert all(reason.strip() for reason in EXCLUDED.values())


@pytest.mark.parametrize("model", list(SPECS), ids=lambda m: m.__name__)
def test_every_specified_field_reaches_every_output(model):
    spec = SPECS[model]
    api = set(SERIALIZERS[model].Meta.fields)
    rows = set(row_fields(SERIALIZERS[model]))
    csv_headers = {column.header for column in CSV[model]}
    form = set(RECORD_FORMS[model].base_fields)
    in_admin = admin_fields(model)
    for entry in spec.fields:
        assert entry.name in api, f"{entry.name} not in the API"
        assert entry.name in rows, f"{entry.name} not in the partner list's rows"
        assert entry.csv_header in csv_headers, f"{entry.name} not in the CSV"
        assert entry.name in in_admin, f"{entry.name} not in the admin"
        assert (entry.name in form) == entry.form, f"{entry.name}: form is {entry.form}"
    for name in RECORD_SHARED:
        assert name in api and name in in_admin and name in form
        assert name in csv_headers or f"{name}_code" in csv_headers
    for name in EXCLUDED:
        if name != "id":
            assert name not in api | form | in_admin, f"{name} is excluded but shown"


def test_a_new_field_is_one_line():
    """The outputs read the spec when they are built: a field added to it appears in each."""
    from cooperation.fieldspec import Field, KindSpec

    spec = SPECS[Deal]
    grown = KindSpec(
        spec.model, (*spec.fields, Field("system", header="system_again")), spec.groups
    )
    assert "system_again" in {c.header for c in exports.spec_columns(grown)}
    assert grown.api_fields().count("system") == 2
