"""Importing briefs Contours has never seen: the real title, the date and the page furniture.

Fixtures: tests/fixtures/briefs (a plain-text issue brief, a Markdown commentary, a PDF
written with the type sizes, running headers and page numbers of a real one).
"""

from __future__ import annotations

from datetime import date

import pytest

from cooperation.choices import DatePrecision, SourceFormat
from cooperation.importers.metadata import (
    find_date,
    find_publication_date,
    find_title,
    is_masthead,
    is_placeholder_title,
    is_series_label,
)
from cooperation.services import excerpt_create, source_import
from cooperation.text import detect_furniture, reading_view
from cooperation.text_extraction import extract_text
from tests.fixtures.briefs import (
    MARKDOWN_BRIEF,
    PDF_HEADER,
    PDF_TITLE,
    TEXT_BRIEF,
    brief_pdf,
)


def _import(data: bytes, filename: str, **metadata):
    return source_import(data=data, filename=filename, user=None, keep_original=False, **metadata)


def _furniture_texts(source) -> list[str]:
    return [source.text[start:end] for start, end in source.furniture]


# -- the three formats, end to end through source_import --------------------------------------


@pytest.mark.django_db
def test_a_text_brief_gets_its_title_past_the_masthead_its_date_and_its_furniture():
    source = _import(TEXT_BRIEF.read_bytes(), TEXT_BRIEF.name)

    assert source.format == SourceFormat.TEXT
    assert source.title == (
        "Australia–Indonesia Maritime Cooperation: From the Lombok Treaty to the Arafura Sea"
    )
    assert (source.published_on, source.published_on_precision) == (
        date(2015, 12, 12),
        DatePrecision.DAY,
    )
    header = "STRATEGIC STUDIES | Australia–Indonesia Maritime Cooperation"
    assert _furniture_texts(source) == [header, "2", header, "- 3 -", header, "Page 4 of 4"]
    # The stored text is untouched; the reading text has no header and no page number.
    assert source.text.encode() == TEXT_BRIEF.read_bytes()
    reading = source.reading.text
    assert "STRATEGIC STUDIES |" not in reading and "- 3 -" not in reading
    assert "Page 4 of 4" not in reading
    assert "the length of the patrol." in reading.replace("\n", " ")


@pytest.mark.django_db
def test_an_excerpt_across_a_page_break_keeps_stored_offsets_and_reads_without_furniture():
    source = _import(TEXT_BRIEF.read_bytes(), TEXT_BRIEF.name)
    start = source.text.index("awareness and the sharing")
    end = source.text.index("known as AUSINDO") + len("known as AUSINDO")

    excerpt = excerpt_create(source=source, start=start, end=end, user=None)

    assert excerpt.exact == source.text[start:end]
    assert "STRATEGIC STUDIES |" in excerpt.exact  # the evidence is the stored text
    assert "STRATEGIC STUDIES" not in excerpt.display_quote
    assert "\n2\n" not in excerpt.display_quote
    assert excerpt.display_quote.startswith("awareness and the sharing of surveillance data.")
    assert excerpt.display_quote.endswith("The coordinated patrols, known as AUSINDO")


@pytest.mark.django_db
def test_a_markdown_brief_takes_its_level_one_heading_and_a_month_date():
    source = _import(MARKDOWN_BRIEF.read_bytes(), MARKDOWN_BRIEF.name)

    assert source.format == SourceFormat.MARKDOWN
    assert source.title == (
        "The K2 Deal: What Poland's Korean Tanks Mean for European Defence Industry"
    )
    # "March 2023" is in the masthead; "July 2022" is an event the brief reports.
    assert (source.published_on, source.published_on_precision) == (
        date(2023, 3, 1),
        DatePrecision.MONTH,
    )
    header = "CENJOWS Commentary — The K2 Deal"
    assert _furniture_texts(source) == [header, "2", header, "3"]


@pytest.mark.django_db
def test_a_pdf_with_a_placeholder_title_takes_its_largest_first_page_text():
    source = _import(brief_pdf(), "jp-ph-brief.pdf")

    assert source.format == SourceFormat.PDF
    assert source.title == PDF_TITLE
    assert (source.published_on, source.published_on_precision) == (
        date(2016, 7, 12),
        DatePrecision.DAY,
    )
    # The PDF's running header shares each page's block with the body: still furniture.
    assert _furniture_texts(source) == [
        PDF_HEADER,
        "Page 2 of 4",
        PDF_HEADER,
        "Page 3 of 4",
        PDF_HEADER,
        "Page 4 of 4",
    ]
    reading = source.reading.text
    assert PDF_HEADER not in reading and "Page 3 of 4" not in reading
    assert "South China Sea.\n\nTen multi-role response vessels" in reading


@pytest.mark.django_db
def test_a_pdf_without_metadata_is_never_untitled():
    source = _import(brief_pdf(title=None), "brief.pdf")

    assert source.title == PDF_TITLE


@pytest.mark.django_db
def test_a_pdf_metadata_title_that_names_the_brief_wins():
    source = _import(brief_pdf(title="Japan and the Philippines: Equipment Transfer"), "b.pdf")

    assert source.title == "Japan and the Philippines: Equipment Transfer"


@pytest.mark.django_db
def test_metadata_given_at_import_wins_over_what_the_text_says():
    source = _import(
        TEXT_BRIEF.read_bytes(),
        TEXT_BRIEF.name,
        title="Lombok to Arafura",
        published_on=date(2015, 12, 14),
    )

    assert source.title == "Lombok to Arafura"
    assert (source.published_on, source.published_on_precision) == (
        date(2015, 12, 14),
        DatePrecision.DAY,
    )


