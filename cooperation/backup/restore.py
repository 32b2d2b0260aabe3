"""Restore a backup (`cooperation.backup.archive`) into an empty portal, in one transaction.

Unlike every other service this one writes no history row: it puts back the history
tables themselves, row for row, so a restored portal's history is the one it had.
Rows are written raw (no `full_clean`): the checksums prove they are the rows that were
exported, the database holds their keys and constraints, and the one promise the
database cannot check, that the evidence still matches its text, is checked here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.core.serializers import base as serializer_base
from django.core.serializers import python as python_serializer
from django.db import DatabaseError, connection, transaction

from accounts.roles import ROLES
from cooperation import media
from cooperation.backup.archive import (
    BackupError,
    VerifiedBackup,
    backed_up_models,
    stored_file_sha256,
    verified_backup,
)
from cooperation.models import Excerpt, Source
from cooperation.text_extraction import text_sha256

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    path: Path
    tables: int
    rows: int
    media: int
    missing_media: list[str]


def _refuse_unless_empty(path: Path) -> None:
    """Only an empty portal takes a backup: what `migrate` makes (the role groups) may exist."""
    occupied = []
    for model in backed_up_models():
        if model is Group:
            queryset = Group.objects.exclude(name__in=ROLES)
        else:
            queryset = model._base_manager.all()
        if queryset.exists():
            occupied.append(model)
    if occupied:
        # Name the tables people know (users, sources) before history and link tables.
        occupied.sort(key=lambda model: (bool(model._meta.auto_created), _is_history(model)))
        names = ", ".join(str(model._meta.verbose_name_plural) for model in occupied[:3])
        raise BackupError(
            f"{path}: this portal is not empty (it has {names}); "
            "import_data restores into a freshly migrated, empty database only."
        )


def _is_history(model) -> bool:
    return hasattr(model, "instance_type")  # simple-history's models point at what they track


def _media_to_write(path: Path, backup: VerifiedBackup) -> list[dict]:
    """Media files missing here; a different file already under the same name is refused."""
    to_write = []
    for entry in backup.media:
        present = stored_file_sha256(entry["name"])
        if present is None:
            to_write.append(entry)
        elif present != entry["sha256"]:
            raise BackupError(
                f"{path}: media storage already holds a different {entry['name']}; "
                "move it away first."
            )
    return to_write


def _save_rows(backup: VerifiedBackup) -> int:
    count = 0
    for model in backed_up_models():
        rows = backup.tables[model]
        for deserialised in python_serializer.Deserializer(rows, using=connection.alias):
            # A role group is already here (migrate made it): it is matched by name and
            # updated. Every other row is new, so one INSERT, and raw: no signals' side effects.
            deserialised.save(force_insert=model is not Group)
            count += 1
    return count


def _check_evidence(path: Path) -> None:
    texts = {}
    for source in Source.all_objects.only("pk", "text", "sha256"):
        if text_sha256(source.text) != source.sha256:
            raise BackupError(f"{path}: source #{source.pk}'s text no longer matches its SHA-256.")
        texts[source.pk] = source.text
    for excerpt in Excerpt.all_objects.only("pk", "source_id", "start", "end", "exact"):
        if texts[excerpt.source_id][excerpt.start : excerpt.end] != excerpt.exact:
            raise BackupError(f"{path}: excerpt #{excerpt.pk}'s quote no longer matches its text.")


def _reset_sequences() -> None:
    # Rows came with their ids; the next id PostgreSQL hands out must lie above them.
    # (SQLite's AUTOINCREMENT follows the largest id by itself: the list is empty there.)
    statements = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _write_media(path: Path, backup: VerifiedBackup, entries: list[dict], staged: list):
    """Stage every media file; each is put in place when the restore's transaction commits.

    A restore that fails (or is killed) part way leaves no file in media proper, only
    staging, which cooperation/media.py cleans up.
    """
    for entry in entries:
        with backup.archive.open(entry["file"]) as stream:
            item = media.stage(entry["name"], stream)
        staged.append(item)
        item.publish_on_commit()


def _one_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def portal_import(*, path: Path) -> ImportReport:
    """Restore the backup at `path`: all of it or, on any error, nothing (database and media).

    The whole archive is checked first (format, schema, every checksum), then rows, the
    evidence check, the sequences and the media files go in under one transaction.
    """
    path = Path(path)
    staged: list = []
    with verified_backup(path) as backup:
        try:
            with transaction.atomic():
                _refuse_unless_empty(path)
                to_write = _media_to_write(path, backup)
                rows = _save_rows(backup)
                _check_evidence(path)
                # Deferred foreign keys are checked now, so a bad backup fails here, in one line.
                connection.check_constraints(
                    table_names=[model._meta.db_table for model in backed_up_models()]
                )
                _reset_sequences()
                _write_media(path, backup, to_write, staged)
        except BackupError:
            _discard(staged)
            raise
        except (
            serializer_base.DeserializationError,
            DatabaseError,
            FieldDoesNotExist,
            AttributeError,
            ObjectDoesNotExist,
            ValidationError,
            ValueError,
            TypeError,
            KeyError,
            OSError,
        ) as exc:
            _discard(staged)
            raise BackupError(
                f"{path}: the backup does not fit this database; nothing was imported "
                f"({_one_line(exc)})."
            ) from exc
        except BaseException:
            _discard(staged)
            raise
    report = ImportReport(
        path=path,
        tables=len(backup.tables),
        rows=rows,
        media=len(to_write),
        missing_media=[str(name) for name in backup.manifest.get("media_missing") or []],
    )
    logger.info("imported %s rows and %s media files from %s", rows, len(to_write), path)
    return report


def _discard(staged: list) -> None:
    for item in staged:
        item.discard()
