"""Importing briefs: the text is stored exactly as read, once per distinct text."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cooperation import media
from cooperation.choices import DatePrecision, Visibility
from cooperation.history import CREATED
from cooperation.importers.metadata import find_publication_date, find_title
from cooperation.models import Source
from cooperation.permissions import require, visibility_action
from cooperation.services.common import save_with_history
from cooperation.services.tracked import tracked_update
from cooperation.text import detect_furniture
from cooperation.text_extraction import (
    ExtractedText,
    SourceImportError,
    extract_text,
    text_sha256,
)

logger = logging.getLogger(__name__)


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
    require(user, "create", Source)
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": f"Unknown visibility {visibility!r}."})
    if visibility_action(None, visibility) == "publish":
        require(user, "publish", Source)
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
    """The source as imported; a title or date nobody gave is found in the brief itself."""
    furniture = detect_furniture(extracted.text)
    title = metadata.pop("title") or extracted.title_hint
    if not title.strip():
        title = find_title(extracted.text, furniture, filename=filename)
    precision = DatePrecision.DAY if metadata["published_on"] else ""
    if metadata["published_on"] is None:
        found = find_publication_date(extracted.text, furniture)
        if found is not None:
            metadata["published_on"], precision = found.value, found.precision
    source = Source(
        title=title.strip()[:300],
        text=extracted.text,
        sha256=digest,
        format=extracted.format,
        original_filename=Path(filename).name[:255],
        furniture=[list(span) for span in furniture],
        published_on_precision=precision,
        **metadata,
    )
    if original is not None:
        source.original_file.name = original.name
        original.publish_on_commit()
    save_with_history(source, user=user, kind=CREATED, reason=f"Imported {Path(filename).name}")
    return source


def source_metadata_update(
    *,
    source: Source,
    user,
    data: dict,
    expected_version: int | None,
    reason: str = "Edited the source's details",
) -> Source:
    """Correct a source's details (title, authors, publisher, date, reference, URL).

    The text is the evidence and never changes; only `Source.metadata_fields` may be given.
    The generic tracked path does the rest under one row lock: whoever may change sources
    (`cooperation.change_source`), the version check (ConflictError when stale), the
    model's validation and one history row; an edit that changes nothing writes nothing.
    """
    other = sorted(set(data) - set(Source.metadata_fields))
    if other:
        raise ValidationError(
            {name: "Only a source's details can be edited, not this." for name in other}
        )
    data = dict(data)
    if "published_on" in data and not data["published_on"]:
        data["published_on"], data["published_on_precision"] = None, ""
    elif data.get("published_on") and not data.get("published_on_precision"):
        data["published_on_precision"] = DatePrecision.DAY
    for name in ("title", "authors", "publisher", "reference_code", "url"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    return tracked_update(
        instance=source, user=user, data=data, expected_version=expected_version, reason=reason
    )
