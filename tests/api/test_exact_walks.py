"""Property: a cursor walk of any list, in any allowed order (ascending and descending),
returns every row that was visible when the walk began exactly once, in the order the list
had then, however often it is edited during the walk; a row inserted during the walk does
not come (cooperation/api/walks.py).

The lists and their orders are read from the API's router and the FilterSets, so a new
list or a new order is covered without touching this file. Rows are made to tie: their
timestamps come from a small pool differing by microseconds, their titles and names from
a few words. Between pages, rows are inserted and edited (the key moves: a new title,
status, date, and `updated_at` set to now, as every service does).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import models
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cooperation.api.urls import router
from cooperation.choices import AnnotationVisibility
from cooperation.filtersets import FILTERSETS
from cooperation.history import CHANGED, history_paused, write_history
from cooperation.models import Annotation, Excerpt
from cooperation.services import annotation_create
from tests.api.conftest import client_for
from tests.conftest import DB_EXAMPLES
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
    TagFactory,
    TopicFactory,
)
from tests.utils import rolled_back

# Rows are set straight in their tables (`_set`): ties and moves no service would make on
# purpose, facts with no claim among them. What a walk returns is the point here, not where
# a value comes from (tests/conftest.py's check; the services' claims: tests/cooperation).
pytestmark = [pytest.mark.django_db, pytest.mark.unbacked_facts]

LISTS = {prefix: viewset.model for prefix, viewset, _ in router.registry}
BASE = datetime(2025, 6, 1, 12, 0, 0, 500000, tzinfo=UTC)
STAMPS = [BASE + timedelta(microseconds=n) for n in (0, 0, 1, 999, 1000)]
WORDS = ["Alpha", "Alpha", "Beta", "alpha", "Zulu"]
DATES = [None, date(2024, 1, 1), date(2024, 1, 1), date(2025, 2, 3)]


def orderings(model) -> list[str]:
    """Every order the list allows, both ways, and its default (no `ordering`)."""
    names = list(FILTERSETS[model].base_filters["ordering"].param_map)
    return ["", *names, *(f"-{name}" for name in names)]


class Maker:
    """Makes a row of a list's model; the same for the rows inserted during the walk."""

    def __init__(self, analyst):
        self.analyst = analyst
        self._source = self._agreement = None

    def source(self):
        if self._source is None:
            self._source = SourceFactory(text="0123456789 " * 20)
        return self._source

    def agreement(self):
        if self._agreement is None:
            self._agreement = AgreementFactory()
        return self._agreement

    def make(self, model, n: int):
        if model is Annotation:
            return annotation_create(
                author=self.analyst,
                body=f"note {n}",
                record=self.agreement(),
                visibility=AnnotationVisibility.TEAM,
            )
        if model is Excerpt:
            return ExcerptFactory(source=self.source(), start=n, end=n + 4)
        factory = {
            "Source": SourceFactory,
            "Actor": ActorFactory,
            "Topic": TopicFactory,
            "Tag": TagFactory,
            "Agreement": AgreementFactory,
            "Deal": DealFactory,
            "Challenge": ChallengeFactory,
            "Recommendation": RecommendationFactory,
        }[model.__name__]
        return factory()


def _key_fields(model) -> list[models.Field]:
    """Fields a test may set freely to make rows tie or move: texts, choices, dates.

    An end date is left alone: it is checked against its start, and no list sorts by it.
    """
    fields = []
    for field in model._meta.concrete_fields:
        text = field.name in ("title", "name")
        choice = bool(field.choices) and isinstance(field, models.CharField)
        day = isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)
        if text or (choice and field.name != "format") or (day and not field.name.endswith("_end")):
            fields.append(field)
    return fields


def _unique(model, field) -> bool:
    """Unique as a column, or through a constraint on an expression of it (a tag's name is
    unique whatever its case: UniqueConstraint(Lower("name")))."""
    return field.unique or any(
        isinstance(c, models.UniqueConstraint) and f"F({field.name})" in repr(c.expressions)
        for c in model._meta.constraints
    )


