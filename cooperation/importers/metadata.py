"""A brief's title and date, found in its text when nobody typed them in.

Pure functions, no Django models: `source_import` calls them on the text it stores, with
the page furniture already recognised (cooperation/text.py), so a running header is never
mistaken for the title. Think-tank briefs open with a masthead — the publisher's name, a
series label ("ISSUE BRIEF", "No. 412"), a date — before the real title; those lines are
passed over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cooperation.choices import DatePrecision
from cooperation.text import is_page_number

# How far into the text a title or a publication date is looked for.
HEAD_CHARS = 4000
HEAD_LINES = 12
_MAX_TITLE_LENGTH = 300

# Series labels and publishers' names that open a brief but are not its title. Compared
# case-insensitively against the whole line.
MASTHEAD_LINES = frozenset(
    {
        "analysis",
        "backgrounder",
        "brief",
        "briefing paper",
        "cenjows",
        "commentary",
        "discussion paper",
        "expert comment",
        "idsa",
        "issue brief",
        "manohar parrikar institute for defence studies and analyses",
        "occasional paper",
        "orf",
        "policy brief",
        "policy paper",
        "report",
        "research paper",
        "special report",
        "strategic studies",
        "working paper",
    }
)
# Words that mark a line as the masthead's ("Centre for Joint Warfare Studies", "RUSI
# Commentary", "Issue Brief No. 412") when the line is short.
_MASTHEAD_WORDS = re.compile(
    r"\b(?:centre|center|institute|foundation|council|studies|brief|paper|commentary|"
    r"programme|program|initiative|series|vol\.?|volume|issue|no\.|number)\b",
    re.IGNORECASE,
)
_NOT_TITLE = re.compile(
    r"^(?:by\b|authors?:|©|\(c\)|copyright|issn|isbn|doi:|https?://|www\.|\S+@\S+|"
    r"published|date:|no\.\s*\d|vol(?:ume)?\.?\s*\d|page\s+\d|contents$|abstract$|"
    r"summary$|executive summary$|key (?:points|findings)$|introduction$)",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
# Most precise first: the first pattern that matches at the earliest position wins.
_DATE_PATTERNS = (
    (re.compile(rf"\b{_YEAR}-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"), DatePrecision.DAY),
    (re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE), DatePrecision.DAY),
    (re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE), DatePrecision.DAY),
    (re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE), DatePrecision.MONTH),
    (re.compile(rf"\b{_YEAR}-(?P<month>[01]\d)\b(?!-)"), DatePrecision.MONTH),
)

# PDF /Title values that say nothing: left empty, a placeholder, or the file it came from.
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:untitled.*|title|document\d*|microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|pdf|"
    r"odt|rtf|indd|tex)|slide \d+|presentation\d*|\W*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    value: date
    precision: str
    text: str


def _clean(line: str) -> str:
    heading = _MARKDOWN_HEADING.match(line)
    if heading:
        line = heading.group(2)
    return " ".join(_MARKDOWN_EMPHASIS.sub("", line).split())


def is_series_label(line: str) -> bool:
    """A line that is only a publisher's or series' name ("ISSUE BRIEF", "CENJOWS").

    Stricter than `is_masthead`: it judges a PDF's /Title and its cover's largest type,
    where a short title ("A PDF Brief") must survive.
    """
    cleaned = _clean(line).strip(" .:|•-–—")
    words = cleaned.split()
    acronym = len(words) == 1 and cleaned.isupper() and cleaned.isalpha()
    return cleaned.casefold() in MASTHEAD_LINES or acronym


def is_masthead(line: str) -> bool:
    """Whether a line of a brief's opening is its publisher's or series' name, not a title."""
    cleaned = _clean(line).strip(" .:|•-–—")
    folded = cleaned.casefold()
    if not folded:
        return True
    if folded in MASTHEAD_LINES or _NOT_TITLE.match(cleaned) or is_page_number(cleaned):
        return True
    if find_date(cleaned) is not None and len(cleaned) <= 40:
        return True  # a dateline ("12 December 2015", "New Delhi, December 2015")
    words = cleaned.split()
    letters = [ch for ch in cleaned if ch.isalpha()]
    # An acronym or a short all-capitals name ("CENJOWS", "ORF", "RUSI NEWSBRIEF").
    if len(words) <= 3 and letters and all(ch.isupper() for ch in letters):
        return True
    if words and words[0].casefold() in ("a", "an"):
        return False  # "A Brief History of…", "An Issue for the Quad": a title's opening
    return len(words) <= 6 and bool(_MASTHEAD_WORDS.search(cleaned)) and ":" not in cleaned


