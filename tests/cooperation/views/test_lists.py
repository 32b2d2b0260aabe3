"""Lists and CSV exports (cooperation/views/lists.py, cooperation/exports.py)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from cooperation.choices import AnnotationVisibility, RecommendationStatus, Visibility
from cooperation.filtersets import RecommendationFilterSet
from cooperation.models import Agreement, Recommendation
from cooperation.services import annotation_create, recommendation_transition
from cooperation.views.lists import SPECS
from tests.cooperation.views.helpers import add_rows, count_queries, csv_table
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    RecommendationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

LIST_KEYS = list(SPECS)


def _list(key):
    return reverse(f"cooperation:{key}_list")


def _export(key):
    return reverse(f"cooperation:{key}_export")


# -- every list -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", LIST_KEYS)
def test_list_shows_rows_linking_to_their_pages(client, analyst, key):
    add_rows(2, analyst)
    client.force_login(analyst)

    response = client.get(_list(key))

    assert response.status_code == 200
    rows = list(response.context["rows"])
    assert rows
    html = response.content.decode()
    for obj in rows:
        assert f'href="{obj.get_absolute_url()}"' in html
    assert 'rel="stylesheet" href="/static/css/lists.css"' in html
    assert "style=" not in html
    # No inline script (the Content-Security-Policy allows none): only the site's own files.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert '<script src="/static/js/shortcuts.js" defer>' in scripts
    assert all(re.fullmatch(r'<script src="/static/js/[a-z_-]+\.js" defer>', s) for s in scripts)


def test_lists_and_exports_cost_the_same_queries_at_one_row_and_at_many(client, analyst):
    client.force_login(analyst)

    def measure():
        return {
            key: (
                count_queries(client, _list(key)),
                count_queries(client, _export(key), stream=True),
            )
            for key in LIST_KEYS
        }

    add_rows(1, analyst)
    small = measure()
    add_rows(25, analyst)
    large = measure()

    for key in LIST_KEYS:
        assert len(client.get(_list(key)).context["rows"]) == 25, key
    assert large == small


@pytest.mark.parametrize("key", LIST_KEYS)
def test_list_shows_an_empty_state(client, analyst, key):
    client.force_login(analyst)

    response = client.get(_list(key))

    assert response.status_code == 200
    assert f"No {SPECS[key].noun_plural} yet" in response.content.decode()


@pytest.mark.parametrize("key", LIST_KEYS)
def test_list_with_a_search_matching_nothing_offers_to_clear_it(client, analyst, key):
    add_rows(1, analyst)
    client.force_login(analyst)

    response = client.get(_list(key), {"q": "zzzqqqxxx"})

    html = response.content.decode()
    assert f"No {SPECS[key].noun_plural} match" in html
    assert f'href="{_list(key)}"' in html


@pytest.mark.parametrize("key", LIST_KEYS)
def test_list_every_filter_control_has_a_label(client, analyst, key):
    client.force_login(analyst)

    response = client.get(_list(key))

    form = response.context["form"]
    html = response.content.decode()
    for name, field in form.fields.items():
        bound = form[name]
        if hasattr(field.widget, "widgets"):
            assert f"<legend>{bound.label}</legend>" in html
            assert html.count(f'aria-label="{bound.label} from"') == 1
            assert html.count(f'aria-label="{bound.label} to"') == 1
        else:
            assert f'<label for="{bound.id_for_label}">' in html
    assert '<label for="id_per_page">' in html


# -- filters, search, order, pages ----------------------------------------------------------


def test_recommendation_list_filters_with_the_filterset(client, analyst, curator):
    kept = RecommendationFactory(title="Open the ports")
    dropped = RecommendationFactory(title="Build a fab")
    recommendation_transition(
        recommendation=dropped,
        to_status=RecommendationStatus.REJECTED,
        user=curator,
        note="No",
        evidence_url="https://example.org/public-record",
    )
    client.force_login(analyst)

    response = client.get(_list("recommendation"), {"status": ["proposed"]})

    assert list(response.context["rows"]) == [kept]
    assert isinstance(response.context["filterset"], RecommendationFilterSet)
    assert "Filters (active)" in response.content.decode()


def test_list_search_ranks_and_narrows_rows(client, analyst):
    AgreementFactory(title="Semiconductor supply pact", summary="Chips")
    AgreementFactory(title="Space cooperation", summary="Launch vehicles")
    client.force_login(analyst)

    response = client.get(_list("agreement"), {"q": "semiconductor"})

    assert [a.title for a in response.context["rows"]] == ["Semiconductor supply pact"]
    assert "best matches first" in response.content.decode()


def test_list_headers_sort_through_the_filterset_ordering(client, analyst):
    AgreementFactory(title="Alpha")
    AgreementFactory(title="Beta")
    client.force_login(analyst)

    ascending = client.get(_list("agreement"), {"ordering": "title"})
    descending = client.get(_list("agreement"), {"ordering": "-title"})

    assert [a.title for a in ascending.context["rows"]] == ["Alpha", "Beta"]
    assert [a.title for a in descending.context["rows"]] == ["Beta", "Alpha"]
    title = next(h for h in ascending.context["headers"] if h["label"] == "Title")
    assert title["sort"]["state"] == "ascending"
    assert title["sort"]["url"] == "?ordering=-title"
    assert 'aria-sort="ascending"' in ascending.content.decode()
    parties = next(h for h in ascending.context["headers"] if h["label"] == "Parties")
    assert parties["sort"] is None  # the FilterSet cannot order by it, so no link


def test_list_sort_links_keep_the_filters_and_drop_the_page(client, analyst):
    AgreementFactory(title="Alpha", visibility=Visibility.PUBLISHED)
    client.force_login(analyst)

    response = client.get(_list("agreement"), {"visibility": "published", "page": "1"})

    title = next(h for h in response.context["headers"] if h["label"] == "Title")
    assert title["sort"]["url"] == "?visibility=published&ordering=title"


def test_list_pages_with_a_chosen_size(client, analyst):
    for i in range(12):
        AgreementFactory(title=f"Agreement {i:02d}")
    client.force_login(analyst)

    first = client.get(_list("agreement"), {"per_page": "10"})
    second = client.get(_list("agreement"), {"per_page": "10", "page": "2"})

    assert len(first.context["rows"]) == 10
    assert [a.title for a in second.context["rows"]] == ["Agreement 10", "Agreement 11"]
    assert first.context["next_url"] == "?per_page=10&page=2"
    assert 'rel="next"' in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("per_page", ["1000", "abc", "-5"])
def test_list_page_size_outside_the_choices_falls_back_to_the_default(client, analyst, per_page):
    client.force_login(analyst)

    response = client.get(_list("agreement"), {"per_page": per_page})

    assert response.status_code == 200
    assert response.context["per_page"] == 25


def test_list_page_number_out_of_range_shows_the_last_page(client, analyst):
    AgreementFactory()
    client.force_login(analyst)

    response = client.get(_list("agreement"), {"page": "99"})

    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"created_after": "not-a-date"},
        {"status": "no-such-status"},
        {"owner": "999999"},
        {"ordering": "password"},
        {"identifier": "wikidata:668"},
    ],
)
def test_list_with_bad_filter_input_shows_an_error_not_a_crash(client, analyst, params):
    RecommendationFactory()
    client.force_login(analyst)

    response = client.get(_list("recommendation"), params)

    assert response.status_code == 200
    errors = response.context["filterset"].form.errors
    if "ordering" in params:
        assert "ordering" in errors
        assert "Select a valid choice" in response.content.decode()
    else:
        assert errors
        name = next(iter(params)).removesuffix("_after")
        assert f'id="id_{name}' in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()


def test_list_date_range_filters_are_date_inputs(client, analyst):
    AgreementFactory()
    client.force_login(analyst)

    html = client.get(_list("agreement")).content.decode()

    assert 'type="date" name="created_after"' in html
    assert 'type="date" name="created_before"' in html


def test_recommendation_list_marks_overdue_rows_in_words(client, analyst):
    RecommendationFactory(title="Late", target_date=datetime.date(2020, 1, 1))
    RecommendationFactory(title="Future", target_date=datetime.date(2999, 1, 1))
    client.force_login(analyst)

    response = client.get(_list("recommendation"), {"overdue": "true"})

    assert [r.title for r in response.context["rows"]] == ["Late"]
    assert '<span class="badge overdue">Overdue</span>' in response.content.decode()


def test_challenge_list_counts_only_live_recommendations(client, analyst, curator):
    challenge = ChallengeFactory(title="Cost")
    RecommendationFactory(addresses=[challenge])
    from cooperation.services import tracked_delete

    tracked_delete(instance=RecommendationFactory(addresses=[challenge]), user=curator)
    client.force_login(analyst)

    response = client.get(_list("challenge"))

    assert [c.recommendation_count for c in response.context["rows"]] == [1]


# -- notes ----------------------------------------------------------------------------------


def test_notes_list_hides_other_peoples_private_notes(client, analyst, other_analyst):
    record = AgreementFactory()
    annotation_create(author=analyst, body="Mine, private", record=record, visibility="private")
    annotation_create(
        author=other_analyst, body="Theirs, private", record=record, visibility="private"
    )
    annotation_create(author=other_analyst, body="Theirs, team", record=record)
    client.force_login(analyst)

    page = client.get(_list("annotation"))
    export = csv_table(client.get(_export("annotation")))

    assert sorted(n.body for n in page.context["rows"]) == ["Mine, private", "Theirs, team"]
    body = export[0].index("body")
    assert sorted(row[body] for row in export[1:]) == ["Mine, private", "Theirs, team"]
    assert "Theirs, private" not in page.content.decode()


def test_notes_list_renders_the_body_through_the_markdown_filter(client, analyst):
    annotation_create(
        author=analyst, body="<script>alert(1)</script> hello", record=AgreementFactory()
    )
    client.force_login(analyst)

    html = client.get(_list("annotation")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "hello" in html


def test_notes_list_filters_by_visibility(client, analyst):
    record = AgreementFactory()
    annotation_create(author=analyst, body="Team", record=record)
    annotation_create(
        author=analyst, body="Partners", record=record, visibility=AnnotationVisibility.PARTNERS
    )
    client.force_login(analyst)

    response = client.get(_list("annotation"), {"visibility": "partners"})

    assert [n.body for n in response.context["rows"]] == ["Partners"]


# -- CSV export -----------------------------------------------------------------------------


def test_export_is_exactly_the_filtered_ordered_list(client, analyst):
    for title in ("Gamma pact", "Alpha pact", "Beta pact", "Delta accord"):
        AgreementFactory(title=title)
    AgreementFactory(title="Omega pact", visibility=Visibility.PUBLISHED)
    client.force_login(analyst)
    params = {"q": "pact", "visibility": "internal", "ordering": "-title", "per_page": "10"}

    page = client.get(_list("agreement"), params)
    export = client.get(_export("agreement"), params)

    table = csv_table(export)
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert export["Content-Disposition"].startswith('attachment; filename="contours-agreements-')
    titles = [row[table[0].index("title")] for row in table[1:]]
    assert (
        titles
        == [a.title for a in page.context["rows"]]
        == [
            "Gamma pact",
            "Beta pact",
            "Alpha pact",
        ]
    )
    assert page.context["export_url"] == (
        _export("agreement") + "?q=pact&visibility=internal&ordering=-title"
    )


def test_export_ignores_paging(client, analyst):
    for _ in range(12):
        AgreementFactory()
    client.force_login(analyst)

    table = csv_table(client.get(_export("agreement"), {"per_page": "10", "page": "2"}))

    assert len(table) == 1 + 12


def test_export_writes_labels_and_codes(client, analyst):
    india = ActorFactory(name="India")
    rec = RecommendationFactory(
        title="Open ports", addressed_to=[india], target_date=datetime.date(2020, 5, 1)
    )
    client.force_login(analyst)

    header, row = csv_table(client.get(_export("recommendation")))
    cells = dict(zip(header, row, strict=True))

    assert cells["id"] == str(rec.pk)
    assert (cells["status"], cells["status_code"]) == ("Proposed", "proposed")
    assert (cells["visibility"], cells["visibility_code"]) == ("Internal", "internal")
    assert cells["addressed_to"] == "India"
    assert cells["target_date"] == "2020-05-01"
    assert cells["overdue"] == "yes"


@pytest.mark.parametrize("title", ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\tTab"])
def test_export_defuses_cells_that_a_spreadsheet_would_run(client, analyst, title):
    AgreementFactory(title=title)
    client.force_login(analyst)

    header, row = csv_table(client.get(_export("agreement")))

    assert row[header.index("title")] == "'" + title


def test_export_of_sources_leaves_the_full_text_out(client, analyst):
    SourceFactory(title="Brief A")
    client.force_login(analyst)

    header, row = csv_table(client.get(_export("source")))

    assert "text" not in header
    assert row[header.index("title")] == "Brief A"
    assert row[header.index("excerpts")] == "0"


def test_export_refuses_other_methods(client, analyst):
    client.force_login(analyst)

    assert client.post(_export("agreement")).status_code == 405
    assert client.post(_list("agreement")).status_code == 405
    assert Agreement.objects.count() == 0
    assert Recommendation.objects.count() == 0
