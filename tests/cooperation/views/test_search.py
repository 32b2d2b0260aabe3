"""One search across records, sources, excerpts and notes (cooperation/views/search.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.services import annotation_create, excerpt_create
from cooperation.views.search import highlight, query_words, snippet
from tests.cooperation.views.helpers import add_rows, count_queries
from tests.factories import AgreementFactory, DealFactory, SourceFactory

pytestmark = pytest.mark.django_db
URL = "/search/"


def _groups(response) -> dict:
    return {g["group"].key: g for g in response.context["groups"]}


def test_search_url_keeps_its_name():
    assert reverse("cooperation:search") == URL


def test_search_groups_hits_by_kind_with_counts_and_links(client, analyst):
    agreement = AgreementFactory(title="Semiconductor pact", summary="Chips for both")
    DealFactory(title="Fighter jets")
    source = SourceFactory(text="A brief about semiconductor fabs and more.")
    excerpt = excerpt_create(source=source, start=14, end=40, user=None)
    note = annotation_create(author=analyst, body="Semiconductor risk", record=agreement)
    client.force_login(analyst)

    response = client.get(URL, {"q": "semiconductor"})

    groups = _groups(response)
    assert {key: g["count"] for key, g in groups.items()} == {
        "agreement": 1,
        "deal": 0,
        "challenge": 0,
        "recommendation": 0,
        "source": 1,
        "excerpt": 1,
        "annotation": 1,
    }
    assert response.context["total"] == 4
    html = response.content.decode()
    for url in (agreement.get_absolute_url(), source.get_absolute_url()):
        assert f'href="{url}"' in html
    assert f'href="{excerpt.get_absolute_url()}"' in html
    assert f'href="{note.get_absolute_url()}"' in html
    assert "<mark>Semiconductor</mark> pact" in html


def test_search_never_shows_other_peoples_private_notes(client, analyst, other_analyst):
    record = AgreementFactory(title="Unrelated")
    annotation_create(author=other_analyst, body="secretword", record=record, visibility="private")
    annotation_create(author=analyst, body="secretword mine", record=record, visibility="private")
    client.force_login(analyst)

    response = client.get(URL, {"q": "secretword"})

    assert _groups(response)["annotation"]["count"] == 1
    hit = _groups(response)["annotation"]["hits"][0]
    assert "mine" in hit.snippet


def test_search_escapes_what_people_typed(client, analyst):
    annotation_create(
        author=analyst, body="payload <img src=x onerror=alert(1)>", record=AgreementFactory()
    )
    client.force_login(analyst)

    html = client.get(URL, {"q": "payload"}).content.decode()

    assert "<img src=x" not in html


def test_search_links_to_the_full_list_when_there_are_more_hits(client, analyst):
    for i in range(7):
        AgreementFactory(title=f"Maritime accord {i}")
    client.force_login(analyst)

    group = _groups(client.get(URL, {"q": "maritime"}))["agreement"]

    assert group["count"] == 7
    assert len(group["hits"]) == 5
    assert group["list_url"] == reverse("cooperation:agreement_list") + "?q=maritime"


def test_search_without_words_explains_itself(client, analyst):
    client.force_login(analyst)

    response = client.get(URL, {"q": "   "})

    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "Type a few words" in response.content.decode()


def test_search_finds_nothing_politely(client, analyst):
    client.force_login(analyst)

    response = client.get(URL, {"q": "zzqqxx"})

    assert response.context["total"] == 0
    assert "Nothing found" in response.content.decode()


def test_search_costs_the_same_queries_at_one_hit_and_at_many(client, analyst):
    client.force_login(analyst)
    add_rows(1, analyst)
    small = count_queries(client, URL, {"q": "note"})
    add_rows(10, analyst)
    large = count_queries(client, URL, {"q": "note"})

    assert large == small


def test_query_words_leave_out_operators_and_excluded_words():
    assert query_words('"space launch" OR semiconductor -china') == [
        "space",
        "launch",
        "semiconductor",
    ]


def test_highlight_marks_word_starts_and_escapes_the_rest():
    assert highlight("Chips <b>& chipsets</b>", ["chip"]) == (
        "<mark>Chips</mark> &lt;b&gt;&amp; <mark>chipsets</mark>&lt;/b&gt;"
    )


def test_snippet_starts_at_a_word_near_the_first_match():
    text = "word " * 100 + "target here " + "tail " * 100

    result = snippet(text, ["target"])

    assert result.startswith("… word")
    assert "<mark>target</mark>" in result
    assert result.endswith(" …")
