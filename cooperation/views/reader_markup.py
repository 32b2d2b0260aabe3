"""The reader's HTML: a source's stored text, every character exactly once, with its offset.

Each run of stored text sits alone in an element carrying `data-start` (its offset in
the stored text), and the runs follow one another without a gap from 0 to the end of
the text. So the browser can map any selection back to stored offsets exactly, even
across page furniture (static/js/reader.js), and rebuild the quote and its context from
the page without a second copy of the text.

- Paragraphs (runs of text between blank lines) become `<p>`; the blank space between
  them is a hidden `span.gap`.
- Page furniture (running headers, page numbers, with the blank space around them) is
  shown small and apart, `aria-hidden`: inline when it interrupts a sentence (after a
  `span.joiner` holding the space the sentence reads with, the only text here that is
  not stored text), between paragraphs (as a labelled separator) at a paragraph break.
- Every excerpt is highlighted: a `<mark data-excerpt=pk>` around each run it covers;
  overlapping excerpts nest (a run covered twice sits in two marks). The first run of
  an excerpt carries `id="excerpt-<pk>"` (Excerpt.get_absolute_url lands on it), and a
  footnote-style link after its last run leads to its card in the side list.

Rendering is one pass over the text and the sorted excerpt boundaries; all text is
escaped (the text of a brief is untrusted).
"""

from __future__ import annotations

import bisect
import heapq
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from cooperation.text import ReadingView

_WHITESPACE = re.compile(r"\s+")
# Furniture is shown, but kept from screen readers' reading flow (the reader hears the
# sentence it interrupts read straight through).
_FURNITURE_ATTRS = ' class="furniture" aria-hidden="true"'


@dataclass(frozen=True)
class Highlight:
    """An excerpt to highlight: its span, its footnote label and where the footnote points."""

    pk: int
    start: int
    end: int
    label: str
    ref_href: str
    ref_description: str


@dataclass(frozen=True)
class _Token:
    kind: str  # "text", "gap", "furniture-inline" or "furniture-block"
    start: int
    end: int
    joiner: str = ""  # furniture-inline: what the reading view reads in its place


def _paragraph_tokens(text: str, start: int, end: int):
    """Text and gaps of text[start:end]: a whitespace run holding two newlines breaks a paragraph.

    Linear: `\\s+` never backtracks, and each run is counted once.
    """
    cursor = start
    for match in _WHITESPACE.finditer(text, start, end):
        if text.count("\n", match.start(), match.end()) >= 2:
            if match.start() > cursor:
                yield _Token("text", cursor, match.start())
            yield _Token("gap", match.start(), match.end())
            cursor = match.end()
    if cursor < end:
        yield _Token("text", cursor, end)


def reading_tokens(text: str, reading: ReadingView) -> list[_Token]:
    """The stored text cut into text, gaps and furniture, in order, covering it exactly."""
    tokens: list[_Token] = []
    pieces = reading.pieces
    for i, (reading_start, stored_start, length) in enumerate(pieces):
        tokens.extend(_paragraph_tokens(text, stored_start, stored_start + length))
        if i + 1 == len(pieces):
            break
        zone_start, zone_end = stored_start + length, pieces[i + 1][1]
        joiner = reading.text[reading_start + length : pieces[i + 1][0]]
        # The reading view joins a sentence split by a header with " " (or "" after a
        # hyphen); "\n\n" means the page break ended a paragraph as well.
        inline = joiner in (" ", "") and zone_start > 0 and zone_end < len(text)
        kind = "furniture-inline" if inline else "furniture-block"
        tokens.append(_Token(kind, zone_start, zone_end, joiner if inline else ""))
    return [token for token in tokens if token.end > token.start]


def _leaf(tag: str, start: int, text: str, extra: str = "") -> str:
    # A carriage return as a character reference: the HTML parser turns a literal CR (and
    # CRLF) into LF, which would shift every offset after it; "&#13;" survives as CR.
    return f'<{tag} data-start="{start}"{extra}>{escape(text).replace(chr(13), "&#13;")}</{tag}>'