def _lines_outside(text: str, furniture: list[tuple[int, int]], limit: int):
    """The head's non-blank lines that are not page furniture, as (offset, line)."""
    spans = sorted(tuple(span) for span in furniture)
    at = 0
    for line in text[:limit].split("\n"):
        start, end = at, at + len(line)
        at = end + 1
        if not line.strip():
            continue
        if any(fstart <= start and end <= fend for fstart, fend in spans):
            continue
        yield start, line


def find_title(text: str, furniture: list[tuple[int, int]] = (), *, filename: str = "") -> str:
    """The brief's title: a Markdown level-one heading, else its first line past the masthead.

    A title that runs over two lines (no blank line between, the first ending without a
    full stop, the second going on from a colon or capitalised) is joined. With nothing
    that could be a title, the file's name.
    """
    lines = list(_lines_outside(text, list(furniture), HEAD_CHARS))
    for _, line in lines:
        heading = _MARKDOWN_HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not is_masthead(line):
            return _clean(line)[:_MAX_TITLE_LENGTH]
    for index, (offset, line) in enumerate(lines):
        if is_masthead(line) or (_MARKDOWN_HEADING.match(line) and len(_clean(line)) < 3):
            continue
        title = _clean(line)
        if index + 1 < len(lines):
            next_offset, next_line = lines[index + 1]
            adjacent = next_offset == offset + len(line) + 1
            following = _clean(next_line)
            # A title's second line goes on from a colon or dash, or starts a capitalised
            # subtitle; a lower-case line after it is body text.
            runs_on = (
                title[-1:] not in ".!?"
                and len(title) < 90
                and len(following) < 90
                and (title[-1:] in ":–—-" or following[:1].isupper())
            )
            if adjacent and runs_on and not is_masthead(next_line):
                title = f"{title} {following}"
        return title[:_MAX_TITLE_LENGTH]
    return Path(filename).stem[:_MAX_TITLE_LENGTH]


def find_date(text: str) -> FoundDate | None:
    """The first date written in a common form, with how much of it the text gives.

    "12 December 2015", "December 12, 2015" and "2015-12-12" are days; "December 2015" and
    "2015-12" are months (the first of the month, precision month). Impossible dates
    ("31 February 2015") are read at the precision that holds (February 2015).
    """
    best: tuple[int, FoundDate] | None = None
    for pattern, precision in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if best is not None and match.start() >= best[0]:
                break
            found = _to_date(match, precision)
            if found is not None:
                best = (match.start(), found)
                break
    return best[1] if best else None


def _to_date(match: re.Match, precision: str) -> FoundDate | None:
    parts = match.groupdict()
    month = parts["month"]
    month_number = int(month) if month.isdecimal() else _MONTHS[month.casefold()]
    day = int(parts.get("day") or 1)
    try:
        value = date(int(parts["year"]), month_number, day)
    except ValueError:
        return None
    return FoundDate(value=value, precision=precision, text=match.group())


def find_publication_date(text: str, furniture: list[tuple[int, int]] = ()) -> FoundDate | None:
    """The date on a brief's opening (masthead, title, byline, dateline), outside furniture.

    Only the first `HEAD_LINES` lines are read: a date further on is an event the brief
    reports ("signed in December 2015"), not when it was published.
    """
    lines = [line for _, line in _lines_outside(text, list(furniture), HEAD_CHARS)]
    return find_date("\n".join(lines[:HEAD_LINES]))


def is_placeholder_title(title: str) -> bool:
    """A PDF /Title that names nothing ("untitled", "Microsoft Word - brief.docx")."""
    return bool(_PLACEHOLDER_TITLE.match(title.strip()))
