"""Importing briefs: the text is stored exactly as read, once per distinct text."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from cooperation import media, text_encodings
from cooperation.choices import SourceFormat, Visibility
from cooperation.history import CREATED
from cooperation.models import Source
from cooperation.services.common import authorize, save_with_history
from cooperation.text import detect_furniture

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


def _title_from_text(text: str, filename: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:300]
    return Path(filename).stem[:300]


def source_import_check(*, data: bytes, filename: str) -> ExtractedText:
    """Every refusal `source_import` would make, without writing anything.

    Forms call this while validating so a bad file is a form error.
    """
    extracted = extract_text(data, filename)
    duplicate = Source.all_objects.filter(sha256=text_sha256(extracted.text)).first()
    if duplicate is not None:
        where = " (in the trash)" if duplicate.is_deleted else ""
        raise SourceImportError(
            f"this text is already imported as source #{duplicate.pk} “{duplicate.title}”{where}."
        )
    return extracted


def original_file_name(*, digest: str, filename: str) -> str:
    """Where a brief's original file is kept: sources/<year>/<SHA-256 prefix>-<name>.

    The text's SHA-256 is unique among sources, so no two imports ever publish onto one
    name (cooperation/media.py links a staged file into place only after its COMMIT).
    """
    max_length = Source._meta.get_field("original_file").max_length
    prefix = f"sources/{timezone.now():%Y}/{digest[:16]}-"
    try:
        name = default_storage.get_valid_name(Path(filename).name)
    except SuspiciousFileOperation:
        name = "original"
    room = max_length - len(prefix)
    if len(name) > room:
        suffix = Path(name).suffix[:10]
        name = name[: room - len(suffix)] + suffix
    return prefix + name


def source_import(
    *,
    data: bytes,
    filename: str,
    user,
    title: str = "",
    publisher: str = "",
    authors: str = "",
    reference_code: str = "",
    published_on: date | None = None,
    visibility: str = Visibility.INTERNAL,
    keep_original: bool = True,
) -> Source:
    """Store a brief exactly as read. The same text twice is refused (same SHA-256).

    The original file is staged before the transaction and put in place only once it has
    committed (cooperation/media.py): a failed or killed import leaves no file behind.
    """
    authorize(user, "cooperation.add_source")
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": f"Unknown visibility {visibility!r}."})
    if visibility == Visibility.PUBLISHED:
        authorize(user, Source.publish_permission)
    extracted = source_import_check(data=data, filename=filename)
    digest = text_sha256(extracted.text)
    staged = None
    if keep_original:
        staged = media.stage(original_file_name(digest=digest, filename=filename), data)
    try:
        with transaction.atomic():
            source = _source_save(
                extracted=extracted,
                digest=digest,
                filename=filename,
                user=user,
                title=title,
                publisher=publisher,
                authors=authors,
                reference_code=reference_code,
                published_on=published_on,
                visibility=visibility,
                original=staged,
            )
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    logger.info("imported source #%s %s (%s characters)", source.pk, digest[:12], len(source.text))
    return source


def _source_save(*, extracted, digest, filename, user, original, **metadata) -> Source:
    title = metadata.pop("title")
    source = Source(
        title=(title or extracted.title_hint or _title_from_text(extracted.text, filename)).strip(),
        text=extracted.text,
        sha256=digest,
        format=extracted.format,
        original_filename=Path(filename).name[:255],
        furniture=[list(span) for span in detect_furniture(extracted.text)],
        **metadata,
    )
    if original is not None:
        source.original_file.name = original.name
        original.publish_on_commit()
    save_with_history(source, user=user, kind=CREATED, reason=f"Imported {Path(filename).name}")
    return source