def values(pick, model, n: int) -> dict:
    """Values for row `n`'s keys, drawn to tie often."""
    data = {}
    for field in _key_fields(model):
        if field.name in ("title", "name"):
            # A unique name cannot tie; its order is still tested against the others'.
            data[field.name] = pick(WORDS) + (f" {n}" if _unique(model, field) else "")
        elif field.choices:
            data[field.name] = pick([value for value, _ in field.choices])
        else:
            data[field.name] = pick(DATES if field.null else DATES[1:])
    if model is Excerpt:
        # Starts tie; (source, start, end) is unique, so the end differs per row.
        start = pick([0, 0, 5])
        data.update(start=start, end=start + 3 + n)
    return data


def _set(model, pk, data):
    # Straight to the table: the test sets ties and moves no service would pick on purpose.
    # Then one history row of the result, as every service write records one: a walk places
    # a row changed after it began where its history says it stood.
    # Saved (not update()d) so a record's spine row follows, as Record.save() keeps it.
    row = model.all_objects.get(pk=pk)
    for name, value in data.items():
        setattr(row, name, value)
    with history_paused(row):
        row.save()
    write_history(row, kind=CHANGED)


def _ids(client, path, params, *, page_size, between=lambda: None) -> list[int]:
    ids, response = [], client.get(path, {**params, "page_size": page_size})
    for _ in range(500):
        assert response.status_code == 200, response.content[:300]
        ids.extend(row["id"] for row in response.json()["results"])
        if response.json()["next"] is None:
            return ids
        between()
        response = client.get(response.json()["next"])
    raise AssertionError("the walk did not end")


@pytest.fixture
def reader(analyst):
    return client_for(analyst)


def _make_rows(analyst, model, count, pick) -> tuple[Maker, list[int]]:
    maker, made = Maker(analyst), []
    for n in range(count):
        row = maker.make(model, n)
        stamps = {"created_at": pick(STAMPS), "updated_at": pick(STAMPS)}
        _set(model, row.pk, {**stamps, **values(pick, model, n)})
        made.append(row.pk)
    return maker, made


def _walk_with_changes(reader, name, ordering, page_size, pick, maker, made):
    """Walk the list while inserting and editing rows between pages; check what came."""
    model = LISTS[name]
    path, params = f"/api/v1/{name}/", ({"ordering": ordering} if ordering else {})
    with rolled_back():
        before = _ids(reader, path, params, page_size=200)
        assert set(made) <= set(before)

        touched: set[int] = set()
        inserted: set[int] = set()

        def between():
            action = pick(["none", "insert", "edit", "edit"])
            if action == "insert":
                n = 100 + len(inserted)
                row = maker.make(model, n)
                _set(model, row.pk, values(pick, model, n))
                inserted.add(row.pk)
            elif action == "edit":
                index = pick(range(len(made)))
                moved = {**values(pick, model, 50 + index), "updated_at": timezone.now()}
                _set(model, made[index], moved)
                touched.add(made[index])

        walked = _ids(reader, path, params, page_size=page_size, between=between)

    assert len(walked) == len(set(walked)), f"{ordering}: a row came twice: {walked}"
    # Every row visible when the walk began comes, edited or not, in the order it stood in
    # then. A row inserted meanwhile comes at most once: in an order no edit changes, if its
    # place is still ahead of the walk; in any other, not at all (the change feed reports it).
    assert [pk for pk in walked if pk not in inserted] == before, (ordering, before, walked)
    assert set(walked) <= set(before) | inserted


@pytest.mark.parametrize("name", sorted(LISTS))
@settings(DB_EXAMPLES, max_examples=6)
@given(data=st.data())
def test_every_walk_is_exact_while_rows_are_inserted_and_edited(analyst, reader, name, data):
    ordering = data.draw(st.sampled_from(orderings(LISTS[name])), label="ordering")
    count = data.draw(st.integers(1, 6), label="rows")
    page_size = data.draw(st.integers(1, 3), label="page_size")

    def pick(options):
        return data.draw(st.sampled_from(list(options)))

    with rolled_back():
        maker, made = _make_rows(analyst, LISTS[name], count, pick)
        _walk_with_changes(reader, name, ordering, page_size, pick, maker, made)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_order_of_every_list_walks_exactly(analyst, reader, name):
    """Each order, both ways, with fixed ties and moves: no order is left to chance."""
    turn = iter(range(100_000))

    def pick(options):
        options = list(options)
        return options[next(turn) * 7 % len(options)]

    maker, made = _make_rows(analyst, LISTS[name], 5, pick)
    for ordering in orderings(LISTS[name]):
        _walk_with_changes(reader, name, ordering, 2, pick, maker, made)
