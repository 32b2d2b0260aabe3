"""Files that import_source must refuse, shared by the service and command tests."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from tests.utils import make_pdf

GOOD_PDF_PAGES = [
    ["India and Japan agreed to cooperate.", "The first page ends here."],
    ["The second page carries on."],
]


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret text"]]))))
    writer.encrypt("a password", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class BadFile:
    id: str
    filename: str
    data: bytes
    message: str  # what the one line must say (after "<path>: ")


def bad_files() -> list[BadFile]:
    good_pdf = make_pdf(GOOD_PDF_PAGES)
    return [
        BadFile("empty", "brief.txt", b"", "the file is empty."),
        BadFile("whitespace-only", "brief.md", b" \n\t\r\n  \n", "the file is empty."),
        BadFile(
            "binary-nul",
            "brief.txt",
            b"\x00\x00\x00\rIHDR",
            "the file is binary, not text (it contains NUL bytes).",
        ),
        BadFile(
            "binary-control",
            "brief.txt",
            b"text\x01\x02\x03more",
            "the file is binary, not text (3 control characters).",
        ),
        BadFile(
            "invalid-utf8",
            "brief.txt",
            "café".encode("latin-1"),
            "the file is not valid UTF-8 text (bad byte at position 3).",
        ),
        BadFile(
            "pdf-not-a-pdf",
            "brief.pdf",
            b"Just some text pretending to be a PDF.",
            "the file is named .pdf but is not a PDF.",
        ),
        BadFile(
            "pdf-corrupt",
            "brief.pdf",
            good_pdf[: len(good_pdf) // 2],
            "the PDF cannot be read (",
        ),
        BadFile(
            "pdf-garbage",
            "brief.pdf",
            b"%PDF-1.4\nthis is not really a pdf at all\n",
            "the PDF cannot be read (",
        ),
        BadFile(
            "pdf-encrypted",
            "brief.pdf",
            encrypted_pdf(),
            "the PDF is encrypted; export an unencrypted copy first.",
        ),
        BadFile(
            "pdf-nul-text",
            "brief.pdf",
            make_pdf([["India\x00Japan"]]),
            "the PDF's text layer is garbled (it contains NUL characters).",
        ),
        BadFile(
            "pdf-without-text",
            "scan.pdf",
            make_pdf([[]]),
            "the file has no text (a scanned PDF needs OCR first).",
        ),
        BadFile(
            "unsupported-extension",
            "brief.docx",
            b"PK\x03\x04 a word document",
            "cannot import .docx: use .txt, .md or .pdf.",
        ),
        BadFile(
            "no-extension",
            "README",
            b"Some text.",
            "cannot import a file without an extension: use .txt, .md or .pdf.",
        ),
    ]
