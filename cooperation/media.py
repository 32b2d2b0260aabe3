"""Files in media storage that a crash never leaves half-done: staged, then published on commit.

Every file the portal keeps (the original of an imported brief, or one restored from a
backup) is written in two steps around the transaction that saves the row naming it:

1. `stage()`, before or inside the transaction: the bytes go to a directory of their own
   under MEDIA_ROOT/.staging/, are flushed to disk, and the final name goes beside them.
   The directory holds a lock (flock) for as long as the writing process lives.
2. `publish_on_commit()`: once the transaction has committed, the file is linked under its
   final name and the staging directory removed. If the transaction rolls back instead,
   the staging directory is removed (`discard()`, or when the staged file is dropped).

Why this order rather than "write, then save the row" (what the portal did before, and
what left two 19.9 MB originals behind when an import was killed during its INSERT):
a crash before COMMIT now leaves only a staging directory, never a file in media proper;
and a committed row never points at a file that was not fully written. The one window
left, a crash after COMMIT but before the link, leaves the row's file in staging, where
`abandoned_staging()` finds it and `media_orphans --delete` (or the next import) puts it
in place. Final names are unique per source (they carry the text's SHA-256, which the
database keeps unique), so two imports never publish onto one name.

A staging directory whose lock can be taken belongs to a process that is gone: the next
`stage()` and `manage.py media_orphans` clean such directories up. `media_report()` also
lists files in media that no row names (orphans, e.g. from before this scheme).

This works on FileSystemStorage (MEDIA_ROOT), which is what Contours uses.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models, transaction

logger = logging.getLogger(__name__)

STAGING = ".staging"
# What becomes of a staged file whose writer died (see `plan`).
RESTORE, REMOVE, KEEP = "restore", "remove", "keep"
_FILE, _NAME, _LOCK = "file", "name", ".lock"
_CHUNK = 1024 * 1024


def _root() -> Path:
    return Path(default_storage.location)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_staging(directory: Path, lock) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    lock.close()


def _same_content(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as left, b.open("rb") as right:
        while chunk := left.read(_CHUNK):
            if chunk != right.read(len(chunk)):
                return False
    return True


def _link(staged: Path, name: str) -> bool:
    """Put `staged` in place as media file `name`; never overwrites a different file."""
    final = _root() / name
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(staged, final)
    except FileExistsError:
        if not _same_content(staged, final):
            logger.error("media: %s exists with other content; the staged copy is kept", name)
            return False
    _fsync_directory(final.parent)
    return True


class StagedFile:
    """A file written to staging, waiting for its row's transaction to commit."""

    def __init__(self, name: str, directory: Path, lock):
        self.name = name
        self.directory = directory
        # Runs once: on publish, on discard, or when this object is dropped (e.g. a
        # transaction rolled back and Django dropped its on_commit callbacks).
        self._cleanup = weakref.finalize(self, _remove_staging, directory, lock)

    @property
    def path(self) -> Path:
        return self.directory / _FILE

    def publish(self) -> None:
        """Link the file under its final name (after COMMIT); never raises."""
        try:
            published = _link(self.path, self.name)
        except OSError:
            logger.exception("media: could not publish %s; the staged copy is kept", self.name)
            return
        if published:
            self._cleanup()
        else:
            self._cleanup.detach()  # keep the staged copy for `media_orphans`

    def publish_on_commit(self) -> None:
        transaction.on_commit(self.publish, robust=True)

    def discard(self) -> None:
        self._cleanup()


