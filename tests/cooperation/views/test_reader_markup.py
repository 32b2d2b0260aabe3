"""The reader's HTML (cooperation/views/reader_markup.py), as a pure function of text and spans."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from cooperation.text import detect_furniture, reading_view
from cooperation.views.reader_markup import Highlight, render_reading
from tests.cooperation.strategies import paged_texts

_LEAF = re.compile(r'<(span|div) data-start="(\d+)"[^>]*>([^<]*)</\1>')


def render(text: str, spans: list[tuple[int, int]] = ()) -> str:
    highlights = [
        Highlight(
            pk=i + 1, start=a, end=b, label=str(i + 1), ref_href=f"#c{i + 1}", ref_description="d"
        )
        for i, (a, b) in enumerate(spans)
    ]
    return str(render_reading(text, reading_view(text, detect_furniture(text)), highlights))


def leaves(markup: str) -> list[tuple[int, str]]:
    return [(int(m.group(2)), html.unescape(m.group(3))) for m in _LEAF.finditer(markup)]


def test_render_reading_joins_a_word_hyphenated_across_a_page_break_without_a_space():
    text = (
        "Running head\n\nThe first page ends in tech-\n\nRunning head\n\nnology transfer.\n\nEnd."
    )

    markup = render(text)

    assert '<span class="joiner">' not in markup  # "tech-" + "nology": nothing in between
    assert 'tech-</span><span data-start="42" class="furniture" aria-hidden="true">' in markup


def test_render_reading_puts_a_page_number_at_a_paragraph_break_between_paragraphs():
    text = "First page ends here.\n\n7\n\nSecond page starts here."

    markup = render(text)

    assert markup == (
        '<p><span data-start="0">First page ends here.</span></p>'
        '<div class="page-break" role="separator" aria-label="Page break">'
        '<span data-start="21" class="furniture" aria-hidden="true">\n\n7\n\n</span></div>'
        '<p><span data-start="26">Second page starts here.</span></p>'
    )


def test_render_reading_keeps_carriage_returns_as_character_references():
    # The HTML parser would turn a literal CRLF into LF and shift every offset after it.
    text = "Line one\r\nline two.\r\n\r\nSecond paragraph."

    markup = render(text)

    assert "\r" not in markup
    assert '<span data-start="0">Line one&#13;\nline two.</span>' in markup
    assert "".join(run for _, run in leaves(markup)) == text


def test_render_reading_anchors_an_excerpt_that_lies_wholly_inside_furniture():
    text = "Intro.\n\n7\n\nBody text."

    markup = render(text, [(8, 9)])  # the page number itself

    assert markup.count('id="excerpt-1"') == 1
    assert '<mark class="excerpt excerpt-empty" data-excerpt="1" id="excerpt-1"></mark>' in markup
    assert 'href="#c1"' in markup


def test_render_reading_puts_the_footnote_after_the_last_words_of_an_excerpt():
    text = "One two three four."

    markup = render(text, [(4, 13)])

    assert markup == (
        '<p><span data-start="0">One </span>'
        '<mark class="excerpt" data-excerpt="1" id="excerpt-1">'
        '<span data-start="4">two three</span></mark>'
        '<a class="excerpt-ref" href="#c1" data-excerpt="1" aria-label="d">1</a>'
        '<span data-start="13"> four.</span></p>'
    )


@given(
    st.one_of(paged_texts(), paged_texts(mid_sentence_breaks=True)),
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=6),
)
def test_render_reading_covers_the_text_exactly_and_anchors_every_excerpt_once(paged, fractions):
    text = paged.text
    spans = []
    for a, b in fractions:
        start, end = sorted((int(a * len(text)), int(b * len(text))))
        if start < end:
            spans.append((start, end))
    spans = list(dict.fromkeys(spans))

    markup = render(text, spans)

    runs = leaves(markup)
    assert "".join(run for _, run in runs) == text
    assert [start for start, _ in runs] == [
        sum(len(r) for _, r in runs[:i]) for i in range(len(runs))
    ]
    for pk in range(1, len(spans) + 1):
        assert markup.count(f'id="excerpt-{pk}"') == 1
        assert markup.count(f'href="#c{pk}"') == 1
    # Well nested: every mark closes before its run's parent does.
    assert markup.count("<mark") == markup.count("</mark>")
    assert markup.count("<p>") == markup.count("</p>")