def render_reading(text: str, reading: ReadingView, highlights: list[Highlight]) -> SafeString:
    """The HTML of the reading view (see the module docstring)."""
    tokens = reading_tokens(text, reading)
    ordered = sorted(highlights, key=lambda h: (h.start, -h.end, h.pk))
    points = sorted({p for h in ordered for p in (h.start, h.end)})

    # Pass 1: cut text tokens at excerpt boundaries and find which excerpts cover each run.
    items: list[tuple] = []  # ("seg", start, end, covering) | ("token", token) | ("anchor", h)
    active: dict[int, Highlight] = {}
    ends: list[tuple[int, int]] = []  # heap of (end, pk) of active excerpts
    last_seg_of: dict[int, int] = {}
    next_h = 0

    def retire(before: int) -> None:
        while ends and ends[0][0] <= before:
            _, pk = heapq.heappop(ends)
            active.pop(pk, None)

    for token in tokens:
        if token.kind != "text":
            while next_h < len(ordered) and ordered[next_h].start < token.end:
                h = ordered[next_h]
                next_h += 1
                if h.end <= token.end:
                    items.append(("anchor", h))  # wholly inside furniture or a gap
                else:
                    active[h.pk] = h
                    heapq.heappush(ends, (h.end, h.pk))
            items.append(("token", token))
            continue
        cut = token.start
        i = bisect.bisect_right(points, cut)
        while cut < token.end:
            stop = min(points[i], token.end) if i < len(points) else token.end
            while next_h < len(ordered) and ordered[next_h].start <= cut:
                h = ordered[next_h]
                next_h += 1
                active[h.pk] = h
                heapq.heappush(ends, (h.end, h.pk))
            retire(cut)
            covering = tuple(sorted(active.values(), key=lambda h: (h.start, -h.end, h.pk)))
            for h in covering:
                last_seg_of[h.pk] = len(items)
            items.append(("seg", cut, stop, covering))
            cut = stop
            i += 1

    # Pass 2: emit. Marks open and close around each run, so they always nest.
    refs_after: dict[int, list[Highlight]] = {}
    for h in ordered:
        if h.pk in last_seg_of:
            refs_after.setdefault(last_seg_of[h.pk], []).append(h)
    anchored: set[int] = set()
    out: list[str] = []
    in_paragraph = False

    def open_paragraph() -> None:
        nonlocal in_paragraph
        if not in_paragraph:
            out.append("<p>")
            in_paragraph = True

    def close_paragraph() -> None:
        nonlocal in_paragraph
        if in_paragraph:
            out.append("</p>")
            in_paragraph = False

    for index, item in enumerate(items):
        if item[0] == "seg":
            _, start, end, covering = item
            open_paragraph()
            for h in covering:
                id_attr = ""
                if h.pk not in anchored:
                    anchored.add(h.pk)
                    id_attr = f' id="excerpt-{h.pk}"'
                out.append(f'<mark class="excerpt" data-excerpt="{h.pk}"{id_attr}>')
            out.append(_leaf("span", start, text[start:end]))
            out.append("</mark>" * len(covering))
            out.extend(_ref(h) for h in refs_after.get(index, ()))
        elif item[0] == "anchor":
            h = item[1]
            out.append(
                format_html(
                    '<mark class="excerpt excerpt-empty" data-excerpt="{}" id="excerpt-{}"></mark>',
                    h.pk,
                    h.pk,
                )
            )
            out.append(_ref(h))
        else:
            token = item[1]
            chunk = text[token.start : token.end]
            if token.kind == "furniture-inline":
                open_paragraph()
                if token.joiner:
                    # The space the reading view puts in place of the header, so the
                    # sentence reads (and copies) "high cost", not "highcost". It is not
                    # stored text: no data-start.
                    out.append(f'<span class="joiner">{escape(token.joiner)}</span>')
                out.append(_leaf("span", token.start, chunk, _FURNITURE_ATTRS))
                continue
            close_paragraph()
            if token.kind == "gap":
                out.append(_leaf("span", token.start, chunk, ' class="gap" hidden'))
            else:
                out.append(
                    '<div class="page-break" role="separator" aria-label="Page break">'
                    + _leaf("span", token.start, chunk, _FURNITURE_ATTRS)
                    + "</div>"
                )
    close_paragraph()
    return mark_safe("".join(out))  # every piece of text above went through escape()


def _ref(h: Highlight) -> str:
    return format_html(
        '<a class="excerpt-ref" href="{}" data-excerpt="{}" aria-label="{}">{}</a>',
        h.ref_href,
        h.pk,
        h.ref_description,
        h.label,
    )
