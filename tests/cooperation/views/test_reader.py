"""The source reader, selections, evidence and notes from a passage, and import
(cooperation/views/reader.py, cooperation/views/reader_markup.py, cooperation/forms/reader.py).
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from cooperation.models import Annotation, Excerpt, RecordEvidence, Source
from cooperation.services import annotation_create, evidence_attach, excerpt_create, tracked_delete
from cooperation.text import build_selectors
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
)
from tests.utils import make_pdf, model_counts, normalise_space

pytestmark = pytest.mark.django_db

SEED_HEADER_START = "INDIA-JAPAN STRATEGIC COOPERATION: FUTURE CONTOURS\nBY DR ULUPI BORAH"
HIGH_COST_FROM = "Some of the challenges include high"


def reader_url(source) -> str:
    return reverse("cooperation:source_detail", kwargs={"pk": source.pk})


def url(name: str, source) -> str:
    return reverse(f"cooperation:{name}", kwargs={"pk": source.pk})


def post_json(client, address: str, data) -> object:
    return client.post(address, data=json.dumps(data), content_type="application/json")


def selectors(text: str, start: int, end: int) -> dict:
    s = build_selectors(text, start, end)
    return {
        "start": s.start,
        "end": s.end,
        "exact": s.exact,
        "prefix": s.prefix,
        "suffix": s.suffix,
    }


def high_cost_span(text: str) -> tuple[int, int]:
    """The seed's passage that a running header interrupts ("… include high | cost, …")."""
    start = text.index(HIGH_COST_FROM)
    return start, text.index("cost, Japan", start) + len("cost")


