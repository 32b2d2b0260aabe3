"""Portal backups: what a backup holds, how it is written, and how it is read back and checked.

A backup is a zip archive:

- `manifest.json`: the format and its version, the database schema (applied migrations),
  and per table its row count and the SHA-256 of its data file, per media file its size
  and SHA-256;
- `tables/<app>.<model>.json`: every row of one table, in primary-key order, serialised by
  Django's serializer with exact timestamps (microseconds kept);
- `media/<name>`: every original file the rows point at, under its storage name.

Rows keep their primary keys, so every link, history row and generic relation points at
the same thing after a restore. Content types, permissions and groups are the exception:
`migrate` makes them, with ids that differ between databases, so rows refer to them by
natural key (`["cooperation", "agreement"]`, a group's name) instead.

Writing the rows back is `cooperation.backup.restore.portal_import`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.serializers import python as python_serializer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

logger = logging.getLogger(__name__)

FORMAT = "contours-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024

# Tables a backup leaves out, and why (docs/backup.md repeats this list).
EXCLUDED_TABLES: dict[str, str] = {
    "contenttypes.contenttype": "made by migrate; rows name content types by natural key",
    "auth.permission": "made by migrate; rows name permissions by natural key",
    "auth.group_permissions": "each group carries its permissions by natural key",
    "sessions.session": "logins: after a restore everyone logs in again",
    "axes.accessattempt": "login-failure counters of the old machine (lockouts start afresh)",
    "axes.accessattemptexpiration": "expiry of those counters",
    "axes.accessfailurelog": "django-axes' log of failed logins",
    "axes.accesslog": "django-axes' log of logins and logouts",
    "cooperation.idempotencykey": "stored answers to API POSTs, kept 24 hours for client retries",
    **{
        f"cooperation.{kind}searchterm": (
            f"each {kind}'s words for one-word searches: PostgreSQL's trigger writes them "
            "again as the records are restored"
        )
        for kind in ("agreement", "deal", "challenge", "recommendation")
    },
}

# Models that rows refer to by natural key; Group rows themselves are matched by name.
_NATURAL_KEY_MODELS = (ContentType, Permission, Group)


class BackupError(Exception):
    """A backup cannot be written or read; the message is one line for a person."""


def backed_up_models() -> list[type[models.Model]]:
    """Every table a backup holds, groups first (other rows name them by natural key).

    Everything not in EXCLUDED_TABLES is included, so a new model is backed up by default.
    """
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in EXCLUDED_TABLES
        and not model._meta.proxy
        and model._meta.managed
    ]
    return sorted(chosen, key=lambda model: model is not Group)


def schema_migrations() -> list[str]:
    """The applied migrations of the apps whose tables a backup holds or refers to."""
    app_labels = {model._meta.app_label for model in backed_up_models()} | {
        "auth",
        "contenttypes",
    }
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied if app in app_labels)


def media_names(model: type[models.Model], rows: list[dict]) -> set[str]:
    """The storage names that the file fields of serialised `rows` point at."""
    file_fields = [f.name for f in model._meta.local_fields if isinstance(f, models.FileField)]
    return {row["fields"][name] for row in rows for name in file_fields if row["fields"][name]}


# -- serialising rows -----------------------------------------------------------------------


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class _RowSerializer(python_serializer.Serializer):
    """Django's serializer, with natural keys only for content types, permissions and groups.

    Users and every other row keep their primary keys. Many-to-many fields are not written
    with their owner: each through table is a table of its own (ids kept), except a group's
    permissions, which are written with the group by natural key.
    """

    def __init__(self, natural_keys: dict):
        super().__init__()
        self._natural_keys = natural_keys

    def _model_supports_natural_key(self, model):
        return model in _NATURAL_KEY_MODELS

    def _resolve_natural_key(self, obj):
        return obj.natural_key() if isinstance(obj, Group) else None

    def _resolve_fk_natural_key(self, obj, field):
        model = field.remote_field.model
        if model not in _NATURAL_KEY_MODELS:
            return None
        # A history row may name a group that is gone; it then keeps the plain id.
        return self._natural_keys[model].get(getattr(obj, field.attname))

    def handle_m2m_field(self, obj, field):
        if isinstance(obj, Group):
            super().handle_m2m_field(obj, field)


def _natural_key_maps() -> dict:
    return {
        ContentType: {ct.pk: list(ct.natural_key()) for ct in ContentType.objects.all()},
        Permission: {
            perm.pk: list(perm.natural_key())
            for perm in Permission.objects.select_related("content_type")
        },
        Group: {group.pk: [group.name] for group in Group.objects.all()},
    }


def serialise_table(model: type[models.Model], natural_keys: dict) -> list[dict]:
    queryset = model._base_manager.order_by("pk")
    if model is Group:
        queryset = queryset.prefetch_related("permissions__content_type")
    return _RowSerializer(natural_keys).serialize(
        queryset.iterator(chunk_size=2000) if model is not Group else queryset,
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )


def encode_rows(rows: list[dict]) -> bytes:
    return json.dumps(rows, cls=ExactJSONEncoder, ensure_ascii=False).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- export ---------------------------------------------------------------------------------


@dataclass
class ExportReport:
    path: Path
    tables: int = 0
    rows: int = 0
    media: int = 0
    missing_media: list[str] = field(default_factory=list)
    size: int = 0


@contextmanager
def _snapshot():
    """One read-only transaction; on PostgreSQL REPEATABLE READ, so every table is one moment.

    Inside a transaction that is already open (a test's), its snapshot is the one read.
    On SQLite the transaction holds the database's lock, so no write lands half way.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # Copying the media files happens between statements, inside the snapshot:
                # a large media folder may take longer than the command budget's idle limit
                # (portal/database.py), and a read-only snapshot holds no row locks.
                cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        yield


def _check_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise BackupError(f"{path}: is a directory; name a file to write.")
    if path.exists() and not force:
        raise BackupError(f"{path}: already exists; use --force to replace it.")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory.")


def _copy_media(archive: zipfile.ZipFile, name: str) -> dict:
    digest = hashlib.sha256()
    size = 0
    member = zipfile.ZipInfo(f"media/{name}", date_time=timezone.now().timetuple()[:6])
    member.compress_type = zipfile.ZIP_DEFLATED
    with default_storage.open(name, "rb") as source, archive.open(member, "w") as target:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return {"name": name, "file": member.filename, "bytes": size, "sha256": digest.hexdigest()}


def _write_archive(handle, report: ExportReport) -> None:
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "django": django.get_version(),
        "excluded_tables": EXCLUDED_TABLES,
        "tables": [],
        "media": [],
        "media_missing": [],
    }
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive, _snapshot():
        manifest["migrations"] = schema_migrations()
        natural_keys = _natural_key_maps()
        files: set[str] = set()
        for model in backed_up_models():
            label = model._meta.label_lower
            rows = serialise_table(model, natural_keys)
            data = encode_rows(rows)
            member = f"tables/{label}.json"
            archive.writestr(member, data)
            manifest["tables"].append(
                {"model": label, "file": member, "rows": len(rows), "sha256": _sha256(data)}
            )
            files |= media_names(model, rows)
            report.tables += 1
            report.rows += len(rows)
        for name in sorted(files):
            # A row may point at a file someone removed by hand: say so rather than fail.
            if not default_storage.exists(name):
                manifest["media_missing"].append(name)
                continue
            manifest["media"].append(_copy_media(archive, name))
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
    report.media = len(manifest["media"])
    report.missing_media = manifest["media_missing"]


