"""Check constraints validated in Python, as the database would evaluate them.

Django validates a CheckConstraint by asking the database (`Q.check`): a SAVEPOINT, a
`SELECT 1 WHERE …` and a RELEASE for each constraint of each row saved. Every claim (two
checks) and every deal (five) paid that on every write, a third of a claim's statements.
Most conditions here compare the row's own columns with literals, which Python can decide
without a round trip: `evaluate` does, in SQL's three-valued logic (a comparison with NULL
is unknown, NOT unknown is unknown, and a CHECK passes unless its condition is false).
Anything else (a join, a function, a type Python will not compare) is left to Django's own
check, so nothing is validated less. The database enforces every constraint regardless.
tests/cooperation/test_python_checks.py holds `evaluate` to the database's answer.
"""

from __future__ import annotations

import operator

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import CheckConstraint, F, Q

_COMPARE = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class Unsupported(Exception):
    """A condition `evaluate` does not decide: the database is asked instead."""


def _column(model, name: str):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise Unsupported(name) from None
    if not field.concrete or field.many_to_many or field.model is not model:
        raise Unsupported(name)
    return field


def _leaf(model, instance, lookup: str, value, names: set[str]) -> bool | None:
    name, _, kind = lookup.partition("__")
    kind = kind or "exact"
    field = _column(model, name)
    names.add(field.name)
    left = getattr(instance, field.attname)
    if kind == "isnull":
        if not isinstance(value, bool):
            raise Unsupported(lookup)
        return (left is None) is value
    if kind not in _COMPARE:
        raise Unsupported(lookup)
    if isinstance(value, F):
        other = _column(model, value.name)
        names.add(other.name)
        value = getattr(instance, other.attname)
    elif hasattr(value, "resolve_expression"):
        raise Unsupported(lookup)
    elif value is None and kind == "exact":
        return left is None  # Django reads `field=None` as `field__isnull=True`
    if left is None or value is None:
        return None  # NULL compared: unknown
    try:
        return bool(_COMPARE[kind](left, value))
    except TypeError:
        raise Unsupported(lookup) from None


def evaluate(condition: Q, model, instance, names: set[str] | None = None) -> bool | None:
    """True, False or None (unknown) for `condition` on `instance`; Unsupported when only
    the database can say. `names` collects the fields the condition reads."""
    names = set() if names is None else names
    if not isinstance(condition, Q):
        raise Unsupported(condition)
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(evaluate(child, model, instance, names))
        elif isinstance(child, tuple) and len(child) == 2:
            results.append(_leaf(model, instance, child[0], child[1], names))
        else:
            raise Unsupported(child)
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        raise Unsupported(condition.connector)
    if condition.negated and result is not None:
        result = not result
    return result


class PythonChecks:
    """Mixed into models: `validate_constraints` as Django's, checks decided in Python."""

    def validate_constraints(self, exclude=None):
        exclude = set(exclude or ())
        using = router.db_for_write(self.__class__, instance=self)
        errors = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    if not self._checked_here(constraint, model_class, exclude):
                        constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    fields = getattr(constraint, "fields", ())
                    if getattr(error, "code", None) == "unique" and len(fields) == 1:
                        errors.setdefault(fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _checked_here(self, constraint, model_class, exclude: set[str]) -> bool:
        """Whether `constraint` was decided here (raising ValidationError if it fails)."""
        if not isinstance(constraint, CheckConstraint):
            return False
        names: set[str] = set()
        try:
            result = evaluate(constraint.condition, model_class, self, names)
        except Unsupported:
            return False
        if names & exclude:
            return True  # as Django: a constraint on an excluded field is not validated
        if result is False:
            raise ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            )
        return True
