"""Many briefs in one corpus: every record list (web, API, CSV) and the dashboard narrow to
what chosen briefs attest (`?source=<id>`); a record shows each source that attests it; a
source's page shows what it contributes."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.choices import Visibility
from cooperation.forms import dashboard as dashboard_forms
from cooperation.models import Source
from cooperation.services import evidence_attach, record_set_visibility
from tests.api.conftest import client_for
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    ExcerptFactory,
    PartnerFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(curator):
    """Two briefs: one agreement attested by each, one by both, one by neither."""
    india_japan = SourceFactory(title="India–Japan brief", visibility=Visibility.PUBLISHED)
    japan_ph = SourceFactory(title="Japan–Philippines brief", visibility=Visibility.INTERNAL)
    first = ExcerptFactory(source=india_japan, start=0, end=10)
    second = ExcerptFactory(source=india_japan, start=20, end=30)
    other = ExcerptFactory(source=japan_ph, start=0, end=10)
    records = {
        "ij": AgreementFactory(title="A: India–Japan only"),
        "ph": AgreementFactory(title="B: Philippines only"),
        "both": AgreementFactory(title="C: both briefs"),
        "none": AgreementFactory(title="D: no evidence"),
    }
    evidence_attach(record=records["ij"], excerpt=first, user=curator)
    evidence_attach(record=records["ph"], excerpt=other, user=curator)
    evidence_attach(record=records["both"], excerpt=first, user=curator)
    evidence_attach(record=records["both"], excerpt=second, user=curator)
    evidence_attach(record=records["both"], excerpt=other, user=curator)
    for record in records.values():
        record_set_visibility(record=record, visibility=Visibility.PUBLISHED, user=curator)
    ChallengeFactory(title="A challenge no brief attests")
    return india_japan, japan_ph, records


def _titles_api(user, **params):
    response = client_for(user).get("/api/v1/agreements/", params)
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_the_api_list_narrows_to_a_source_and_to_several(corpus, analyst):
    india_japan, japan_ph, _ = corpus
    assert _titles_api(analyst, source=india_japan.pk) == ["A: India–Japan only", "C: both briefs"]
    assert _titles_api(analyst, source=japan_ph.pk) == ["B: Philippines only", "C: both briefs"]
    assert _titles_api(analyst, source=[india_japan.pk, japan_ph.pk]) == [
        "A: India–Japan only",
        "B: Philippines only",
        "C: both briefs",
    ]


def test_a_partner_cannot_name_an_unpublished_source(corpus):
    india_japan, japan_ph, _ = corpus
    partner = PartnerFactory()
    assert _titles_api(partner, source=india_japan.pk) == ["A: India–Japan only", "C: both briefs"]
    refused = client_for(partner).get("/api/v1/agreements/", {"source": japan_ph.pk})
    assert refused.status_code == 400
    assert "source" in refused.json()["errors"]


@pytest.mark.parametrize("bad", ["abc", "0", "99999999", "-1"])
def test_a_bad_source_is_a_400_everywhere(corpus, analyst, client, bad):
    assert client_for(analyst).get("/api/v1/agreements/", {"source": bad}).status_code == 400
    client.force_login(analyst)
    assert client.get(reverse("home"), {"source": bad}).status_code == 400
    # The web list shows its filter form's error beside the field, as for every filter.
    page = client.get(reverse("cooperation:agreement_list"), {"source": bad})
    assert page.status_code == 200
    assert "source" in page.context["filterset"].form.errors


def test_the_web_list_and_its_csv_narrow_to_a_source(corpus, analyst, client):
    india_japan, _, _ = corpus
    client.force_login(analyst)
    page = client.get(reverse("cooperation:agreement_list"), {"source": india_japan.pk})
    assert [row.title for row in page.context["rows"]] == ["A: India–Japan only", "C: both briefs"]
    export = client.get(reverse("cooperation:agreement_export"), {"source": india_japan.pk})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [row["title"] for row in rows] == ["A: India–Japan only", "C: both briefs"]


def test_a_record_shows_each_source_that_attests_it(corpus, analyst, client):
    _, _, records = corpus
    client.force_login(analyst)
    html = client.get(records["both"].get_absolute_url()).content.decode()
    assert "Attested by 2 sources" in html
    assert "India–Japan brief</cite></a> (2 excerpts)" in html
    assert "Japan–Philippines brief</cite></a> (1 excerpt)" in html
    single = client.get(records["ij"].get_absolute_url()).content.decode()
    assert "Attested by one source" in single


def test_a_source_page_shows_what_the_brief_contributes(corpus, analyst, client):
    india_japan, _, _ = corpus
    client.force_login(analyst)
    response = client.get(india_japan.get_absolute_url())
    rows = {row["label"]: row for row in response.context["contributions"]}
    assert rows["Agreements"]["count"] == 2
    assert rows["Challenges"]["count"] == 0
    assert rows["Agreements"]["url"].endswith(f"?source={india_japan.pk}")


def test_the_dashboard_narrows_to_a_source(corpus, analyst, client):
    india_japan, japan_ph, _ = corpus
    client.force_login(analyst)

    def agreements(**params):
        response = client.get(reverse("home"), params)
        assert response.status_code == 200
        [kind] = [k for k in response.context["kinds"] if k["key"] == "agreement"]
        return kind["total"], response

    assert agreements()[0] == 4
    total, response = agreements(source=japan_ph.pk)
    assert total == 2
    assert "Showing the records attested by" in response.content.decode()
    assert f"?visibility=published&amp;source={japan_ph.pk}" in response.content.decode()
    unaddressed = client.get(reverse("home"), {"source": india_japan.pk}).context["unaddressed"]
    assert [c.title for c in unaddressed] == []


def test_the_dashboards_brief_filter_reads_titles_not_texts(corpus, analyst, client):
    """Every brief the reader may see is an option of the dashboard's filter: each shows its
    title and names its id, the chosen ones marked; no brief's text is read for it (at
    100,000 records, ~1,000 briefs of ~15 kB each were read on every dashboard view)."""
    india_japan, japan_ph, _ = corpus
    client.force_login(analyst)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"), {"source": japan_ph.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<option value="{india_japan.pk}">India–Japan brief</option>' in page
    assert f'<option value="{japan_ph.pk}" selected>Japan–Philippines brief</option>' in page
    text = connection.ops.quote_name(Source._meta.get_field("text").column)
    reading_texts = [
        q["sql"] for q in queries if "cooperation_source" in q["sql"] and text in q["sql"]
    ]
    assert reading_texts == []


def _options(page: str) -> list[str]:
    return re.findall(r"<option value=\"\d+\"(?: selected)?>([^<]*)</option>", page)


def test_past_so_many_briefs_the_filter_offers_the_newest_and_finds_the_rest(
    corpus, analyst, client, monkeypatch
):
    """The dashboard draws at most OPTIONS_SHOWN briefs besides the chosen ones (at 5,500
    briefs every one as an option was 600 kB of the page); words of a title find the others,
    and any brief the reader may see still narrows the counts, drawn or not."""
    india_japan, japan_ph, _ = corpus
    monkeypatch.setattr(dashboard_forms, "OPTIONS_SHOWN", 1)
    newest = SourceFactory(title="Quad maritime brief")
    client.force_login(analyst)

    page = client.get(reverse("home")).content.decode()
    assert _options(page) == ["Quad maritime brief"]
    assert "Offering the 1 newest briefs: words of a title find the others." in page
    # A brief not drawn is as good a choice as any.
    response = client.get(reverse("home"), {"source": japan_ph.pk})
    [kind] = [k for k in response.context["kinds"] if k["key"] == "agreement"]
    assert kind["total"] == 2

    found = client.get(reverse("home"), {"brief": "  philippines  JAPAN "})
    page = found.content.decode()
    assert _options(page) == ["Japan–Philippines brief"]
    assert 'value="philippines JAPAN"' in page and "Offering" not in page
    many = client.get(reverse("home"), {"brief": "brief"}).content.decode()
    assert "Offering the first 1 briefs whose titles hold “brief”: more words" in many

    # A chosen brief stays drawn, and chosen, beside what the words find.
    chosen = client.get(reverse("home"), {"source": india_japan.pk, "brief": "quad"})
    page = chosen.content.decode()
    assert f'<option value="{india_japan.pk}" selected>India–Japan brief</option>' in page
    assert _options(page) == ["India–Japan brief", "Quad maritime brief"]
    assert "Showing the records attested by <cite>India–Japan brief</cite>" in page

    none = client.get(reverse("home"), {"brief": "<b>nothing</b>"}).content.decode()
    assert _options(none) == []
    assert "No brief’s title holds “&lt;b&gt;nothing&lt;/b&gt;”." in none.replace("'", "’")
    assert newest.pk  # drawn first above: the newest


def test_the_briefs_looked_for_are_checked_like_any_input(corpus, analyst, client, monkeypatch):
    """A refused search keeps the briefs chosen: drawn and chosen again, though not among
    those the picker would offer."""
    _, japan_ph, _ = corpus
    monkeypatch.setattr(dashboard_forms, "OPTIONS_SHOWN", 1)
    SourceFactory(title="Quad maritime brief")  # the newest, the one offered
    client.force_login(analyst)
    response = client.get(reverse("home"), {"brief": "x" * 201, "source": [japan_ph.pk, "x"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 200 characters" in page
    assert f'<option value="{japan_ph.pk}" selected>Japan–Philippines brief</option>' in page
    assert "India–Japan brief" not in page
