"""Reading a brief's file as text (cooperation/text_extraction.py): refusals in one line."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from cooperation.choices import SourceFormat
from cooperation.text_extraction import SourceImportError, extract_text
from tests.cooperation.source_files import GOOD_PDF_PAGES, bad_files
from tests.utils import make_pdf

BAD_FILES = bad_files()


# -- extract_text ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.id for bad in BAD_FILES])
def test_extract_text_refuses_bad_files_with_one_line(bad):
    with pytest.raises(SourceImportError) as caught:
        extract_text(bad.data, bad.filename)

    [message] = caught.value.messages
    assert message.startswith(bad.message)
    assert "\n" not in message


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [
        ("a.txt", SourceFormat.TEXT),
        ("a.TEXT", SourceFormat.TEXT),
        ("a.md", SourceFormat.MARKDOWN),
        ("a.Markdown", SourceFormat.MARKDOWN),
    ],
)
def test_extract_text_reads_text_and_markdown_by_extension(filename, fmt):
    extracted = extract_text("Résumé: India–Japan.\r\n".encode(), filename)

    assert (extracted.text, extracted.format) == ("Résumé: India–Japan.\r\n", fmt)


def test_extract_text_strips_a_utf8_byte_order_mark_and_keeps_the_rest():
    extracted = extract_text(b"\xef\xbb\xbfFirst line\r\n\r\n\tSecond\x0c", "a.txt")

    assert extracted.text == "First line\r\n\r\n\tSecond\x0c"


def test_extract_text_reads_every_page_of_a_pdf_and_its_title():
    extracted = extract_text(make_pdf(GOOD_PDF_PAGES, title="A PDF Brief"), "brief.pdf")

    assert extracted.format == SourceFormat.PDF
    assert extracted.title_hint == "A PDF Brief"
    for line in (*GOOD_PDF_PAGES[0], *GOOD_PDF_PAGES[1]):
        assert line in extracted.text
    assert extracted.text.index(GOOD_PDF_PAGES[0][1]) < extracted.text.index(GOOD_PDF_PAGES[1][0])


def test_extract_text_turns_any_pdf_library_failure_into_one_line(monkeypatch, caplog):
    def explode(stream):
        raise KeyError("/Root")

    monkeypatch.setattr("pypdf.PdfReader", explode)
    # The detail goes to the debug log, so a terminal shows only the one-line refusal.
    caplog.set_level(logging.DEBUG, logger="cooperation.text_extraction")

    with pytest.raises(SourceImportError) as caught:
        extract_text(make_pdf(GOOD_PDF_PAGES), "odd.pdf")

    assert caught.value.messages == ["the PDF cannot be read (KeyError); try exporting it again."]
    assert [r.getMessage() for r in caplog.records] == ["PDF text extraction failed"]


@override_settings(CONTOURS_MAX_SOURCE_BYTES=10)
def test_extract_text_refuses_a_file_over_the_limit():
    assert extract_text(b"0123456789", "a.txt").text == "0123456789"

    with pytest.raises(SourceImportError) as caught:
        extract_text(b"0123456789A", "a.txt")

    assert caught.value.messages == ["the file is 11 bytes, over the 10-byte limit (10 bytes)."]