def portal_export(*, path: Path, force: bool = False) -> ExportReport:
    """Write the whole portal to `path`: a temporary file first, renamed when complete."""
    path = Path(path)
    _check_target(path, force)
    report = ExportReport(path=path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_archive(handle, report)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # it holds password hashes
        if force:
            os.replace(temporary, path)
        else:
            # link() refuses an existing name, so a file that appeared meanwhile is kept.
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise BackupError(f"{path}: already exists; use --force to replace it.") from None
            os.unlink(temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    report.size = path.stat().st_size
    logger.info("exported %s rows and %s media files to %s", report.rows, report.media, path)
    return report


# -- reading a backup back ------------------------------------------------------------------


@dataclass
class VerifiedBackup:
    """A backup whose manifest, tables and media all matched their checksums."""

    archive: zipfile.ZipFile
    manifest: dict
    tables: dict[type[models.Model], list[dict]]
    media: list[dict]


def _safe_media_name(name) -> bool:
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    parts = PurePosixPath(name).parts
    return not PurePosixPath(name).is_absolute() and all(p not in ("", ".", "..") for p in parts)


class _Reader:
    def __init__(self, path: Path, archive: zipfile.ZipFile):
        self.path = path
        self.archive = archive

    def fail(self, message: str) -> BackupError:
        return BackupError(f"{self.path}: {message}")

    def read(self, member: str) -> bytes:
        try:
            return self.archive.read(member)
        except KeyError:
            raise self.fail(f"the archive has no {member}; the backup is incomplete.") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise self.fail(f"{member} is damaged ({exc}).") from None

    def manifest(self) -> dict:
        try:
            manifest = json.loads(self.read(MANIFEST))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self.fail("manifest.json is not valid JSON; the file is damaged.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self.fail("not a Contours backup (its manifest names another format).")
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise self.fail(
                f"backup format version {version!r}; this Contours reads version "
                f"{FORMAT_VERSION} only."
            )
        for key, kind in (("tables", list), ("media", list), ("migrations", list)):
            if not isinstance(manifest.get(key), kind):
                raise self.fail(f"the manifest has no valid {key!r} list; the file is damaged.")
        return manifest

    def check_schema(self, manifest: dict) -> None:
        here = set(schema_migrations())
        there = {str(name) for name in manifest["migrations"]}
        if here != there:
            missing = sorted(there - here)
            extra = sorted(here - there)
            detail = "; ".join(
                part
                for part in (
                    f"not applied here: {', '.join(missing[:3])}" if missing else "",
                    f"newer here: {', '.join(extra[:3])}" if extra else "",
                )
                if part
            )
            raise self.fail(
                f"the backup was made with another database schema ({detail}); import it "
                "with the Contours version that made it, after `migrate`."
            )

    def tables(self, manifest: dict) -> dict[type[models.Model], list[dict]]:
        wanted = {model._meta.label_lower: model for model in backed_up_models()}
        found: dict[type[models.Model], list[dict]] = {}
        for entry in manifest["tables"]:
            if not isinstance(entry, dict) or not {"model", "file", "rows", "sha256"} <= set(entry):
                raise self.fail("the manifest lists a table without its file, rows or checksum.")
            label = entry["model"]
            model = wanted.get(label)
            if model is None:
                raise self.fail(f"the backup holds a table this portal has not: {label}.")
            if model in found:
                raise self.fail(f"the manifest lists table {label} twice.")
            data = self.read(str(entry["file"]))
            if _sha256(data) != entry["sha256"]:
                raise self.fail(
                    f"table {label} does not match its checksum; the file is damaged or was edited."
                )
            try:
                rows = json.loads(data)
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise self.fail(f"table {label} is not valid JSON.") from None
            if not isinstance(rows, list) or len(rows) != entry["rows"]:
                raise self.fail(f"table {label} does not hold the {entry['rows']} rows it should.")
            # Every row must belong to its own table: a file cannot carry rows of another.
            if any(not isinstance(row, dict) or row.get("model") != label for row in rows):
                raise self.fail(f"table {label} holds rows of another table.")
            found[model] = rows
        missing = sorted(label for label, model in wanted.items() if model not in found)
        if missing:
            raise self.fail(f"the backup has no table {', '.join(missing[:3])}; it is incomplete.")
        return found

    def media(self, manifest: dict) -> list[dict]:
        entries = []
        for entry in manifest["media"]:
            if not isinstance(entry, dict) or not _safe_media_name(entry.get("name")):
                raise self.fail("the manifest names a media file outside the media folder.")
            member = f"media/{entry['name']}"
            digest = hashlib.sha256()
            size = 0
            try:
                with self.archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
            except KeyError:
                raise self.fail(f"the archive has no {member}; the backup is incomplete.") from None
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise self.fail(f"{member} is damaged ({exc}).") from None
            if digest.hexdigest() != entry.get("sha256") or size != entry.get("bytes"):
                raise self.fail(
                    f"media file {entry['name']} does not match its checksum; the file is "
                    "damaged or was edited."
                )
            entries.append({"name": entry["name"], "file": member, "sha256": entry["sha256"]})
        return entries


@contextmanager
def verified_backup(path: Path):
    """Open the backup at `path` and check all of it before anything is written anywhere."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path}: no such file.")
    if not path.is_file():
        raise BackupError(f"{path}: not a file.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError(
            f"{path}: not a Contours backup (not a zip archive, or the file is damaged)."
        ) from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot read the file ({exc.strerror}).") from None
    with archive:
        reader = _Reader(path, archive)
        manifest = reader.manifest()
        reader.check_schema(manifest)
        tables = reader.tables(manifest)
        media = reader.media(manifest)
        yield VerifiedBackup(archive=archive, manifest=manifest, tables=tables, media=media)


def stored_file_sha256(name: str) -> str | None:
    """The SHA-256 of a file in media storage, or None if there is none."""
    if not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