def _locked_directory() -> tuple[Path, object]:
    """A new staging directory, and its lock held by us."""
    while True:
        directory = _root() / STAGING / uuid.uuid4().hex
        directory.mkdir(parents=True)
        lock = (directory / _LOCK).open("a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Between mkdir and flock a sweeper may have taken the lock of this (then unowned)
        # directory and removed it; it holds the lock while removing, so once we hold it,
        # the directory is either still ours or gone. If gone, start again.
        try:
            if os.stat(directory / _LOCK).st_ino == os.fstat(lock.fileno()).st_ino:
                return directory, lock
        except FileNotFoundError:
            pass
        lock.close()


def stage(name: str, content) -> StagedFile:
    """Write `content` (bytes or a binary stream) to staging, to become media file `name`."""
    sweep_abandoned_staging()
    directory, lock = _locked_directory()
    staged = StagedFile(name, directory, lock)
    with staged.path.open("xb") as out:
        if isinstance(content, bytes):
            out.write(content)
        else:
            shutil.copyfileobj(content, out, _CHUNK)
        out.flush()
        os.fsync(out.fileno())
    (directory / _NAME).write_text(name, encoding="utf-8")
    _fsync_directory(directory)
    return staged


# -- what media holds, and what the rows name -----------------------------------------------


def _file_columns():
    """(manager, column) of every field naming a media file, history rows included."""
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                yield model._base_manager, model_field.attname
                history = getattr(model, "history", None)
                if history is not None:
                    yield history.model._base_manager, model_field.attname


def named_files() -> set[str]:
    names: set[str] = set()
    for manager, column in _file_columns():
        names.update(manager.exclude(**{column: ""}).values_list(column, flat=True))
    names.discard(None)
    return names


def stored_files() -> dict[str, int]:
    """Every file in media proper (staging aside): name → size in bytes."""
    root = _root()
    found = {}
    if not root.is_dir():
        return found
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        if here == root:
            subdirectories[:] = [d for d in subdirectories if d != STAGING]
        for file_name in files:
            path = here / file_name
            found[PurePosixPath(*path.relative_to(root).parts).as_posix()] = path.stat().st_size
    return found


@dataclass
class Abandoned:
    """A staging directory whose writer is gone; we hold its lock until `release()`."""

    directory: Path
    name: str  # the media name it was meant for ("" if unreadable)
    size: int
    lock: object = field(repr=False, default=None)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def _abandoned(directory: Path) -> Abandoned | None:
    try:
        lock = (directory / _LOCK).open("a")
    except OSError:
        return None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None  # its writer is alive
    try:
        name = (directory / _NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        name = ""
    staged = directory / _FILE
    size = staged.stat().st_size if staged.exists() else 0
    return Abandoned(directory, name, size, lock)


def abandoned_staging() -> list[Abandoned]:
    staging = _root() / STAGING
    if not staging.is_dir():
        return []
    found = []
    for directory in sorted(staging.iterdir()):
        if directory.is_dir() and (item := _abandoned(directory)) is not None:
            found.append(item)
    return found


@dataclass
class MediaReport:
    orphans: dict[str, int] = field(default_factory=dict)  # in media, named by no row
    missing: list[str] = field(default_factory=list)  # named by a row, not in media
    # What to do with each abandoned staged file (see `plan`).
    actions: list[tuple[Abandoned, str]] = field(default_factory=list)

    @property
    def restorable(self) -> set[str]:
        return {item.name for item, action in self.actions if action == RESTORE}


def media_report() -> MediaReport:
    # Files are listed before rows: a file is linked only after its row committed, so a
    # file present now has its row visible to the query below (no false orphans).
    stored = stored_files()
    abandoned = abandoned_staging()
    named = named_files()
    report = MediaReport(
        orphans={name: size for name, size in sorted(stored.items()) if name not in named},
        missing=sorted(name for name in named if name not in stored),
    )
    report.actions = [(item, plan(item, named)) for item in abandoned]
    return report


def plan(item: Abandoned, named: set[str]) -> str:
    """What to do with an abandoned staged file, given the media names rows hold.

    Restore it if a row names it and it is missing (the writer died after COMMIT); remove it
    if no row names it (the writer died before COMMIT) or the same file is in place; keep it
    (and say so) in the one case that needs a person: a different file under its name.
    """
    if item.name not in named:
        return REMOVE
    final = _root() / item.name
    if not final.exists():
        return RESTORE
    return REMOVE if _same_content(item.directory / _FILE, final) else KEEP


def resolve_abandoned(item: Abandoned, action: str) -> bool:
    """Carry out `plan()`'s action; True if the staging directory is gone."""
    try:
        if action == KEEP or (action == RESTORE and not _link(item.directory / _FILE, item.name)):
            return False
        shutil.rmtree(item.directory, ignore_errors=True)  # still under its lock
        return True
    finally:
        item.release()


def sweep_abandoned_staging() -> None:
    """Clean up after writers that died: restore what a committed row needs, remove the rest.

    Runs before each new staged write; cheap when, as usual, staging is empty.
    """
    abandoned = abandoned_staging()
    if not abandoned:
        return
    named = named_files()
    for item in abandoned:
        action = plan(item, named)
        resolve_abandoned(item, action)
        logger.warning(
            "media: %s staged file left by an interrupted write (%s)",
            {RESTORE: "restored", REMOVE: "removed", KEEP: "kept, for a person to check,"}[action],
            item.name or item.directory.name,
        )


def delete_orphan(name: str) -> None:
    default_storage.delete(name)