@pytest.mark.django_db
def test_a_brief_with_no_date_on_its_opening_gets_none():
    source = _import(b"POLICY BRIEF\n\nPorts and Power\n\nThe ports were built in 2019.\n", "p.txt")

    assert source.title == "Ports and Power"
    assert (source.published_on, source.published_on_precision) == (None, "")


# -- the pure functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("Published 12 December 2015 in Delhi", date(2015, 12, 12), DatePrecision.DAY),
        ("12th Dec. 2015", date(2015, 12, 12), DatePrecision.DAY),
        ("December 12, 2015", date(2015, 12, 12), DatePrecision.DAY),
        ("2015-12-12", date(2015, 12, 12), DatePrecision.DAY),
        ("New Delhi, December 2015", date(2015, 12, 1), DatePrecision.MONTH),
        ("Sept 2015", date(2015, 9, 1), DatePrecision.MONTH),
        ("Revised 2015-12", date(2015, 12, 1), DatePrecision.MONTH),
        ("31 February 2015", date(2015, 2, 1), DatePrecision.MONTH),  # no such day
    ],
)
def test_find_date_reads_common_forms(text, expected, precision):
    found = find_date(text)

    assert (found.value, found.precision) == (expected, precision)


@pytest.mark.parametrize("text", ["No date here.", "In 2015 it rained.", "12/2015", "Mayday"])
def test_find_date_finds_nothing_without_a_month(text):
    assert find_date(text) is None


def test_find_publication_date_reads_only_the_opening():
    opening = "\n".join(f"Line {n} of the opening." for n in range(20))
    assert find_publication_date(f"{opening}\nSigned on 3 May 2019.") is None
    assert find_publication_date(f"Brief\n3 May 2019\n{opening}").value == date(2019, 5, 3)


@pytest.mark.parametrize(
    "line",
    [
        "STRATEGIC STUDIES",
        "CENJOWS",
        "ISSUE BRIEF",
        "Issue Brief No. 47",
        "**CENJOWS**",
        "Centre for Joint Warfare Studies",
        "www.cenjows.in",
        "12 December 2015",
        "ISSN 2347-9191",
        "Vol. 3, No. 12",
        "By Anja Kowalczyk",
        "- 3 -",
    ],
)
def test_is_masthead_passes_over_publishers_and_series(line):
    assert is_masthead(line)


@pytest.mark.parametrize(
    "line",
    [
        "Australia–Indonesia Maritime Cooperation:",
        "The K2 Deal: What Poland's Korean Tanks Mean",
        "India–Japan Defence Cooperation: Future Contours",
        "Ports and Power",
    ],
)
def test_is_masthead_keeps_titles(line):
    assert not is_masthead(line)


def test_find_title_skips_running_headers_and_falls_back_to_the_file_name():
    text = "BRIEF X\n\nBRIEF X\n\n3\n\nBRIEF X\n\n"
    assert find_title(text, detect_furniture(text), filename="the-brief.txt") == "the-brief"


@pytest.mark.parametrize(
    ("title", "placeholder"),
    [
        ("", True),
        ("untitled", True),
        ("Untitled document", True),
        ("Microsoft Word - JP-PH brief v3.docx", True),
        ("brief_final.pdf", True),
        ("Japan and the Philippines", False),
    ],
)
def test_is_placeholder_title(title, placeholder):
    assert is_placeholder_title(title) is placeholder


def test_the_pdf_fixture_reads_back_as_a_brief():
    extracted = extract_text(brief_pdf(), "b.pdf")

    assert extracted.title_hint == PDF_TITLE
    assert extracted.text.count(PDF_HEADER) == 3


@pytest.mark.parametrize("number", ["- 3 -", "— 3 —", "Page 3 of 12", "p. 3", "3 / 12"])
def test_detect_furniture_finds_dashed_and_counted_page_numbers(number):
    text = f"Body one.\n\n{number}\n\nBody two."

    assert [text[s:e] for s, e in detect_furniture(text)] == [number]


def test_detect_furniture_finds_a_header_at_the_top_of_each_page_block():
    pages = [f"ORF Issue Brief | {n}\nbody line {n} goes on\nmore text {n}" for n in range(3)]
    text = "\n\n".join(pages)

    spans = detect_furniture(text)

    assert [text[s:e] for s, e in spans] == [
        "ORF Issue Brief | 0",
        "ORF Issue Brief | 1",
        "ORF Issue Brief | 2",
    ]
    assert "ORF" not in reading_view(text, spans).text


def test_detect_furniture_leaves_a_repeated_heading_that_opens_only_two_blocks():
    text = "Recommendation\nfirst one here.\n\nRecommendation\nsecond one here."

    assert detect_furniture(text) == []


@pytest.mark.django_db
def test_a_pdf_whose_metadata_title_is_its_publisher_takes_its_cover_title():
    source = _import(brief_pdf(title="ISSUE BRIEF"), "b.pdf")

    assert source.title == PDF_TITLE  # not the series label, set larger still on the cover


@pytest.mark.parametrize(
    ("line", "label"),
    [("ISSUE BRIEF", True), ("CENJOWS", True), ("Strategic Studies", True), ("A PDF Brief", False)],
)
def test_is_series_label_is_strict_enough_for_a_short_pdf_title(line, label):
    assert is_series_label(line) is label
