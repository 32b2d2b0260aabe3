"""A note shown shortened is its Markdown rendered, then cut after a whole word."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cooperation.markdown import ALLOWED_TAGS, markdown_plain_text, render_markdown_excerpt
from cooperation.services import annotation_create
from tests.cooperation.test_markdown import XSS_CORPUS, elements
from tests.factories import AgreementFactory

LONG_NOTE = (
    "## Why this matters\n\n"
    "The **procurement timeline** slipped twice; see [the brief](https://example.org/brief) "
    "and `HAL-2024` before the _joint working group_ meets again in the spring to review "
    "every outstanding item on the list.\n\n- first point\n- second point"
)


def test_excerpt_renders_markdown_and_cuts_after_a_word():
    html = str(render_markdown_excerpt(LONG_NOTE, words=6))

    assert html == "Why this matters The <strong>procurement timeline</strong>…"


def test_excerpt_keeps_inline_emphasis_drops_blocks_and_links():
    html = str(render_markdown_excerpt(LONG_NOTE, words=200))

    assert "<h3>" not in html and "<ul>" not in html and "<p>" not in html
    assert "<a" not in html  # the excerpt is usually a link itself
    assert "<code>HAL-2024</code>" in html
    assert "<em>joint working group</em>" in html
    assert "the brief and" in html
    assert "**" not in html and "##" not in html


def test_excerpt_closes_the_tags_it_cuts_inside():
    html = str(render_markdown_excerpt("a **b c d e** f", words=3))

    assert html == "a <strong>b c…</strong>"


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_excerpt_makes_xss_payloads_inert(payload):
    for tag, attrs in elements(str(render_markdown_excerpt(payload, words=5))):
        assert tag in ALLOWED_TAGS and tag != "a"
        assert attrs == {}


@given(st.text(alphabet=st.sampled_from("ab *_`#[]()\n"), max_size=80))
def test_plain_text_never_cuts_a_word_or_leaves_markup(text):
    words = set(markdown_plain_text(text).split())
    short = markdown_plain_text(text, max_chars=20)

    assert len(short) <= 20
    if short.endswith("…"):
        kept = short[:-1].split()
        # Every word kept is a whole word of the text (the last one too).
        assert all(word in words for word in kept) or len(kept) == 1


def test_plain_text_cuts_at_a_word_boundary():
    text = markdown_plain_text(LONG_NOTE, max_chars=40)

    assert text == "Why this matters The procurement…"


@pytest.mark.django_db
def test_note_str_is_its_text_without_markup_cut_at_a_word(analyst):
    note = annotation_create(author=analyst, record=AgreementFactory(), body=LONG_NOTE)

    expected = "Why this matters The procurement timeline slipped twice; see the brief and…"
    assert str(note) == expected


@pytest.mark.django_db
def test_dashboard_shows_an_open_thread_rendered_and_cut_at_a_word(client, analyst):
    annotation_create(author=analyst, record=AgreementFactory(), body=LONG_NOTE)
    client.force_login(analyst)

    html = client.get(reverse("home")).content.decode()

    assert "Why this matters The <strong>procurement timeline</strong> slipped" in html
    assert "**procurement" not in html
    assert "## Why" not in html


@pytest.mark.django_db
def test_search_shows_a_notes_snippet_without_its_markup(client, analyst):
    annotation_create(author=analyst, record=AgreementFactory(), body=LONG_NOTE)
    client.force_login(analyst)

    response = client.get(reverse("cooperation:search"), {"q": "procurement"})

    hits = [hit for entry in response.context["groups"] for hit in entry["hits"]]
    (note,) = [hit for hit in hits if str(hit.title).startswith("Note by")]
    assert "<mark>procurement</mark> timeline slipped" in note.snippet
    assert "**" not in note.snippet and "##" not in note.snippet
