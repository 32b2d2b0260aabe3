"""Page furniture, the reading view and W3C text selectors (cooperation/text.py).

The pure functions are checked on the seed brief, on small hand-written texts and, with
hypothesis, on generated texts whose pages are separated by a repeated running header.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cooperation.models import Excerpt
from cooperation.services import excerpt_create, source_import
from cooperation.text import (
    CONTEXT_CHARS,
    anchor_quote,
    build_selectors,
    detect_furniture,
    reading_view,
    text_blocks,
)
from tests.conftest import DB_EXAMPLES
from tests.cooperation.strategies import paged_texts
from tests.utils import normalise_space, rolled_back

# Generating a paged text costs more than checking it: fewer examples keep the suite fast.
PAGED_EXAMPLES = settings(max_examples=100)

SEED_HEADER = (
    "INDIA-JAPAN STRATEGIC COOPERATION: FUTURE CONTOURS\n"
    "BY DR ULUPI BORAH, SR FELLOW, CENJOWS\n"
    "ORGANISED BY CENJOWS ON 21ST NOV 2024"
)
TRANSFER_AGREEMENT = (
    "India-Japan Agreement concerning the Transfer of Defence Equipment and Technology"
)


def _occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _seed_spans(seed_text):
    """Strategy: any non-empty span (start, end) of the seed text."""
    return st.integers(0, len(seed_text) - 1).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, len(seed_text)))
    )


# -- text_blocks / detect_furniture -----------------------------------------------------------


def test_text_blocks_gives_runs_of_non_blank_lines_with_offsets():
    text = "\none\ntwo\n\n  \nthree\n"

    blocks = text_blocks(text)

    assert [(b.start, b.end, b.text) for b in blocks] == [(1, 8, "one\ntwo"), (13, 18, "three")]


def test_detect_furniture_finds_both_running_headers_of_the_seed(seed_text):
    spans = detect_furniture(seed_text)

    starts = _occurrences(seed_text, SEED_HEADER)
    assert len(starts) == 2
    assert spans == [(start, start + len(SEED_HEADER)) for start in starts]
    assert [seed_text[a:b] for a, b in spans] == [SEED_HEADER, SEED_HEADER]


@pytest.mark.parametrize("number", ["7", "Page 7", "page 12", "7 of 12", "3 / 10", "  42  "])
def test_detect_furniture_finds_bare_page_numbers(number):
    text = f"First page text.\n\n{number}\n\nSecond page text."

    spans = detect_furniture(text)

    assert spans == [(18, 18 + len(number))]


def test_detect_furniture_ignores_a_short_block_that_occurs_once():
    assert detect_furniture("Title\n\nBody of the brief.\n\nSigned\n\nThe end.") == []


def test_detect_furniture_ignores_repeated_blocks_too_long_to_be_headers():
    long_line = "word " * 30  # 150 characters: a paragraph, not a header
    five_lines = "a\nb\nc\nd\ne"
    text = f"{long_line}\n\nx\n\n{long_line}\n\ny\n\n{five_lines}\n\nz\n\n{five_lines}"

    assert detect_furniture(text) == []


def test_detect_furniture_matches_headers_ignoring_case_and_spacing():
    text = "Intro.\n\nRUNNING  Head\n\nmiddle\n\nrunning head\n\nend"

    assert detect_furniture(text) == [(8, 21), (31, 43)]


# -- reading_view ---------------------------------------------------------------------------


def test_reading_view_of_the_seed_joins_the_sentence_split_by_the_header(seed_text):
    view = reading_view(seed_text, detect_furniture(seed_text))

    assert "SR FELLOW" not in view.text
    assert "Some of the challenges include high cost, Japan's export regulations" in view.text
    # Everything that is not furniture is still there, word for word.
    assert view.text.split() == seed_text.replace(SEED_HEADER, " ").split()


def test_reading_view_without_furniture_is_the_text_itself():
    view = reading_view("Just a text.\n\nTwo paragraphs.", [])

    assert view.text == "Just a text.\n\nTwo paragraphs."
    assert view.pieces == [(0, 0, 29)]
    assert view.quote(5, 11) == "a text"


@pytest.mark.parametrize(
    ("before", "after", "reads"),
    [
        ("costs were high", "and rising", "costs were high and rising"),
        ("it ended.", "next one", "it ended.\n\nnext one"),
        ("costs were high", "Next paragraph", "costs were high\n\nNext paragraph"),
        ("the co-", "operation grew", "the co-operation grew"),
        ('he said "stop"', "and left", 'he said "stop"\n\nand left'),
    ],
)
def test_reading_view_joins_across_a_header_as_the_sentence_requires(before, after, reads):
    text = f"HEAD\n\n{before}\n\nHEAD\n\n{after}"

    view = reading_view(text, detect_furniture(text))

    assert view.text == reads


def test_reading_view_to_stored_snaps_starts_forward_and_ends_back_out_of_a_header():
    text = "costs were high\n\nHEAD\n\nand rising\n\nHEAD\n\nfast"
    view = reading_view(text, detect_furniture(text))
    joiner = view.text.index(" and")  # the space standing for the first header
    assert view.text[joiner] == " "

    assert view.to_stored(joiner) == text.index("and rising")
    assert view.to_stored(joiner, is_end=True) == text.index("\n\nHEAD")
    assert view.to_stored(0) == 0
    assert view.to_stored(len(view.text), is_end=True) == len(text)


@pytest.mark.parametrize("offset", [-1, 10_000])
def test_reading_view_to_stored_refuses_offsets_outside_the_reading_text(offset):
    view = reading_view("some text", [])

    with pytest.raises(ValueError, match="outside the reading text"):
        view.to_stored(offset)


def test_reading_view_to_reading_maps_furniture_to_its_joiner(seed_text):
    spans = detect_furniture(seed_text)
    view = reading_view(seed_text, spans)
    header_start, header_end = spans[1]
    joiner = view.text.index("high cost") + len("high")

    assert view.to_reading(header_start) == joiner
    assert view.to_reading(header_end) == joiner
    assert view.to_reading(seed_text.index("cost, Japan")) == joiner + 1


def test_reading_view_joins_a_sentence_across_a_header_followed_by_a_page_number():
    text = (
        "Intro text here.\n\nRUNNING HEAD\n\n1\n\nthe costs were high\n\n"
        "RUNNING HEAD\n\n2\n\nand rising fast.\n\nRUNNING HEAD\n\n3\n\nend of it."
    )

    view = reading_view(text, detect_furniture(text))

    assert "the costs were high and rising fast." in view.text


# -- build_selectors / anchor_quote -----------------------------------------------------------


def test_build_selectors_keeps_the_quote_and_its_context(seed_text):
    start = seed_text.index("Tokyo Declaration")
    end = start + len("Tokyo Declaration")

    selectors = build_selectors(seed_text, start, end)

    assert selectors.exact == "Tokyo Declaration"
    assert selectors.prefix == seed_text[start - CONTEXT_CHARS : start]
    assert selectors.prefix.endswith("agreement through ")
    assert selectors.suffix == seed_text[end : end + CONTEXT_CHARS]
    assert selectors.suffix.startswith(" for India-Japan Special")
    assert (selectors.start, selectors.end) == (start, end)


def test_build_selectors_context_is_shorter_at_the_ends_of_the_text():
    selectors = build_selectors("abcdef", 0, 6)

    assert (selectors.prefix, selectors.exact, selectors.suffix) == ("", "abcdef", "")


@pytest.mark.parametrize(("start", "end"), [(3, 3), (4, 3), (-1, 2), (0, 7), (7, 8)])
def test_build_selectors_refuses_empty_or_outside_spans(start, end):
    with pytest.raises(ValueError, match="not a non-empty span"):
        build_selectors("abcdef", start, end)


def test_anchor_quote_tells_the_two_mentions_of_the_transfer_agreement_apart(seed_text):
    first, second = _occurrences(seed_text, TRANSFER_AGREEMENT)
    for start in (first, second):
        selectors = build_selectors(seed_text, start, start + len(TRANSFER_AGREEMENT))

        # The context alone (no position hint) picks the right mention.
        found = anchor_quote(seed_text, selectors.exact, selectors.prefix, selectors.suffix)

        assert found == (start, start + len(TRANSFER_AGREEMENT))


def test_anchor_quote_breaks_ties_by_the_hint_then_takes_the_first():
    text = "xx abc yy abc zz abc"

    assert anchor_quote(text, "abc") == (3, 6)
    assert anchor_quote(text, "abc", hint=12) == (10, 13)
    assert anchor_quote(text, "abc", hint=100) == (17, 20)


def test_anchor_quote_prefers_context_over_the_hint():
    text = "red apple, green apple"

    assert anchor_quote(text, "apple", prefix="green ", hint=0) == (17, 22)


@pytest.mark.parametrize(("exact", "message"), [("", "empty"), ("pear", "does not occur")])
def test_anchor_quote_raises_lookup_error_for_an_unplaceable_quote(exact, message):
    with pytest.raises(LookupError, match=message):
        anchor_quote("red apple", exact)


# -- properties -----------------------------------------------------------------------------


@given(data=st.data())
def test_build_selectors_and_anchor_quote_round_trip_any_span_of_the_seed(seed_text, data):
    start, end = data.draw(_seed_spans(seed_text))

    selectors = build_selectors(seed_text, start, end)

    assert selectors.exact == seed_text[start:end]
    assert seed_text[start - len(selectors.prefix) : start] == selectors.prefix
    assert seed_text[end : end + len(selectors.suffix)] == selectors.suffix
    found = anchor_quote(seed_text, selectors.exact, selectors.prefix, selectors.suffix, start)
    assert found == (start, end)


@PAGED_EXAMPLES
@given(paged=paged_texts(), data=st.data())
def test_build_selectors_and_anchor_quote_round_trip_spans_of_paged_texts(paged, data):
    text = paged.text
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))

    selectors = build_selectors(text, start, end)

    assert selectors.exact == text[start:end]
    # The header repeats, so a quote inside it occurs several times: context and hint decide.
    assert anchor_quote(text, selectors.exact, selectors.prefix, selectors.suffix, start) == (
        start,
        end,
    )


@PAGED_EXAMPLES
@given(paged=paged_texts())
def test_detect_furniture_finds_exactly_the_headers_and_page_numbers_of_paged_texts(paged):
    assert detect_furniture(paged.text) == paged.furniture


@PAGED_EXAMPLES
@given(paged=paged_texts(mid_sentence_breaks=True))
def test_reading_view_reads_pages_as_one_flow_when_breaks_interrupt_sentences(paged):
    view = reading_view(paged.text, detect_furniture(paged.text))

    expected = " ".join(paged.text[a:b] for a, b in paged.pages)
    assert view.text == expected
    # A header and the page number after it make one zone: one page break, one joiner.
    assert [tuple(zone) for zone in view.zones][-len(paged.breaks) :] == paged.breaks


def _assert_reading_round_trip(text: str, data) -> None:
    """Map a reading-view span to the stored text and read it back.

    The comparison ignores whitespace at the two ends of the span (and the seed check
    also normalises inner whitespace) because a reading span may start or end inside a
    joiner, the space or paragraph break that stands for a header: to_stored moves such
    an end out of the furniture zone (a start forward, an end back), so the joiner's
    whitespace at the edge is dropped. No word is ever gained or lost, and no stored span
    starts or ends inside a header.
    """
    view = reading_view(text, detect_furniture(text))
    reading_start = data.draw(st.integers(0, len(view.text) - 1))
    reading_end = data.draw(st.integers(reading_start + 1, len(view.text)))

    start = view.to_stored(reading_start)
    end = view.to_stored(reading_end, is_end=True)

    wanted = view.text[reading_start:reading_end]
    assert view.quote(start, end).strip() == wanted.strip()
    assert normalise_space(view.quote(start, end)) == normalise_space(wanted)
    for zone_start, zone_end in view.zones:
        assert not zone_start < start < zone_end
        assert not zone_start < end < zone_end


@given(data=st.data())
def test_reading_view_span_maps_to_stored_and_reads_back_on_the_seed(seed_text, data):
    _assert_reading_round_trip(seed_text, data)


@PAGED_EXAMPLES
@given(paged=paged_texts(), data=st.data())
def test_reading_view_span_maps_to_stored_and_reads_back_on_paged_texts(paged, data):
    _assert_reading_round_trip(paged.text, data)


# -- properties through the database: excerpts that cross a page header ----------------------


@DB_EXAMPLES
@given(data=st.data())
def test_excerpt_create_across_the_seed_header_reads_high_cost(seed_source, analyst, data):
    text = seed_source.text
    (header_start, header_end), *_ = [span for span in seed_source.furniture if span[0] > 2000]
    high_at = text.index("include high") + len("include ")
    zone_start, zone_end = high_at + len("high"), text.index("cost, Japan's export")
    first_page_start = text.index("Japan is witnessing")
    start = data.draw(st.integers(first_page_start, high_at), label="start")
    end = data.draw(st.integers(zone_end + len("cost"), len(text)), label="end")
    assert zone_start < header_start < header_end < zone_end

    with rolled_back():
        excerpt = excerpt_create(source=seed_source, start=start, end=end, user=analyst)
        stored = Excerpt.objects.get(pk=excerpt.pk)

        assert stored.exact == text[start:end]
        assert SEED_HEADER in stored.exact
        assert SEED_HEADER.splitlines()[1] not in stored.display_quote
        assert stored.display_quote == f"{text[start:zone_start]} {text[zone_end:end]}"
        assert "high cost" in stored.display_quote


@DB_EXAMPLES
@given(paged=paged_texts(mid_sentence_breaks=True), data=st.data())
def test_excerpt_create_across_a_generated_header_drops_it_from_the_display_quote(
    db, analyst, paged, data
):
    text = paged.text
    page = data.draw(st.integers(0, len(paged.breaks) - 1), label="break")
    (zone_start, zone_end) = paged.breaks[page]
    start = data.draw(st.integers(paged.pages[page][0], zone_start - 1), label="start")
    end = data.draw(st.integers(zone_end + 1, paged.pages[page + 1][1]), label="end")

    with rolled_back():
        source = source_import(
            data=text.encode(), filename="paged.txt", user=None, keep_original=False
        )
        excerpt = excerpt_create(source=source, start=start, end=end, user=analyst)
        stored = Excerpt.objects.get(pk=excerpt.pk)

        assert stored.exact == source.text[start:end] == text[start:end]
        assert paged.header in stored.exact
        assert stored.display_quote == f"{text[start:zone_start]} {text[zone_end:end]}"
        assert not any(character.isupper() for character in stored.display_quote)


def test_detect_furniture_finds_a_header_whose_page_number_changes():
    text = (
        "Intro.\n\nREPORT ON X\nPage 1\n\nthe costs were\n\nREPORT ON X\nPage 2\n\n"
        "high and so\n\nREPORT ON X\nPage 3\n\nend.\n\nTable 1\n\nTable 2\n"
    )

    spans = detect_furniture(text)

    assert [text[start:end] for start, end in spans] == [
        "REPORT ON X\nPage 1",
        "REPORT ON X\nPage 2",
        "REPORT ON X\nPage 3",
    ]
    assert reading_view(text, spans).text == (
        "Intro.\n\nthe costs were high and so end.\n\nTable 1\n\nTable 2\n"
    )


def test_detect_furniture_leaves_two_numbered_captions_alone():
    text = "Body text.\n\nFigure 1\n\nMore body.\n\nFigure 2\n\nEnd."

    assert detect_furniture(text) == []
