"""Media files: put in place only when their row commits; orphans listed and removed.

Every way a file reaches media is here: the import service (used by `import_source`), the
web upload, the admin upload, and a backup restore (tests/cooperation/test_backup.py).
A writer killed for real is in tests/trust/test_faults.py.
"""

from __future__ import annotations

import gc
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from cooperation import media
from cooperation.choices import Visibility
from cooperation.models import Source
from cooperation.services import source_import
from cooperation.services import sources as source_services
from cooperation.services.sources import original_file_name
from cooperation.text_extraction import text_sha256
from tests.admin.helpers import admin_form_data
from tests.factories import AnalystFactory, CuratorFactory, SourceFactory

# Transactional: files are put in place after COMMIT, which these tests must reach.
pytestmark = pytest.mark.django_db(transaction=True)

DATA = b"A brief about semiconductors.\n\nIndia and Japan agreed.\n"


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _orphans(*args: str) -> str:
    out = StringIO()
    call_command("media_orphans", *args, stdout=out)
    return out.getvalue()


def _dead_writer(name: str, data: bytes) -> media.StagedFile:
    """What a process killed after staging leaves on disk: the staged file, its lock free."""
    staged = media.stage(name, data)
    _, _, (_, lock), _ = staged._cleanup.detach()
    lock.close()
    return staged


def test_an_imported_original_is_in_place_after_commit_under_a_unique_name(own_media):
    source = source_import(data=DATA, filename="My Brief (final).txt", user=None)

    digest = text_sha256(DATA.decode())
    assert re.fullmatch(
        rf"sources/\d{{4}}/{digest[:16]}-My_Brief_final.txt", source.original_file.name
    )
    assert _media_files(own_media) == [source.original_file.name]
    with default_storage.open(source.original_file.name, "rb") as stored:
        assert stored.read() == DATA


def test_a_long_file_name_is_cut_to_fit_and_keeps_its_extension():
    name = original_file_name(digest="f" * 64, filename=f"{'x' * 300}.markdown")

    assert len(name) == Source._meta.get_field("original_file").max_length
    assert name.endswith(".markdown")


def test_an_import_failing_inside_its_transaction_leaves_no_file(own_media, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(source_services, "save_with_history", fail)

    with pytest.raises(RuntimeError):
        source_import(data=DATA, filename="brief.txt", user=None)

    assert not Source.all_objects.exists()
    assert _media_files(own_media) == []


def test_an_import_rolled_back_by_an_outer_transaction_leaves_no_file(own_media):
    with pytest.raises(RuntimeError), transaction.atomic():
        source_import(data=DATA, filename="brief.txt", user=None)
        raise RuntimeError("something after the import failed")
    gc.collect()  # the dropped commit hook held the staged file

    assert not Source.all_objects.exists()
    assert _media_files(own_media) == []


def test_a_web_upload_puts_its_original_in_place(client, own_media):
    client.force_login(AnalystFactory())
    upload = SimpleUploadedFile("upload.md", DATA, content_type="text/markdown")

    response = client.post("/sources/import/", {"file": upload, "title": "Uploaded"})

    assert response.status_code == 302
    source = Source.objects.get()
    assert _media_files(own_media) == [source.original_file.name]


def test_an_admin_upload_puts_its_original_in_place(client, own_media):
    client.force_login(CuratorFactory())
    url = "/admin/cooperation/source/add/"
    form = admin_form_data(client.get(url), title="", visibility=Visibility.INTERNAL)
    form["upload"] = SimpleUploadedFile("admin.txt", DATA, content_type="text/plain")

    response = client.post(url, form)

    assert response.status_code == 302
    source = Source.objects.get()
    assert _media_files(own_media) == [source.original_file.name]


def test_media_orphans_lists_by_default_and_removes_with_delete(own_media):
    kept = SourceFactory(keep_original=True)
    orphan = own_media / "sources" / "2024" / "left-behind.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.4 " + b"x" * 2048)
    dead = _dead_writer("sources/2026/0123456789abcdef-interrupted.txt", b"half an import")

    listed = _orphans()

    assert "orphan   sources/2024/left-behind.pdf (2.0 KB): no row names it" in listed
    assert (
        f"staged   .staging/{dead.directory.name} for sources/2026/0123456789abcdef-"
        "interrupted.txt (14 bytes), left by an interrupted write: will be removed"
    ) in listed
    assert listed.endswith(
        "Dry run: nothing changed. `manage.py media_orphans --delete` would remove 2 files "
        "(2.0 KB).\n"
    )
    assert orphan.exists() and dead.directory.exists()

    deleted = _orphans("--delete")

    assert deleted.endswith("Removed 2 files (2.0 KB).\n")
    assert _media_files(own_media) == [kept.original_file.name]
    assert _orphans() == "No orphan files and no interrupted writes.\n"


def test_a_file_staged_by_a_writer_killed_after_commit_is_put_back(own_media):
    """The one window left: the row committed, the writer died before linking its file."""
    source = SourceFactory(keep_original=True)
    name = source.original_file.name
    with default_storage.open(name, "rb") as stored:
        data = stored.read()
    default_storage.delete(name)
    dead = _dead_writer(name, data)

    listed = _orphans()
    assert "will be put in place (a row names it and it is missing)" in listed
    assert "missing" not in listed.replace("it is missing", "")
    assert listed.endswith("would remove 0 files (0 bytes) and put 1 back in place.\n")

    assert _orphans("--delete").endswith("and put 1 back in place.\n")
    assert not dead.directory.exists()
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == data


def test_a_file_a_row_names_but_nobody_can_restore_is_reported_missing(own_media):
    source = SourceFactory(keep_original=True)
    default_storage.delete(source.original_file.name)

    assert f"missing  {source.original_file.name}: a row names it" in _orphans()


def test_the_next_import_cleans_up_after_a_dead_writer_and_spares_live_ones(own_media):
    dead = _dead_writer("sources/2026/aaaaaaaaaaaaaaaa-dead.txt", b"abandoned")
    alive = media.stage("sources/2026/bbbbbbbbbbbbbbbb-alive.txt", b"in flight")

    source = source_import(data=DATA, filename="next.txt", user=None)

    assert not dead.directory.exists()
    assert alive.directory.exists()  # its writer still holds the lock
    assert _orphans() == "No orphan files and no interrupted writes.\n"
    alive.discard()
    assert _media_files(own_media) == [source.original_file.name]
