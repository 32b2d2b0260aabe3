"""Verifying a selection against the stored text (cooperation/forms/reader.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cooperation.demo import cenjows_2024 as demo
from cooperation.forms.reader import resolve_selection
from cooperation.importers.demo import DEMO_DIR
from cooperation.models import Source
from cooperation.text import build_selectors, detect_furniture

SEED_TEXT = (DEMO_DIR / demo.SOURCE["filename"]).read_text(encoding="utf-8")


def _source(text: str) -> Source:
    # Unsaved: resolve_selection reads only the text and its reading view.
    return Source(text=text, furniture=[list(span) for span in detect_furniture(text)])


SEED = _source(SEED_TEXT)


def _in_furniture(source: Source, offset: int) -> bool:
    """Strictly inside a furniture zone (a span may start or end at a zone's edge)."""
    return any(start < offset < end for start, end in source.reading.zones)


def _in_zone(index: int) -> bool:
    """The character at `index` of the seed belongs to a furniture zone."""
    return any(start <= index < end for start, end in SEED.reading.zones)


@given(st.integers(0, len(SEED_TEXT) - 1), st.integers(1, 400))
def test_resolve_selection_keeps_a_true_span_or_only_tidies_its_ends(start, length):
    end = min(start + length, len(SEED_TEXT))
    sent = build_selectors(SEED_TEXT, start, end)

    try:
        resolved = resolve_selection(
            SEED, exact=sent.exact, start=start, end=end, prefix=sent.prefix, suffix=sent.suffix
        )
    except ValidationError:
        # Refused only when the span holds no words outside running headers.
        words = [i for i in range(start, end) if not SEED_TEXT[i].isspace() and not _in_zone(i)]
        assert not words
        return
    s = resolved.selectors
    assert resolved.reanchored is False
    assert start <= s.start < s.end <= end
    assert s.exact == SEED_TEXT[s.start : s.end] == s.exact.strip()
    assert not _in_furniture(SEED, s.start) and not _in_furniture(SEED, s.end)
    # Only blank space and furniture were cut off.
    cut = [*range(start, s.start), *range(s.end, end)]
    assert all(SEED_TEXT[i].isspace() or _in_zone(i) for i in cut)


def test_resolve_selection_finds_a_pasted_quote_across_a_header_and_line_breaks():
    text = "Intro.\n\nHEAD\n\nThe costs are\nhigh and\n\nHEAD\n\nrising fast.\n\nEnd."
    source = _source(text)

    resolved = resolve_selection(source, exact="costs are high and rising")

    s = resolved.selectors
    assert (s.start, s.end) == (text.index("costs"), text.index("rising") + len("rising"))
    assert source.reading.quote(s.start, s.end) == "costs are\nhigh and rising"


def test_resolve_selection_prefers_the_occurrence_its_context_names():
    text = "one cat here. two cat there."
    source = _source(text)

    resolved = resolve_selection(source, exact="cat", prefix="two ", suffix=" there")

    assert resolved.selectors.start == text.rindex("cat")


@pytest.mark.parametrize("exact", ["", "   ", "dog"])
def test_resolve_selection_refuses_a_quote_that_is_empty_or_absent(exact):
    with pytest.raises(ValidationError):
        resolve_selection(_source("one cat here."), exact=exact)
