"""Pure text functions: page furniture, the reading view, and W3C-style text selectors.

A source's stored text is never rewritten. Running page headers (and bare page
numbers) are recognised as *furniture*: the reading view leaves them out of the
flow and joins a sentence they interrupt, while every offset an excerpt stores
still refers to the stored text. These functions have no Django dependency so
property-based tests can hammer them directly.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# Characters of context kept on either side of a quote (TextQuoteSelector prefix/suffix).
CONTEXT_CHARS = 32

_MAX_FURNITURE_LINES = 4
_MAX_FURNITURE_LINE_LENGTH = 120
# "7", "Page 7", "7 of 12", "Page 7 of 12", "- 7 -", "— 7 —", "p. 7".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:(?:page|p\.)\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
# A running header or footer that shares its page's block with the body (as a PDF's text
# layer gives it: no blank line between the header and the page's first paragraph) is
# recognised only when it recurs at a block's edge this often.
_MIN_EDGE_REPEATS = 3
# A header line may carry its page number after a separator ("CENJOWS | 7", "Brief • 7").
_HEADER_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?\d{1,4}\s*[|•·–—-]\s*|\s*[|•·–—-]\s*(?:page\s+)?\d{1,4}\s*$",
    re.IGNORECASE,
)
_BLOCK = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")
# Where the text before a page break ends like this, or the text after it does not
# start in lower case, the page break ended a paragraph too; otherwise the
# sentence runs on across it.
_PARAGRAPH_END = frozenset(""".!?:;"”’)]""")


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    text: str


def text_blocks(text: str) -> list[Block]:
    """Runs of consecutive non-blank lines, with their offsets in `text`."""
    return [Block(m.start(), m.end(), m.group()) for m in _BLOCK.finditer(text)]


def _normalise(block_text: str) -> str:
    return " ".join(block_text.split()).casefold()


def is_page_number(line: str) -> bool:
    """A line holding only a page number ("7", "Page 7 of 12", "- 7 -")."""
    return bool(_PAGE_NUMBER.match(line))


def _could_be_furniture(block: Block) -> bool:
    lines = block.text.splitlines()
    return len(lines) <= _MAX_FURNITURE_LINES and all(
        len(line.strip()) <= _MAX_FURNITURE_LINE_LENGTH for line in lines
    )


def _furniture_key(block: Block) -> str:
    """A block's text with page-number lines set aside ("REPORT\nPage 7" -> "report")."""
    lines = [line for line in block.text.splitlines() if not _PAGE_NUMBER.match(line)]
    return _normalise("\n".join(lines))


def detect_furniture(text: str) -> list[tuple[int, int]]:
    """Spans of running headers/footers and page numbers, sorted and non-overlapping.

    A running header is a short block (a few short lines) that recurs as a block
    of its own, verbatim but for a line holding its page number; a page number
    is a block holding only a number ("7", "Page 7", "7 of 12").
    """
    blocks = text_blocks(text)
    counts: dict[str, int] = {}
    for block in blocks:
        if _could_be_furniture(block):
            key = _furniture_key(block)
            counts[key] = counts.get(key, 0) + 1

    def is_furniture(block: Block) -> bool:
        if _PAGE_NUMBER.match(block.text):
            return True
        key = _furniture_key(block) if _could_be_furniture(block) else ""
        return bool(key) and counts[key] >= 2

    spans = [(block.start, block.end) for block in blocks if is_furniture(block)]
    spans += _edge_furniture(
        [block for block in blocks if not is_furniture(block) and "\n" in block.text]
    )
    return sorted(spans)


def _block_lines(block: Block) -> list[tuple[int, int, str]]:
    """A block's lines as (start, end, text), offsets in the whole text."""
    lines, at = [], block.start
    for line in block.text.split("\n"):
        lines.append((at, at + len(line), line))
        at += len(line) + 1
    return lines


def _edge_key(line: str) -> str:
    if len(line.strip()) > _MAX_FURNITURE_LINE_LENGTH:
        return ""
    return _normalise(_HEADER_PAGE_NUMBER.sub("", line))


def _edge_furniture(blocks: list[Block]) -> list[tuple[int, int]]:
    """Running headers, footers and page numbers on the first or last lines of a block.

    A line is furniture here when it is a page number, or when the same short line opens or
    closes at least `_MIN_EDGE_REPEATS` blocks. At most two lines are peeled from each end
    (a header and then a page number), and never a block's every line.
    """
    edges = [_block_lines(block) for block in blocks]
    counts: dict[str, int] = {}
    for lines in edges:
        for key in {_edge_key(text) for _, _, text in (*lines[:2], *lines[-2:])}:
            counts[key] = counts.get(key, 0) + 1

    def peelable(text: str) -> bool:
        if _PAGE_NUMBER.match(text):
            return True
        key = _edge_key(text)
        return bool(key) and counts.get(key, 0) >= _MIN_EDGE_REPEATS

    spans: list[tuple[int, int]] = []
    for lines in edges:
        top = 0
        while top < min(2, len(lines) - 1) and peelable(lines[top][2]):
            top += 1
        bottom = len(lines)
        while bottom > max(top + 1, len(lines) - 2) and peelable(lines[bottom - 1][2]):
            bottom -= 1
        spans += [(start, end) for start, end, _ in lines[:top] + lines[bottom:]]
    return spans