class ReadingParts(HTMLParser):
    """The reading view's runs: (kind, data-start or None, text, excerpt pks around it)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []  # open elements inside #reading-text
        self.parts: list[tuple[str, int | None, str, tuple[int, ...]]] = []
        self.in_text = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "reading-text":
            self.in_text = True
        elif self.in_text:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        if not self.in_text:
            return
        if not self.stack:
            self.in_text = False  # the end of #reading-text
            return
        opened, _ = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"

    def handle_data(self, data):
        if not self.in_text or not self.stack:
            return
        attrs = self.stack[-1][1]
        classes = (attrs.get("class") or "").split()
        kind = next(
            (c for c in ("furniture", "gap", "joiner", "excerpt-ref") if c in classes), "text"
        )
        marks = tuple(int(a["data-excerpt"]) for t, a in self.stack if t == "mark")
        start = int(attrs["data-start"]) if "data-start" in attrs else None
        self.parts.append((kind, start, data, marks))


def reading_parts(response) -> list[tuple[str, int | None, str, tuple[int, ...]]]:
    parser = ReadingParts()
    parser.feed(response.content.decode())
    return parser.parts


def read_aloud(parts) -> str:
    """What the flow of text says: runs and joiners, without furniture or footnote numbers."""
    return normalise_space(
        "".join(text for kind, _, text, _ in parts if kind in {"text", "joiner"})
    )


# -- who may open the pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["source_detail", "source_selection", "source_make_evidence", "source_annotate"]
)
def test_reader_pages_send_an_anonymous_visitor_to_log_in(client, name):
    source = SourceFactory()

    response = client.get(url(name, source))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["source_detail", "source_selection", "source_make_evidence", "source_annotate"]
)
def test_reader_pages_refuse_a_partner(client, partner, name):
    source = SourceFactory()
    client.force_login(partner)

    response = (
        client.post(url(name, source)) if name != "source_detail" else client.get(url(name, source))
    )

    assert response.status_code == 403


def test_reader_answers_404_for_a_source_in_the_trash(client, analyst):
    source = SourceFactory()
    tracked_delete(instance=source, user=None)  # only the system trashes sources
    client.force_login(analyst)

    assert client.get(reader_url(source)).status_code == 404


# -- the reading view ---------------------------------------------------------------------------


def test_reader_shows_the_source_metadata(client, analyst, seed_source):
    client.force_login(analyst)

    response = client.get(reader_url(seed_source))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{html.escape(seed_source.title)}</h1>" in page
    assert seed_source.reference_code in page
    assert seed_source.sha256[:16] in page


def test_reader_renders_every_character_of_the_stored_text_once_in_order(
    client, analyst, seed_source
):
    client.force_login(analyst)

    parts = reading_parts(client.get(reader_url(seed_source)))

    stored = [(start, text) for kind, start, text, _ in parts if start is not None]
    assert "".join(text for _, text in stored) == seed_source.text
    offsets = [start for start, _ in stored]
    assert offsets == [sum(len(t) for _, t in stored[:i]) for i in range(len(stored))]


def test_reader_shows_running_headers_as_furniture_outside_the_flow(client, analyst, seed_source):
    client.force_login(analyst)

    response = client.get(reader_url(seed_source))

    parts = reading_parts(response)
    furniture = [text for kind, _, text, _ in parts if kind == "furniture"]
    assert len(furniture) == 2
    assert all(SEED_HEADER_START in text for text in furniture)
    flow = read_aloud(parts)
    assert "SR FELLOW" not in flow
    # The sentence the second header interrupts reads straight through.
    assert "Some of the challenges include high cost, Japan's export regulations" in flow
    page = response.content.decode()
    assert page.count('class="furniture" aria-hidden="true"') == 2
    assert 'role="separator" aria-label="Page break"' in page


def test_reader_keeps_paragraphs(client, analyst):
    source = SourceFactory(text="First paragraph,\nstill the first.\n\nSecond paragraph.\n")
    client.force_login(analyst)

    page = client.get(reader_url(source)).content.decode()

    reading = page.split('id="reading-text"', 1)[1]
    assert reading.count("<p>") == 2
    assert '<span data-start="0">First paragraph,\nstill the first.</span></p>' in reading


def test_reader_escapes_the_text_of_the_source(client, analyst):
    text = 'Intro <script>alert("x")</script> & <b onmouseover="y">bold</b>\n\nEnd.'
    source = SourceFactory(text=text, title="<i>Title</i>")
    excerpt_create(source=source, start=6, end=15, user=analyst)
    client.force_login(analyst)

    response = client.get(reader_url(source))

    page = response.content.decode()
    assert "<script>alert" not in page
    assert "<b onmouseover" not in page
    assert "<i>Title</i>" not in page
    assert '<span data-start="6">&lt;script&gt;a</span></mark>' in page
    assert "lert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b onmouseover=&quot;y&quot;&gt;" in page
    assert "&lt;i&gt;Title&lt;/i&gt;" in page
    assert "".join(t for _, s, t, _ in reading_parts(response) if s is not None) == text


def test_reader_highlights_each_excerpt_where_its_url_lands(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    excerpt = excerpt_create(
        source=seed_source, start=start, end=start + len("Tokyo Declaration"), user=analyst
    )
    client.force_login(analyst)

    response = client.get(reader_url(seed_source))

    page = response.content.decode()
    fragment = excerpt.get_absolute_url().split("#")[1]
    assert page.count(f'id="{fragment}"') == 1
    assert re.search(rf'<mark class="excerpt" data-excerpt="{excerpt.pk}" id="{fragment}">', page)
    marked = [t for kind, _, t, marks in reading_parts(response) if excerpt.pk in marks]
    assert "".join(marked) == "Tokyo Declaration"
    assert f'href="#card-excerpt-{excerpt.pk}"' in page
    assert f'id="card-excerpt-{excerpt.pk}"' in page


def test_reader_highlights_overlapping_excerpts_by_nesting_marks(client, analyst):
    source = SourceFactory(text="Alpha beta gamma delta epsilon.")
    first = excerpt_create(source=source, start=0, end=16, user=analyst)  # Alpha beta gamma
    second = excerpt_create(source=source, start=6, end=22, user=analyst)  # beta gamma delta
    client.force_login(analyst)

    response = client.get(reader_url(source))

    parts = reading_parts(response)
    covered = {(t, marks) for kind, _, t, marks in parts if kind == "text"}
    assert ("Alpha ", (first.pk,)) in covered
    assert ("beta gamma", (first.pk, second.pk)) in covered
    assert (" delta", (second.pk,)) in covered
    assert (" epsilon.", ()) in covered
    page = response.content.decode()
    assert page.count(f'id="excerpt-{first.pk}"') == 1
    assert page.count(f'id="excerpt-{second.pk}"') == 1


def test_reader_highlights_an_excerpt_that_crosses_a_running_header(client, analyst, seed_source):
    start, end = high_cost_span(seed_source.text)
    excerpt = excerpt_create(source=seed_source, start=start, end=end, user=analyst)
    client.force_login(analyst)

    response = client.get(reader_url(seed_source))

    parts = reading_parts(response)
    marked = [(kind, t) for kind, _, t, marks in parts if excerpt.pk in marks]
    assert [t for _, t in marked] == [HIGH_COST_FROM, "cost"]
    assert all(kind == "text" for kind, _ in marked)  # the header between is not highlighted
    assert "include high cost" in response.content.decode().split("excerpt-list", 1)[1]


def test_reader_lists_each_excerpt_with_its_records_and_note_count(
    client, analyst, other_analyst, seed_source
):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    excerpt = excerpt_create(source=seed_source, start=start, end=start + 17, user=analyst)
    agreement = AgreementFactory(title="Tokyo Declaration of 2014")
    challenge = ChallengeFactory(title="Trust & timing")
    gone = DealFactory(title="Deal in the trash")
    for record in (agreement, challenge, gone):
        evidence_attach(record=record, excerpt=excerpt, user=analyst)
    tracked_delete(instance=gone, user=None)
    annotation_create(author=analyst, excerpt=excerpt, body="Team note")
    annotation_create(author=other_analyst, excerpt=excerpt, body="Secret", visibility="private")
    client.force_login(analyst)

    page = client.get(reader_url(seed_source)).content.decode()

    card = page.split(f'id="card-excerpt-{excerpt.pk}"', 1)[1].split("</ol>", 1)[0]
    assert "Tokyo Declaration of 2014" in card
    assert "Trust &amp; timing" in card
    assert "Deal in the trash" not in card
    assert "1 note:" in card  # the other analyst's private note is not counted


def _reader_queries(client, source, query: str = "") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reader_url(source) + query)
    assert response.status_code == 200
    return len(queries)


def test_reader_runs_the_same_number_of_queries_for_one_excerpt_or_many(client, analyst):
    words = " ".join(f"word{i}" for i in range(60))
    one, many = SourceFactory(text=words), SourceFactory(text=words + " again")
    records = [AgreementFactory(), DealFactory(), ChallengeFactory(), RecommendationFactory()]
    first_excerpt = {}
    for source, count in ((one, 1), (many, 12)):
        for i in range(count):
            excerpt = excerpt_create(source=source, start=i * 7, end=i * 7 + 5, user=analyst)
            first_excerpt.setdefault(source.pk, excerpt)
            for record in records:
                evidence_attach(record=record, excerpt=excerpt, user=analyst)
            annotation_create(author=analyst, excerpt=excerpt, body=f"Note {i}")
    client.force_login(analyst)
    _reader_queries(client, one)  # warm caches (content types, session)

    assert _reader_queries(client, one) == _reader_queries(client, many)
    # With one excerpt's notes open as well.
    assert _reader_queries(client, one, f"?notes={first_excerpt[one.pk].pk}") == _reader_queries(
        client, many, f"?notes={first_excerpt[many.pk].pk}"
    )


def test_reader_opens_the_notes_of_the_excerpt_it_is_asked_for(client, analyst):
    source = SourceFactory(text="Alpha beta gamma delta.")
    first = excerpt_create(source=source, start=0, end=5, user=analyst)
    second = excerpt_create(source=source, start=6, end=10, user=analyst)
    annotation_create(author=analyst, excerpt=first, body="On *alpha*")
    annotation_create(author=analyst, excerpt=second, body="On beta")
    client.force_login(analyst)

    closed = client.get(reader_url(source)).content.decode()
    opened = client.get(f"{reader_url(source)}?notes={first.pk}").content.decode()
    ignored = client.get(f"{reader_url(source)}?notes=nonsense").content.decode()

    assert "On <em>alpha</em>" not in closed
    assert f'href="?notes={first.pk}#card-excerpt-{first.pk}">1 note: read or reply' in closed
    assert "On <em>alpha</em>" in opened
    assert f'href="{reader_url(source)}#card-excerpt-{first.pk}">Close the notes' in opened
    assert "On beta" not in opened
    assert "On beta" not in ignored


def test_reader_ignores_a_notes_value_with_a_non_ascii_digit(client, analyst):
    # "²".isdigit() is true but int("²") fails: such input opens no thread, never a 500.
    source = SourceFactory(text="Alpha beta gamma delta.")
    excerpt = excerpt_create(source=source, start=0, end=5, user=analyst)
    annotation_create(author=analyst, excerpt=excerpt, body="On alpha")
    client.force_login(analyst)

    response = client.get(f"{reader_url(source)}?notes=²")

    assert response.status_code == 200
    assert "On alpha" not in response.content.decode()


# -- verifying a selection (JSON) ---------------------------------------------------------------


def test_selection_accepts_selectors_that_agree_with_the_stored_text(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    sent = selectors(text, start, start + len("Tokyo Declaration"))
    client.force_login(analyst)

    response = post_json(client, url("source_selection", seed_source), sent)

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in sent} == sent
    assert body["display_quote"] == "Tokyo Declaration"
    assert body["reanchored"] is False
    assert body["excerpt"] is None


def test_selection_accepts_a_span_that_crosses_a_running_header(client, analyst, seed_source):
    text = seed_source.text
    start, end = high_cost_span(text)
    client.force_login(analyst)

    response = post_json(client, url("source_selection", seed_source), selectors(text, start, end))

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"]) == (start, end)
    assert SEED_HEADER_START in body["exact"]  # the stored text, header and all
    assert body["display_quote"] == "Some of the challenges include high cost"


def test_selection_accepts_the_quote_as_it_reads_without_the_header(client, analyst, seed_source):
    text = seed_source.text
    start, end = high_cost_span(text)
    sent = {**selectors(text, start, end), "exact": "Some of the challenges include high cost"}
    client.force_login(analyst)

    body = post_json(client, url("source_selection", seed_source), sent).json()

    assert (body["start"], body["end"], body["reanchored"]) == (start, end, False)


def test_make_evidence_accepts_a_quote_whose_line_breaks_the_browser_sent_as_crlf(
    client, analyst, seed_source
):
    # Browsers send line breaks in form fields as CRLF; the stored text has LF.
    text = seed_source.text
    start, end = high_cost_span(text)
    sent = selectors(text, start, end)
    sent = {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in sent.items()
    }
    challenge = ChallengeFactory()
    client.force_login(analyst)

    response = client.post(
        url("source_make_evidence", seed_source),
        {**sent, "target": "existing", "kind": "challenge", "record": f"challenge:{challenge.pk}"},
    )

    assert response.status_code == 302
    excerpt = Excerpt.objects.get()
    assert (excerpt.start, excerpt.end) == (start, end)


def test_selection_moves_ends_out_of_a_running_header_and_blank_space(client, analyst, seed_source):
    text = seed_source.text
    start, end = high_cost_span(text)
    header_at = text.index(SEED_HEADER_START, start)
    # From inside the header to the blank line after "documentation."
    sent_end = text.index("documentation.", end) + len("documentation.") + 2
    client.force_login(analyst)

    body = post_json(
        client, url("source_selection", seed_source), selectors(text, header_at + 5, sent_end)
    ).json()

    assert body["exact"].startswith("cost, Japan's export")
    assert body["exact"].endswith("documentation.")


def test_selection_reanchors_a_quote_whose_positions_disagree(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    sent = {**selectors(text, start, start + 17), "start": start + 3, "end": start + 20}
    client.force_login(analyst)

    body = post_json(client, url("source_selection", seed_source), sent).json()

    assert (body["start"], body["end"], body["reanchored"]) == (start, start + 17, True)


def test_selection_reanchors_positions_outside_the_text_by_the_quote(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    sent = {**selectors(text, start, start + 17), "start": len(text) + 5, "end": len(text) + 22}
    client.force_login(analyst)

    body = post_json(client, url("source_selection", seed_source), sent).json()

    assert (body["start"], body["end"], body["reanchored"]) == (start, start + 17, True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exact": "words that are nowhere in the brief"}, "not in the text of this source"),
        ({"start": 10**6, "end": 10**6 + 5, "exact": "zzz not here"}, "not in the text"),
        ({"exact": ""}, "Select or paste a passage"),
        ({"exact": "   "}, "Select or paste a passage"),
        ({"start": -4}, "greater than or equal to 0"),
        ({"start": "x"}, "whole number"),
    ],
)
def test_selection_refuses_selectors_it_cannot_verify(
    client, analyst, seed_source, change, message
):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    client.force_login(analyst)

    response = post_json(
        client,
        url("source_selection", seed_source),
        {**selectors(text, start, start + 17), **change},
    )

    assert response.status_code == 400
    assert message in json.dumps(response.json())


def test_selection_refuses_a_span_of_nothing_but_a_running_header(client, analyst, seed_source):
    text = seed_source.text
    at = text.index(SEED_HEADER_START, text.index(HIGH_COST_FROM))
    client.force_login(analyst)

    response = post_json(client, url("source_selection", seed_source), selectors(text, at, at + 40))

    assert response.status_code == 400
    assert "only a page header" in response.json()["detail"]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
def test_selection_refuses_a_body_that_is_not_a_json_object(client, analyst, seed_source, body):
    client.force_login(analyst)

    response = client.post(
        url("source_selection", seed_source), data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"]


def test_selection_names_the_excerpt_and_records_a_span_already_has(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    excerpt = excerpt_create(source=seed_source, start=start, end=start + 17, user=analyst)
    evidence_attach(record=AgreementFactory(title="Tokyo 2014"), excerpt=excerpt, user=analyst)
    client.force_login(analyst)

    body = post_json(
        client, url("source_selection", seed_source), selectors(text, start, start + 17)
    ).json()

    assert body["excerpt"]["id"] == excerpt.pk
    assert body["excerpt"]["url"] == excerpt.get_absolute_url()
    assert [r["title"] for r in body["excerpt"]["records"]] == ["Tokyo 2014"]


def test_selection_takes_the_csrf_token_the_reader_page_carries(analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    page = client.get(reader_url(seed_source)).content.decode()
    token = re.search(r'data-csrf-token="([^"]+)"', page).group(1)
    address, sent = url("source_selection", seed_source), selectors(text, start, start + 17)

    refused = client.post(address, json.dumps(sent), content_type="application/json")
    accepted = client.post(
        address, json.dumps(sent), content_type="application/json", headers={"X-CSRFToken": token}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200


def test_selection_refuses_get(client, analyst, seed_source):
    client.force_login(analyst)

    assert client.get(url("source_selection", seed_source)).status_code == 405


def test_selection_writes_nothing(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    client.force_login(analyst)
    before = model_counts()

    post_json(client, url("source_selection", seed_source), selectors(text, start, start + 17))

    assert model_counts() == before


# -- a pasted quote (the path without a mouse) --------------------------------------------------


def test_quote_form_finds_a_passage_as_it_reads_and_offers_both_forms(client, analyst, seed_source):
    text = seed_source.text
    start, end = high_cost_span(text)
    client.force_login(analyst)

    response = client.post(
        url("source_selection", seed_source),
        {"quote-exact": "Some of the challenges\ninclude high cost"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>Some of the challenges include high cost</mark>" in page
    for form_id in ("evidence", "note"):
        assert f'name="start" value="{start}" id="{form_id}_start"' in page
        assert f'name="end" value="{end}" id="{form_id}_end"' in page
    assert 'action="/sources/' in page and "/evidence/" in page and "/annotate/" in page


def test_quote_form_keeps_a_quote_it_cannot_find_and_says_why(client, analyst, seed_source):
    client.force_login(analyst)

    response = client.post(
        url("source_selection", seed_source), {"quote-exact": "Not <b>in</b> the brief"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "not in the text of this source" in page
    assert "Not &lt;b&gt;in&lt;/b&gt; the brief</textarea>" in page


# -- evidence from a selection ------------------------------------------------------------------


def _evidence_post(text, start, end, **extra):
    return {**selectors(text, start, end), "target": "existing", "kind": "agreement", **extra}


def test_make_evidence_attaches_the_passage_to_an_existing_record(client, analyst, seed_source):
    text = seed_source.text
    start, end = high_cost_span(text)
    challenge = ChallengeFactory(title="High cost")
    client.force_login(analyst)

    response = client.post(
        url("source_make_evidence", seed_source),
        _evidence_post(text, start, end, record=f"challenge:{challenge.pk}", note="Cost first"),
    )

    excerpt = Excerpt.objects.get(source=seed_source, start=start, end=end)
    assert response.status_code == 302
    assert response["Location"] == excerpt.get_absolute_url()
    link = RecordEvidence.objects.get(excerpt=excerpt)
    assert (link.record, link.note) == (challenge, "Cost first")
    page = client.get(response["Location"]).content.decode()
    assert "now evidence for challenge “High cost”" in page


def test_make_evidence_reuses_the_live_excerpt_of_the_same_span(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    excerpt = excerpt_create(source=seed_source, start=start, end=start + 17, user=analyst)
    agreement = AgreementFactory()
    client.force_login(analyst)

    client.post(
        url("source_make_evidence", seed_source),
        _evidence_post(text, start, start + 17, record=f"agreement:{agreement.pk}"),
    )

    assert Excerpt.objects.filter(source=seed_source).count() == 1
    assert RecordEvidence.objects.get().excerpt == excerpt


def test_make_evidence_for_a_new_record_creates_the_excerpt_and_goes_to_its_form(
    client, analyst, seed_source
):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    client.force_login(analyst)

    response = client.post(
        url("source_make_evidence", seed_source),
        _evidence_post(text, start, start + 17, target="new", kind="recommendation"),
    )

    excerpt = Excerpt.objects.get(source=seed_source)
    assert response.status_code == 302
    # The record's form, which comes back to this passage in the reader once saved.
    back = urlencode({"next": excerpt.get_absolute_url()})
    assert response["Location"] == f"/recommendations/new/?excerpt={excerpt.pk}&{back}"
    assert not RecordEvidence.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exact": "Not in the brief at all"}, "not in the text of this source"),
        ({"record": ""}, "Choose the record this passage is evidence for."),
        ({"record": "planet:1"}, "Choose a record from the list."),
        ({"record": "agreement:999999"}, "no longer exists"),
        ({"target": "somewhere"}, "Select a valid choice"),
    ],
)
def test_make_evidence_refuses_bad_input_and_keeps_data_unchanged(
    client, analyst, seed_source, change, message
):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    agreement = AgreementFactory()
    client.force_login(analyst)
    before = model_counts()

    response = client.post(
        url("source_make_evidence", seed_source),
        _evidence_post(text, start, start + 17, record=f"agreement:{agreement.pk}", note="kept")
        | change,
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(message) in page
    assert model_counts() == before
    if "exact" not in change:
        assert 'value="kept"' in page  # what the person typed comes back


def test_make_evidence_refuses_a_record_in_the_trash(client, analyst, curator, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    agreement = AgreementFactory()
    tracked_delete(instance=agreement, user=curator)
    client.force_login(analyst)
    before = model_counts()

    response = client.post(
        url("source_make_evidence", seed_source),
        _evidence_post(text, start, start + 17, record=f"agreement:{agreement.pk}"),
    )

    assert response.status_code == 400
    assert model_counts() == before


def test_make_evidence_refuses_a_partner_and_writes_nothing(client, partner, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    agreement = AgreementFactory()
    client.force_login(partner)
    before = model_counts()

    response = client.post(
        url("source_make_evidence", seed_source),
        _evidence_post(text, start, start + 17, record=f"agreement:{agreement.pk}"),
    )

    assert response.status_code == 403
    assert model_counts() == before


# -- a note on a passage ------------------------------------------------------------------------


def test_annotate_makes_the_excerpt_and_a_note_on_it(client, analyst, seed_source):
    text = seed_source.text
    start, end = high_cost_span(text)
    client.force_login(analyst)

    response = client.post(
        url("source_annotate", seed_source),
        {
            **selectors(text, start, end),
            "body": "Which costs?",
            "motivation": "question",
            "visibility": "private",
        },
    )

    excerpt = Excerpt.objects.get(source=seed_source)
    note = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reader_url(seed_source)}?notes={excerpt.pk}#excerpt-{excerpt.pk}"
    )
    assert (note.excerpt, note.author, note.body) == (excerpt, analyst, "Which costs?")
    page = client.get(response["Location"]).content.decode()
    assert "Your note on the passage is saved." in page
    assert "Which costs?" in page.split(f'id="card-excerpt-{excerpt.pk}"', 1)[1]
    assert (note.motivation, note.visibility) == ("question", "private")
    assert note.spine is None


def test_annotate_reuses_the_live_excerpt_of_the_same_span(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    excerpt = excerpt_create(source=seed_source, start=start, end=start + 17, user=analyst)
    client.force_login(analyst)

    client.post(
        url("source_annotate", seed_source),
        {
            **selectors(text, start, start + 17),
            "body": "x",
            "motivation": "comment",
            "visibility": "team",
        },
    )

    assert Annotation.objects.get().excerpt == excerpt
    assert Excerpt.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": "   "}, "This field is required."),
        ({"visibility": "everyone"}, "Select a valid choice"),
        ({"exact": "nowhere to be found"}, "not in the text of this source"),
        ({"start": "12", "end": "3", "exact": "?"}, "not in the text of this source"),
    ],
)
def test_annotate_refuses_bad_input_and_leaves_no_excerpt_behind(
    client, analyst, seed_source, change, message
):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    client.force_login(analyst)
    before = model_counts()

    response = client.post(
        url("source_annotate", seed_source),
        {
            **selectors(text, start, start + 17),
            "body": "My careful note",
            "motivation": "comment",
            "visibility": "team",
            **change,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(message) in page
    assert model_counts() == before
    if "body" not in change:
        assert "My careful note</textarea>" in page


def test_annotate_rolls_back_the_excerpt_when_the_service_refuses_the_note(
    client, analyst, seed_source
):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    client.force_login(analyst)
    before = model_counts()

    response = client.post(
        url("source_annotate", seed_source),
        {
            **selectors(text, start, start + 17),
            "body": "x" * 20_001,  # over the service's limit; the form has none
            "motivation": "comment",
            "visibility": "team",
        },
    )

    assert response.status_code == 400
    assert "Keep it under 20,000 characters." in response.content.decode()
    assert model_counts() == before


def test_annotate_refuses_a_partner(client, partner, seed_source):
    text = seed_source.text
    client.force_login(partner)

    response = client.post(
        url("source_annotate", seed_source),
        {**selectors(text, 10, 20), "body": "x", "motivation": "comment", "visibility": "team"},
    )

    assert response.status_code == 403
    assert not Annotation.objects.exists()


# -- import -------------------------------------------------------------------------------------


IMPORT_URL = "/sources/import/"


def test_import_form_is_offered_to_an_analyst(client, analyst):
    client.force_login(analyst)

    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page


def test_import_refuses_a_partner(client, partner):
    client.force_login(partner)

    assert client.get(IMPORT_URL).status_code == 403


def test_import_stores_the_file_and_opens_the_reader(client, analyst):
    client.force_login(analyst)
    upload = SimpleUploadedFile("brief.txt", b"A brief.\n\nIndia and Japan agree.\n")

    response = client.post(
        IMPORT_URL,
        {
            "file": upload,
            "title": "A brief",
            "publisher": "CENJOWS",
            "published_on": "2024-11-21",
        },
    )

    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reader_url(source)
    assert (source.title, source.publisher, str(source.published_on)) == (
        "A brief",
        "CENJOWS",
        "2024-11-21",
    )
    assert source.text == "A brief.\n\nIndia and Japan agree.\n"
    assert source.created_by == analyst


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.docx", b"PK\x03\x04", "cannot import .docx: use .txt, .md or .pdf."),
        ("empty.txt", b"  \n", "The file is empty."),
        ("binary.txt", b"abc\x00def", "The file is binary"),
        ("fake.pdf", b"not a pdf", "The file is named .pdf but is not a PDF."),
        ("latin.txt", "café".encode("latin-1"), "the file is not valid UTF-8"),
    ],
)
def test_import_shows_a_refused_file_as_a_form_error(client, analyst, name, data, message):
    client.force_login(analyst)

    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile(name, data), "title": "Kept title"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(message[0].upper() + message[1:]) in page
    assert 'value="Kept title"' in page
    assert not Source.objects.exists()


def test_import_takes_a_pdf_and_its_title(client, analyst):
    client.force_login(analyst)
    pdf = make_pdf([["India and Japan", "agree on space."]], title="A PDF brief")

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("brief.pdf", pdf)})

    source = Source.objects.get()
    assert response.status_code == 302
    assert (source.title, source.format) == ("A PDF brief", "pdf")
    assert "agree on space." in source.text


def test_import_refuses_a_text_already_imported(client, analyst, seed_source, seed_bytes):
    client.force_login(analyst)

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("again.txt", seed_bytes)})

    assert response.status_code == 400
    assert f"already imported as source #{seed_source.pk}" in response.content.decode()
    assert Source.objects.count() == 1


def test_import_refuses_a_file_over_the_size_limit(client, analyst, settings):
    settings.CONTOURS_MAX_SOURCE_BYTES = 10
    client.force_login(analyst)

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("big.txt", b"x" * 11)})

    assert response.status_code == 400
    assert "over the 10-byte limit" in response.content.decode()
    assert not Source.objects.exists()
