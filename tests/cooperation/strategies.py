"""Hypothesis strategies: texts laid out in pages with a running header between them."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()

_words = st.lists(st.text(LOWER, min_size=1, max_size=9), min_size=1, max_size=12)
_header_line = st.lists(st.text(UPPER, min_size=1, max_size=10), min_size=1, max_size=5).map(
    " ".join
)


@dataclass(frozen=True)
class PagedText:
    """A text whose pages are separated by a repeated header block, and where things are.

    `furniture` are the spans of every header block and page number; `breaks` the zones
    (header, page number and the blank lines around them) that separate consecutive
    pages; `pages` the span of each page.
    """

    text: str
    header: str
    furniture: list[tuple[int, int]]
    breaks: list[tuple[int, int]]
    pages: list[tuple[int, int]]


@st.composite
def paged_texts(draw, *, mid_sentence_breaks: bool = False) -> PagedText:
    """Three to five pages of lower-case paragraphs with an upper-case running header.

    Every paragraph carries a marker word (p<page>q<paragraph>) so no two paragraphs are
    alike: only the header repeats. Some texts also carry a page number block after each
    header ("2", "Page 2"), as PDFs usually do. With `mid_sentence_breaks` every page ends
    without a full stop, so each page break interrupts a sentence, as in the seed brief.
    """
    header = "\n".join(draw(st.lists(_header_line, min_size=1, max_size=3)))
    page_count = draw(st.integers(3, 5))
    gap = draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n"]))
    page_number = draw(st.sampled_from([None, "{}", "Page {}", "{} of 9"]))
    text = ""
    furniture: list[tuple[int, int]] = []
    breaks: list[tuple[int, int]] = []
    pages: list[tuple[int, int]] = []
    if draw(st.booleans()):  # a header on the title page too, before any text
        furniture.append((0, len(header)))
        text = header + gap
    for page in range(page_count):
        if page:
            zone_start = len(text)
            text += gap
            furniture.append((len(text), len(text) + len(header)))
            text += header + gap
            if page_number is not None:
                number = page_number.format(page + 1)
                furniture.append((len(text), len(text) + len(number)))
                text += number + gap
            breaks.append((zone_start, len(text)))
        paragraphs = []
        paragraph_count = draw(st.integers(1, 3))
        for number in range(paragraph_count):
            words = draw(_words)
            at = draw(st.integers(0, len(words)))
            words = [*words[:at], f"p{page}q{number}", *words[at:]]
            last = number == paragraph_count - 1
            ending = "" if (last and mid_sentence_breaks) else draw(st.sampled_from(["", "."]))
            paragraphs.append(" ".join(words) + ending)
        page_start = len(text)
        text += "\n\n".join(paragraphs)
        pages.append((page_start, len(text)))
    return PagedText(text=text, header=header, furniture=furniture, breaks=breaks, pages=pages)
