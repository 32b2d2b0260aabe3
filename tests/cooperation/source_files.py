"""Files that import_source must refuse, shared by the service and command tests."""

from __future__ import annotations

import codecs
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


ENGLISH = "India and Japan agreed to cooperate on semiconductors and space.\n"
JAPANESE = (
    "インドと日本は半導体と宇宙分野での協力に合意した。両国は来年再び会合を開く予定である。\n"
)
FRENCH = "Le rapport sur la coopération, été 2024, à Paris : les deux pays ont signé un accord.\n"
RUSSIAN = "Индия и Япония договорились о сотрудничестве в области полупроводников и космоса.\n"
_CONVERT = (
    "convert it to UTF-8 first, e.g. `iconv -f {iconv} -t UTF-8 brief.{ext} > brief-utf8.{ext}`,"
    " or save it as UTF-8 from a text editor."
)


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
        *_other_encodings(),
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


def _other_encodings() -> list[BadFile]:
    """Text in an encoding other than UTF-8: each refusal names it and how to convert it."""
    wide = [
        ("utf16-le-bom", "utf-16-le", codecs.BOM_UTF16_LE, "UTF-16", "little-endian, with"),
        ("utf16-be-bom", "utf-16-be", codecs.BOM_UTF16_BE, "UTF-16", "big-endian, with"),
        ("utf16-le", "utf-16-le", b"", "UTF-16LE", "little-endian, without"),
        ("utf16-be", "utf-16-be", b"", "UTF-16BE", "big-endian, without"),
        ("utf32-le-bom", "utf-32-le", codecs.BOM_UTF32_LE, "UTF-32", "little-endian, with"),
        ("utf32-be-bom", "utf-32-be", codecs.BOM_UTF32_BE, "UTF-32", "big-endian, with"),
        ("utf32-le", "utf-32-le", b"", "UTF-32LE", "little-endian, without"),
        ("utf32-be", "utf-32-be", b"", "UTF-32BE", "big-endian, without"),
    ]
    files = [
        BadFile(
            case,
            "brief.txt",
            bom + ENGLISH.encode(codec),
            f"the file is {iconv[:6]} ({endian} a byte order mark) text, not UTF-8: "
            + _CONVERT.format(iconv=iconv, ext="txt"),
        )
        for case, codec, bom, iconv, endian in wide
    ]
    legacy = [
        # (case, bytes, what the refusal says it is, iconv's name for it)
        (
            "utf16-le-japanese",
            JAPANESE.encode("utf-16-le"),
            "the file is UTF-16 (little-endian, without a byte order mark) text, not UTF-8",
            "UTF-16LE",
        ),
        (
            "latin1-short",
            "café".encode("latin-1"),
            "the file is not valid UTF-8 text (bad byte at position 3); it may be Windows-1252 "
            "(Western European, as Latin-1) text or another 8-bit encoding",
            "WINDOWS-1252",
        ),
        (
            "latin1",
            FRENCH.encode("latin-1"),
            "the file is not valid UTF-8 text (bad byte at position 22); it looks like "
            "Windows-1252 (Western European, as Latin-1) text",
            "WINDOWS-1252",
        ),
        (
            "windows-1251",
            RUSSIAN.encode("cp1251"),
            "the file is not valid UTF-8 text (bad byte at position 0); it looks like "
            "Windows-1251 (Cyrillic) text",
            "WINDOWS-1251",
        ),
        (
            "shift-jis",
            JAPANESE.encode("shift_jis"),
            "the file is not valid UTF-8 text (bad byte at position 0); it looks like "
            "Shift_JIS (Japanese, Windows) text",
            "CP932",
        ),
    ]
    files += [
        BadFile(case, "brief.md", data, f"{what}: " + _CONVERT.format(iconv=iconv, ext="md"))
        for case, data, what, iconv in legacy
    ]
    return files
