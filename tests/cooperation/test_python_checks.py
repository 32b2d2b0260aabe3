"""cooperation/models/checks.py decides check constraints as the database does."""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint, F, Q
from django.test.utils import CaptureQueriesContext

from cooperation.models import Claim
from cooperation.models.checks import PythonChecks, Unsupported, evaluate

_TEXT = ["", "x", "public_record", "judgement", "brief"]
_NUMBERS = [0, 1, 1899, 1900, 1947, 2000, 2100, 2101, 10**6]


def _candidates(field) -> list:
    if isinstance(field, models.ForeignKey):
        values = [1]
    elif isinstance(field, models.DecimalField):
        values = [Decimal("0"), Decimal("12.5")]
    elif isinstance(field, models.IntegerField):
        values = list(_NUMBERS)
    elif isinstance(field, models.DateField):
        values = [date(1999, 1, 1), date(2000, 1, 1)]
    elif isinstance(field, models.CharField | models.TextField):
        values = _TEXT + [value for value, _ in (field.choices or [])[:3]]
    else:
        values = []
    return values + ([None] if field.null else [])


def _checks():
    for model in apps.get_models():
        if not issubclass(model, PythonChecks):
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                yield pytest.param(model, constraint, id=f"{model.__name__}.{constraint.name}")


def _fields(model, condition) -> list:
    names: set[str] = set()

    def walk(node):
        for child in node.children:
            if isinstance(child, Q):
                walk(child)
            else:
                names.add(child[0].split("__")[0])
                if isinstance(child[1], F):
                    names.add(child[1].name)

    walk(condition)
    return [model._meta.get_field(name) for name in sorted(names)]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), list(_checks()))
def test_python_decides_every_check_as_the_database_does(model, constraint):
    fields = _fields(model, constraint.condition)
    combos = list(itertools.product(*(_candidates(f) for f in fields)))
    random.Random(constraint.name).shuffle(combos)
    decided = 0
    for combo in combos[:300]:
        instance = model()
        for field, value in zip(fields, combo, strict=True):
            setattr(instance, field.attname, value)
        try:
            ours = evaluate(constraint.condition, model, instance)
        except Unsupported:
            continue
        decided += 1
        try:
            constraint.validate(model, instance, using=connection.alias)  # Django: the database
            theirs = True
        except ValidationError:
            theirs = False
        shown = {f.name: value for f, value in zip(fields, combo, strict=True)}
        assert (ours is not False) is theirs, (shown, ours)
    assert decided, "no combination was decided in Python"


def test_what_python_cannot_decide_is_left_to_the_database():
    with pytest.raises(Unsupported):
        evaluate(Q(source__visibility="published"), Claim, Claim())
    with pytest.raises(Unsupported):
        evaluate(Q(field__icontains="x"), Claim, Claim())


def test_unknown_is_not_a_violation():
    claim = Claim(citation_accessed=None)
    assert evaluate(Q(citation_accessed__gt=date(2000, 1, 1)), Claim, claim) is None
    assert evaluate(~Q(citation_accessed__gt=date(2000, 1, 1)), Claim, claim) is None


@pytest.mark.django_db
def test_a_claims_checks_cost_no_statement_and_a_violation_is_still_refused():
    claim = Claim(field="priority", value="high", rank="normal", basis="judgement", reason="")
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refused:
        claim.validate_constraints(exclude={"spine"})
    assert "An analyst's judgement gives its reason." in str(refused.value)
    assert not [q for q in queries.captured_queries if "_check" in q["sql"]]
