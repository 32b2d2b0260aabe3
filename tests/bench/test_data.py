"""The bench's in-process half on a small database: labels, words, URLs, counts, search SQL."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from bench import data, measure
from cooperation.models import RECORD_MODELS, Recommendation
from cooperation.synthetic.generator import synthetic_data_generate

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench measures PostgreSQL"),
]
RECORDS = 500  # a partner sees two pages and more


@pytest.fixture
def stored(db):
    synthetic_data_generate(records=RECORDS, seed=3)
    return data.accounts()


def test_labels_and_search_words_are_read_from_the_rows(stored):
    described = data.describe()
    terms = data.search_terms(described["partner_recommendations"])

    assert described["records"] == RECORDS == sum(m.objects.count() for m in RECORD_MODELS)
    published = Recommendation.objects.filter(visibility="published").count()
    assert described["partner_recommendations"] == published
    assert data.label(described).startswith(f"{RECORDS:,} records (")
    assert re.fullmatch(r"[a-z]{5,}", terms["common"]["term"])
    assert re.fullmatch(r"[a-z]{5,}", terms["rare"]["term"])
    assert terms["common"]["matches"] > terms["rare"]["matches"] >= 1


def test_every_url_answers_is_counted_and_search_sql_is_timed_past_the_stack(stored):
    terms = data.search_terms(data.describe()["partner_recommendations"])
    paths = data.paths(terms["common"]["term"])

    counted = measure.count_requests(stored, paths)  # refuses any answer but 200
    timed = measure.time_search_sql(stored, terms["rare"]["term"], runs=5)

    assert set(counted) == {"list", "detail", "filtered", "search", "deep", "record", "dashboard"}
    assert all(found["queries"] >= 1 for found in counted.values())
    visible = Recommendation.objects.filter(visibility="published").order_by("title", "pk")
    assert paths.deep_position == visible.count() - 60
    assert paths.page_ids == list(visible.values_list("pk", flat=True)[:50])
    assert timed["statements"] >= 1
    assert len(timed["ms"]) == 5 and all(ms > 0 for ms in timed["ms"])
    assert "Execution Time" in timed["plan"]
    assert "accounts_apitoken" not in timed["plan"]