@dataclass
class ReadingView:
    """The text as a person reads it, with a two-way map to stored offsets.

    `pieces` are (reading_start, stored_start, length) runs copied verbatim;
    between them sit joiners (a space or a paragraph break) that stand for a
    furniture zone in the stored text.
    """

    text: str
    pieces: list[tuple[int, int, int]] = field(default_factory=list)
    zones: list[tuple[int, int]] = field(default_factory=list)

    def to_stored(self, offset: int, *, is_end: bool = False) -> int:
        """Map a reading offset to the stored text. Inside a joiner, snap out of the zone."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is outside the reading text")
        starts = [p[0] for p in self.pieces]
        i = bisect.bisect_right(starts, offset) - 1
        reading_start, stored_start, length = self.pieces[i]
        inside = offset < reading_start + length or i + 1 == len(self.pieces)
        if offset <= reading_start + length and (is_end or inside):
            return stored_start + (offset - reading_start)
        # In (or at the start of) a joiner: a start moves forward past the furniture,
        # an end moves back before it, so no excerpt begins or ends inside a header.
        if is_end:
            return stored_start + length
        return self.pieces[i + 1][1]

    def to_reading(self, offset: int) -> int:
        """Map a stored offset to the reading text; inside furniture, to the joiner."""
        stored_starts = [p[1] for p in self.pieces]
        i = max(bisect.bisect_right(stored_starts, offset) - 1, 0)
        reading_start, stored_start, length = self.pieces[i]
        if offset <= stored_start + length:
            return reading_start + max(offset - stored_start, 0)
        return reading_start + length

    def quote(self, start: int, end: int) -> str:
        """How the stored span [start, end) reads, furniture removed."""
        return self.text[self.to_reading(start) : self.to_reading(end)]


def _furniture_zones(text: str, furniture: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Furniture spans widened over the blank space around them; touching zones merged.

    A running header followed by a page number (usual in PDFs) is one page break, so
    it becomes one zone and one joiner. Linear in the text: each span looks only at
    the whitespace next to it.
    """
    zones: list[tuple[int, int]] = []
    for fstart, fend in sorted(furniture):
        start, end = fstart, fend
        while start > 0 and text[start - 1].isspace():
            start -= 1
        while end < len(text) and text[end].isspace():
            end += 1
        if zones and start <= zones[-1][1]:
            zones[-1] = (zones[-1][0], max(end, zones[-1][1]))
        else:
            zones.append((start, end))
    return zones


def _joiner(text: str, zone_start: int, zone_end: int) -> str:
    """What stands in the reading text for a page break between two runs of text."""
    if zone_start == 0 or zone_end >= len(text):
        return ""
    before, after = text[zone_start - 1], text[zone_end]
    if before in _PARAGRAPH_END or not after.islower():
        return "\n\n"
    if before == "-":
        return ""  # a word hyphenated across the page break
    return " "


def reading_view(text: str, furniture: list[tuple[int, int]]) -> ReadingView:
    view = ReadingView(text="", zones=_furniture_zones(text, furniture))
    parts: list[str] = []
    cursor = 0  # next stored offset to copy
    reading_len = 0
    for zone_start, zone_end in view.zones:
        copied = text[cursor:zone_start]
        view.pieces.append((reading_len, cursor, len(copied)))
        joiner = _joiner(text, zone_start, zone_end)
        parts += [copied, joiner]
        reading_len += len(copied) + len(joiner)
        cursor = zone_end
    rest = text[cursor:]
    view.pieces.append((reading_len, cursor, len(rest)))
    parts.append(rest)
    view.text = "".join(parts)
    return view


@dataclass(frozen=True)
class Selectors:
    """A W3C TextPositionSelector (start, end) and TextQuoteSelector (exact, prefix, suffix)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def build_selectors(text: str, start: int, end: int) -> Selectors:
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"span {start}–{end} is not a non-empty span inside a text of {len(text)} characters"
        )
    return Selectors(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def _common_suffix_len(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def anchor_quote(
    text: str, exact: str, prefix: str = "", suffix: str = "", hint: int | None = None
) -> tuple[int, int]:
    """Find where a quote selector points: the occurrence of `exact` whose context matches best.

    Ties go to the occurrence nearest `hint` (a position selector's start), then the first.
    Raises LookupError when the quote does not occur.
    """
    if not exact:
        raise LookupError("the quote is empty")
    candidates = []
    pos = text.find(exact)
    while pos != -1:
        before = text[max(0, pos - len(prefix)) : pos]
        after = text[pos + len(exact) : pos + len(exact) + len(suffix)]
        score = _common_suffix_len(before, prefix) + _common_prefix_len(after, suffix)
        distance = abs(pos - hint) if hint is not None else 0
        candidates.append((-score, distance, pos))
        pos = text.find(exact, pos + 1)
    if not candidates:
        raise LookupError("the quote does not occur in the text")
    _, _, best = min(candidates)
    return best, best + len(exact)
