"""A brief's file read as text: its type told by its first bytes, UTF-8 decoded or a PDF's
text layer extracted, and every refusal said in one line. No writes here: importing the
text as a source is `cooperation.services.sources.source_import`.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from cooperation import text_encodings
from cooperation.choices import SourceFormat
from cooperation.importers.metadata import is_placeholder_title, is_series_label

logger = logging.getLogger(__name__)

_TEXT_SUFFIXES = {".txt": SourceFormat.TEXT, ".text": SourceFormat.TEXT}
_MARKDOWN_SUFFIXES = {".md": SourceFormat.MARKDOWN, ".markdown": SourceFormat.MARKDOWN}


# What a file is, told by its first bytes rather than its name. The text checks below
# already refuse most binaries (NUL bytes, bad UTF-8), but some formats can be pure ASCII
# (a PDF, PostScript, RTF), and for the rest the refusal should say what the file really is.
_SIGNATURES = (
    (b"%PDF-", "a PDF"),
    (b"%!PS", "a PostScript file"),
    (b"{\\rtf", "an RTF document"),
    (b"\x7fELF", "an executable program (ELF)"),
    (b"MZ\x90\x00", "an executable program (Windows)"),
    (b"\xcf\xfa\xed\xfe", "an executable program (Mach-O)"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
)


def sniff_file_type(data: bytes) -> str | None:
    """What the file's content says it is, if it is a known non-text format."""
    head = data.lstrip(b"\xef\xbb\xbf")[:16]
    return next((what for magic, what in _SIGNATURES if head.startswith(magic)), None)


class SourceImportError(ValidationError):
    """A file that cannot become a source; the message says why in one line."""


@dataclass(frozen=True)
class ExtractedText:
    text: str
    format: str
    title_hint: str = ""


def human_size(size: int) -> str:
    """ "20.0 MB": filesizeformat with a plain space, for terminals and logs."""
    return filesizeformat(size).replace("\xa0", " ")


def _decode_text(data: bytes, filename: str) -> str:
    # UTF-16 and UTF-32 are text too, full of NUL bytes: name them before calling NULs binary.
    wide = text_encodings.wide_unicode(data)
    if wide is not None:
        raise SourceImportError(
            f"the file is {wide.label} text, not UTF-8: "
            f"{text_encodings.conversion_hint(wide, filename)}."
        )
    if b"\x00" in data:
        raise SourceImportError("the file is binary, not text (it contains NUL bytes).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        legacy = text_encodings.legacy_encoding(data)
        if legacy is not None and legacy.wide:
            what = f"the file is {legacy.label} text, not UTF-8"
        elif legacy is not None:
            looks = (
                f"it may be {legacy.label} text or another 8-bit encoding"
                if legacy.guessed
                else f"it looks like {legacy.label} text"
            )
            what = f"the file is not valid UTF-8 text (bad byte at position {exc.start}); {looks}"
        else:
            raise SourceImportError(
                f"the file is not valid UTF-8 text (bad byte at position {exc.start}); save it "
                "as UTF-8 (e.g. from a text editor) and import it again."
            ) from None
        raise SourceImportError(
            f"{what}: {text_encodings.conversion_hint(legacy, filename)}."
        ) from None
    # Control characters other than tab/newline/carriage return/form feed mean a binary file.
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if bad:
        raise SourceImportError(f"the file is binary, not text ({bad} control characters).")
    return text


def _pdf_text(data: bytes) -> ExtractedText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF-"):
        actual = sniff_file_type(data)
        raise SourceImportError(
            f"the file is named .pdf but is {actual}, not a PDF."
            if actual
            else "the file is named .pdf but is not a PDF."
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise SourceImportError("the PDF is encrypted; export an unencrypted copy first.")
        # Pages joined by a blank line: page furniture is recognised later, not cut out here.
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title or "") if reader.metadata else ""
        if is_placeholder_title(str(title)) or is_series_label(str(title)):
            title = _largest_text(reader.pages[0]) if reader.pages else ""
    except SourceImportError:
        raise
    except PdfReadError as exc:
        raise SourceImportError(f"the PDF cannot be read ({exc}).") from None
    except Exception as exc:
        # A damaged or exotic PDF must be a refusal, never a traceback; the log keeps detail.
        logger.debug("PDF text extraction failed", exc_info=True)
        raise SourceImportError(
            f"the PDF cannot be read ({type(exc).__name__}); try exporting it again."
        ) from None
    text = "\n\n".join(pages)
    if "\x00" in text:
        # PostgreSQL cannot store NUL, and it means the text layer is garbled anyway.
        raise SourceImportError("the PDF's text layer is garbled (it contains NUL characters).")
    return ExtractedText(text=text, format=SourceFormat.PDF, title_hint=str(title))


def _largest_text(page) -> str:
    """The first page's text set in its largest type: where a brief prints its title.

    The size is the font size scaled by the text and current transformation matrices, so a
    title drawn at 12 pt under a 2x matrix counts as 24 pt. Runs of one size are joined in
    reading order (a title over two lines is one title). Only sizes above the body text's
    (the size most characters are set in) count, largest first, passing over a size
    that holds only the publisher's name or a series label (a masthead in big type).
    """
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1
            runs.append((round(float(font_size or 0) * scale, 1), text))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:
        # Only a title hint: a page whose type sizes cannot be read still imports.
        logger.debug("PDF type sizes unreadable", exc_info=True)
        return ""
    characters: dict[float, int] = {}
    for size, text in runs:
        characters[size] = characters.get(size, 0) + len(text.strip())
    if len(characters) < 2:
        return ""  # one size throughout: no title stands out
    body = max(characters, key=characters.get)
    for size in sorted((size for size in characters if size > body), reverse=True):
        title = " ".join(" ".join(text for run_size, text in runs if run_size == size).split())
        if title and not is_series_label(title):
            return title[:300]
    return ""


def extract_text(data: bytes, filename: str) -> ExtractedText:
    """Read a .txt, .md or .pdf file's text; refuse anything else with one clear line."""
    suffix = Path(filename).suffix.lower()
    limit = settings.CONTOURS_MAX_SOURCE_BYTES
    if len(data) > limit:
        raise SourceImportError(
            f"the file is {len(data):,} bytes, over the {limit:,}-byte limit ({human_size(limit)})."
        )
    if not data.strip():
        raise SourceImportError("the file is empty.")
    if suffix == ".pdf":
        extracted = _pdf_text(data)
    elif suffix in _TEXT_SUFFIXES or suffix in _MARKDOWN_SUFFIXES:
        fmt = _TEXT_SUFFIXES.get(suffix) or _MARKDOWN_SUFFIXES[suffix]
        actual = sniff_file_type(data)
        if actual:
            hint = "rename it .pdf" if actual == "a PDF" else "import a .txt, .md or .pdf"
            raise SourceImportError(f"the file is named {suffix} but is {actual}: {hint}.")
        extracted = ExtractedText(text=_decode_text(data, Path(filename).name), format=fmt)
    else:
        raise SourceImportError(
            f"cannot import {suffix or 'a file without an extension'}: use .txt, .md or .pdf."
        )
    if not extracted.text.strip():
        raise SourceImportError("the file has no text (a scanned PDF needs OCR first).")
    return extracted


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
