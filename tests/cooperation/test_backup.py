"""`export_data FILE` and `import_data FILE`: the whole portal round-trips, and bad input
is refused in one line with the database and media storage unchanged.

The round trip compares every row of every table, read straight from the database with
`values()` (not with the backup's own serializer), before the export and after the import.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import zipfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.roles import ROLES
from accounts.services import api_token_create, user_set_password
from cooperation.backup import archive as backup_module
from cooperation.backup import restore as backup_services
from cooperation.choices import RecommendationStatus, ResponseClassification
from cooperation.media import STAGING
from cooperation.models import Actor, Agreement, Excerpt, Recommendation, Source
from cooperation.services import (
    annotation_create,
    annotation_resolve,
    evidence_attach,
    recommendation_response_record,
    recommendation_transition,
    saved_view_create,
    saved_view_rename,
    status_proposal_create,
    status_proposal_decide,
    tracked_delete,
    tracked_restore_version,
    tracked_update,
)
from cooperation.services.tags import annotation_tags_set, record_tags_change, tag_create
from cooperation.text_extraction import text_sha256
from tests.factories import (
    PASSWORD,
    ActorFactory,
    AdminFactory,
    AnalystFactory,
    CuratorFactory,
    ExcerptFactory,
    PartnerFactory,
    SourceFactory,
)
from tests.utils import clean_env, model_counts, run_python, subprocess_database_url

# What a backup leaves out, decided here independently of cooperation.backup.
NOT_STATE = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group_permissions",
    "sessions.session",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accessfailurelog",
    "axes.accesslog",
    "cooperation.idempotencykey",
}
# Left out of a backup too, but state all the same: PostgreSQL's trigger writes each
# record's words again as the record is restored, so a restored database holds the same.
REBUILT = {
    "cooperation.agreementsearchterm",
    "cooperation.dealsearchterm",
    "cooperation.challengesearchterm",
    "cooperation.recommendationsearchterm",
}
# Tables the portal below must fill, so the comparison cannot pass on empty tables.
MUST_HOLD_ROWS = {
    "cooperation.savedview",
    "cooperation.historicalsavedview",
    "accounts.user",
    "accounts.user_groups",
    "accounts.historicaluser",
    "accounts.historicaluser_groups",
    "accounts.organisation",
    "accounts.apitoken",
    "accounts.historicalapitoken",
    "auth.group",
    "cooperation.source",
    "cooperation.historicalsource",
    "cooperation.excerpt",
    "cooperation.actor",
    "cooperation.topic",
    "cooperation.tag",
    "cooperation.historicaltag",
    "cooperation.agreement_tags",
    "cooperation.historicalagreement_tags",
    "cooperation.annotation_tags",
    "cooperation.historicalannotation_tags",
    "cooperation.agreement",
    "cooperation.agreement_actors",
    "cooperation.historicalagreement",
    "cooperation.historicalagreement_actors",
    "cooperation.deal",
    "cooperation.challenge",
    "cooperation.recommendation",
    "cooperation.recommendation_addresses",
    "cooperation.recordevidence",
    "cooperation.annotation",
    "cooperation.historicalannotation",
    "cooperation.recommendationstatuschange",
    "cooperation.statusproposal",
    "cooperation.historicalstatusproposal",
    "cooperation.recommendationresponse",
}


# -- reading the whole database independently -----------------------------------------------


def _natural(model, pk):
    if pk is None:
        return None
    if model is ContentType:
        return tuple(ContentType.objects.get(pk=pk).natural_key())
    if model is Permission:
        return tuple(Permission.objects.get(pk=pk).natural_key())
    return ("group", Group.objects.get(pk=pk).name)


def _rows(model) -> list[dict]:
    """Every row, with ids of what migrate makes (which differ between databases) as names."""
    natural_fields = {
        field.attname: field.remote_field.model
        for field in model._meta.concrete_fields
        if field.remote_field and field.remote_field.model in (ContentType, Permission, Group)
    }
    rows = []
    for row in model._base_manager.order_by("pk").values():
        for attname, target in natural_fields.items():
            row[attname] = _natural(target, row[attname])
        rows.append(row)
    return rows


def _snapshot() -> dict[str, list]:
    ContentType.objects.clear_cache()
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in NOT_STATE:
            continue
        if model is Group:
            tables[label] = sorted(
                (group.name, sorted(p.natural_key() for p in group.permissions.all()))
                for group in Group.objects.all()
            )
        else:
            tables[label] = _rows(model)
    return tables


def _media_files() -> dict[str, bytes]:
    names = {s.original_file.name for s in Source.all_objects.all() if s.original_file}
    return {name: _read_media(name) for name in names}


def _read_media(name: str) -> bytes:
    with default_storage.open(name, "rb") as stream:
        return stream.read()


# -- building a portal with something in every table ----------------------------------------


def _build_portal() -> dict:
    call_command("load_demo", stdout=StringIO())
    admin = AdminFactory(full_name="Ada Admin")
    curator = CuratorFactory(full_name="Chandra Curator")
    analyst = AnalystFactory(full_name="Aiko Analyst")
    partner = PartnerFactory(full_name="Priya Partner")
    user_set_password(user=analyst, password="a-changed-passphrase-99", actor=analyst)
    _, token = api_token_create(user=partner, name="nightly sync", actor=admin)

    agreement = Agreement.objects.order_by("pk").first()
    recommendation = Recommendation.objects.order_by("pk").first()
    excerpt = Excerpt.objects.order_by("pk").first()
    actor = Actor.objects.order_by("pk").last()

    note = annotation_create(author=analyst, body="Is this **the** 2015 text?", record=agreement)
    reply = annotation_create(author=curator, body="Yes.", parent=note)
    annotation_create(author=analyst, body="Thanks.", parent=reply)
    annotation_resolve(annotation=note, user=curator)
    annotation_create(author=curator, body="Key passage.", excerpt=excerpt)
    # Tags, on a record and on a note, with their history rows.
    tag = tag_create(user=analyst, name="Follow up")
    annotation_tags_set(annotation=note, user=analyst, tags=[tag])

    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Taken up for review.",
        evidence_excerpt=excerpt,
    )
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=RecommendationStatus.ACCEPTED,
        user=analyst,
        note="The ministry agreed.",
        evidence_url="https://example.org/reply",
    )
    status_proposal_decide(proposal=proposal, user=curator, approve=True, note="Agreed.")
    recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.INTERIM_REPLY,
        responded_on=date(2025, 3, 1),
        user=curator,
        note="Interim reply received.",
    )

    first_version = agreement.history.order_by("history_id").first().history_id
    agreement = tracked_update(
        instance=agreement,
        user=analyst,
        data={"title": agreement.title + " (edited)", "actors": [actor]},
        expected_version=agreement.version,
    )
    tracked_restore_version(instance=agreement, history_id=first_version, user=curator)
    # After the restore, which brings back the first version's links (no tags).
    agreement = record_tags_change(record=agreement, user=analyst, add=[tag])

    extra = SourceFactory(keep_original=True, user=curator)
    link = evidence_attach(
        record=agreement, excerpt=ExcerptFactory(source=extra, user=analyst), user=analyst
    )
    tracked_delete(instance=link, user=curator)
    tracked_delete(instance=ActorFactory(user=analyst), user=None)
    saved_view = saved_view_create(
        user=analyst, list_key="deal", name="Signed deals", query="status=signed", shared=True
    )
    saved_view_rename(saved_view=saved_view, user=analyst, name="Deals signed")
    return {"token": token, "analyst": analyst, "partner": partner, "extra_source": extra}


def _shifted_empty_portal() -> None:
    """A freshly migrated, empty portal whose content types, permissions and groups have
    other ids than the exporting one had, as on another machine."""
    # Inside a test's transaction PostgreSQL refuses to TRUNCATE tables with deferred
    # foreign-key checks pending; running the checks now clears them.
    connection.check_constraints()
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    ContentType.objects.clear_cache()
    ContentType.objects.create(app_label="backup_test", model="shift")
    shift = Group.objects.create(name="shift")
    emit_post_migrate_signal(0, False, "default")
    shift.delete()


def _export(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("export_data", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _staging() -> list[str]:
    """What is in media's staging area (cooperation/media.py)."""
    staging = Path(default_storage.location) / STAGING
    return sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []


def _import(path: Path) -> str:
    out = StringIO()
    call_command("import_data", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


# -- the round trip -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_round_trip_restores_every_row_of_every_table(tmp_path, client, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    built = _build_portal()
    before = _snapshot()
    media_before = _media_files()
    agreement_type_id = ContentType.objects.get_for_model(Agreement).pk
    assert {label for label, rows in before.items() if rows} >= MUST_HOLD_ROWS
    assert len(media_before) == 2

    output = _export(tmp_path / "portal.zip")
    assert "media files to" in output

    _shifted_empty_portal()
    for name in media_before:
        default_storage.delete(name)
    assert ContentType.objects.get_for_model(Agreement).pk != agreement_type_id
    assert not User.objects.exists()

    output = _import(tmp_path / "portal.zip")

    after = _snapshot()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    imported = sum(len(rows) for label, rows in before.items() if label not in REBUILT)
    assert output.startswith(f"Imported {imported:,} rows into")
    if connection.vendor == "postgresql":  # the records' words, written again by the trigger
        assert all(before[label] for label in REBUILT)
    assert _media_files() == media_before
    for source in Source.all_objects.all():
        assert text_sha256(source.text) == source.sha256
    extra = Source.objects.get(pk=built["extra_source"].pk)
    assert _read_media(extra.original_file.name) == media_before[extra.original_file.name]

    # People and partners get back in with what they had.
    credentials = {"username": built["analyst"].email, "password": "a-changed-passphrase-99"}
    response = client.post(reverse("login"), credentials)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(built["analyst"].pk)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {built['token']}")
    assert api.get("/api/v1/sources/").status_code == 200

    # Sequences were moved past the restored ids: new rows get new ids.
    assert ActorFactory().pk > max(row["id"] for row in before["cooperation.actor"])
    _, token = api_token_create(user=built["partner"], name="after restore")
    assert ApiToken.objects.count() == 2
    assert token != built["token"]


@pytest.mark.django_db(transaction=True)
def test_backup_export_reads_one_snapshot_and_writes_nothing(tmp_path):
    AnalystFactory()
    counts = model_counts()

    _export(tmp_path / "a.zip")

    assert model_counts() == counts
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        users = archive.read("tables/accounts.user.json")
    assert manifest["format"] == "contours-backup" and manifest["format_version"] == 1
    entry = next(t for t in manifest["tables"] if t["model"] == "accounts.user")
    assert entry["rows"] == 1 and entry["sha256"] == hashlib.sha256(users).hexdigest()
    exported = {t["model"] for t in manifest["tables"]}
    expected = {m._meta.label_lower for m in apps.get_models(include_auto_created=True)}
    assert exported == expected - NOT_STATE - REBUILT
    assert set(manifest["excluded_tables"]) == NOT_STATE | REBUILT
    # Password hashes, never passwords; token hashes, never tokens.
    row = json.loads(users)[0]["fields"]
    assert row["password"].startswith("md5$") and PASSWORD not in users.decode()
    assert (tmp_path / "a.zip").stat().st_mode & 0o077 == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_from_sqlite_imports_into_postgresql(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL as the test database")
    # Production settings: the test settings' media folder would vanish with each process.
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY="cross-database-test-key",
    )
    for args in (["migrate", "-v0"], ["load_demo"], ["export_data", str(tmp_path / "s.zip")]):
        result = run_python(["manage.py", *args], env)
        assert result.returncode == 0, result.stderr

    _import(tmp_path / "s.zip")

    source = Source.objects.get()
    assert source.sha256 == text_sha256(source.text)
    original = tmp_path / "var" / "media" / source.original_file.name
    assert _read_media(source.original_file.name) == original.read_bytes()
    assert Agreement.objects.count() > 0
    assert Excerpt.objects.count() > 0
    assert ActorFactory().pk > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_export_reads_postgresql_in_one_repeatable_read_snapshot(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL as the test database")
    ActorFactory()
    real = backup_module.serialise_table
    seen = set()

    def spy(model, natural_keys):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('transaction_isolation'), "
                "current_setting('transaction_read_only'), now(), "
                "current_setting('idle_in_transaction_session_timeout')"
            )
            seen.add(cursor.fetchone())
        if model is Actor and len(seen) == 1:
            # Someone saves while the export runs; the snapshot must not see it.
            thread = threading.Thread(target=_create_actor_elsewhere)
            thread.start()
            thread.join()
        return real(model, natural_keys)

    monkeypatch.setattr(backup_module, "serialise_table", spy)

    _export(tmp_path / "a.zip")

    assert len(seen) == 1  # now() is the transaction's start: one transaction throughout
    isolation, read_only, _, idle_limit = seen.pop()
    assert (isolation, read_only) == ("repeatable read", "on")
    # Copying media between statements may outlast the idle limit: none inside the snapshot.
    assert idle_limit == "0"
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        actors = json.loads(archive.read("tables/cooperation.actor.json"))
    assert len(actors) == 1
    assert Actor.objects.count() == 2


def _create_actor_elsewhere():
    try:
        ActorFactory()
    finally:
        connection.close()


# -- export refusals ------------------------------------------------------------------------


@pytest.mark.django_db
def test_backup_export_refuses_an_existing_file_unless_forced(tmp_path):
    path = tmp_path / "portal.zip"
    path.write_bytes(b"an older backup")

    with pytest.raises(CommandError, match="already exists; use --force"):
        _export(path)
    assert path.read_bytes() == b"an older backup"

    _export(path, "--force")
    assert zipfile.is_zipfile(path)


@pytest.mark.django_db
def test_backup_export_failing_half_way_leaves_no_file(tmp_path, monkeypatch):
    def broken(model, natural_keys):
        raise OSError("disk full")

    monkeypatch.setattr(backup_module, "serialise_table", broken)

    with pytest.raises(CommandError, match="cannot write the backup"):
        _export(tmp_path / "portal.zip")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_backup_export_names_an_original_file_gone_from_media(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):  # the file is put in place
        source = SourceFactory(keep_original=True)
    assert default_storage.exists(source.original_file.name)
    default_storage.delete(source.original_file.name)
    err = StringIO()

    call_command("export_data", str(tmp_path / "a.zip"), stdout=StringIO(), stderr=err)

    assert err.getvalue() == (
        f"warning: {source.original_file.name} is named by a source but missing from media.\n"
    )
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["media"], manifest["media_missing"]) == ([], [source.original_file.name])


@pytest.mark.django_db
def test_backup_export_refuses_a_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="no such directory"):
        _export(tmp_path / "nowhere" / "portal.zip")


# -- import refusals ------------------------------------------------------------------------


def _rewrite(path: Path, change) -> None:
    """Rewrite the archive at `path`: `change(members)` edits a dict of name -> bytes."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _edit_manifest(edit):
    def change(members):
        manifest = json.loads(members["manifest.json"])
        edit(manifest)
        members["manifest.json"] = json.dumps(manifest).encode()

    return change


def _edit_table(label, edit, *, fix_checksum):
    def change(members):
        member = f"tables/{label}.json"
        rows = json.loads(members[member])
        edit(rows)
        members[member] = json.dumps(rows).encode()
        if fix_checksum:
            manifest = json.loads(members["manifest.json"])
            entry = next(t for t in manifest["tables"] if t["model"] == label)
            entry["sha256"] = hashlib.sha256(members[member]).hexdigest()
            members["manifest.json"] = json.dumps(manifest).encode()

    return change


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _set_key(key, value):
    return lambda manifest: manifest.update({key: value})


def _bad_table_checksum(manifest):
    manifest["tables"][3]["sha256"] = "0" * 64


def _bad_media_checksum(manifest):
    manifest["media"][0]["sha256"] = "0" * 64


def _other_schema(manifest):
    manifest["migrations"].append("cooperation.9999_from_the_future")


def _change_email(rows):
    rows[0]["fields"]["email"] = "mallory@example.org"


def _smuggle_row(rows):
    rows[0]["model"] = "accounts.user"


def _break_quote(rows):
    rows[0]["fields"]["exact"] = rows[0]["fields"]["exact"] + "!"


def _unknown_field(rows):
    rows[0]["fields"]["shoe_size"] = 42


def _dangling_author(rows):
    rows[0]["fields"]["author"] = 987654


def _drop_member(name):
    return lambda members: members.pop(name)


def _media_escape(manifest):
    manifest["media"][0]["name"] = "../../etc/passwd"


ARCHIVE_REFUSALS = {
    "not a zip": (lambda p: p.write_bytes(b"just text\n"), "not a zip archive"),
    "truncated": (_truncate, "not a zip archive, or the file is damaged"),
    "no manifest": (lambda p: _rewrite(p, _drop_member("manifest.json")), "no manifest.json"),
    "manifest not json": (
        lambda p: _rewrite(p, lambda m: m.update({"manifest.json": b"{"})),
        "manifest.json is not valid JSON",
    ),
    "other format": (
        lambda p: _rewrite(p, _edit_manifest(_set_key("format", "tarball"))),
        "not a Contours backup",
    ),
    "wrong version": (
        lambda p: _rewrite(p, _edit_manifest(_set_key("format_version", 2))),
        "backup format version 2; this Contours reads version 1 only",
    ),
    "other schema": (
        lambda p: _rewrite(p, _edit_manifest(_other_schema)),
        "another database schema (not applied here: cooperation.9999_from_the_future)",
    ),
    "tampered checksum": (
        lambda p: _rewrite(p, _edit_manifest(_bad_table_checksum)),
        "does not match its checksum",
    ),
    "tampered table": (
        lambda p: _rewrite(p, _edit_table("accounts.user", _change_email, fix_checksum=False)),
        "table accounts.user does not match its checksum",
    ),
    "row of another table": (
        lambda p: _rewrite(
            p, _edit_table("cooperation.annotation", _smuggle_row, fix_checksum=True)
        ),
        "table cooperation.annotation holds rows of another table",
    ),
    "missing table": (
        lambda p: _rewrite(p, _drop_member("tables/cooperation.excerpt.json")),
        "has no tables/cooperation.excerpt.json",
    ),
    "tampered media": (
        lambda p: _rewrite(p, _edit_manifest(_bad_media_checksum)),
        "media file sources/",
    ),
    "media outside media": (
        lambda p: _rewrite(p, _edit_manifest(_media_escape)),
        "outside the media folder",
    ),
    # These pass every check and fail while writing: the transaction undoes the rows.
    "evidence off its text": (
        lambda p: _rewrite(p, _edit_table("cooperation.excerpt", _break_quote, fix_checksum=True)),
        "quote no longer matches its text",
    ),
    "unknown field": (
        lambda p: _rewrite(p, _edit_table("accounts.user", _unknown_field, fix_checksum=True)),
        "does not fit this database; nothing was imported",
    ),
    "dangling link": (
        lambda p: _rewrite(
            p, _edit_table("cooperation.annotation", _dangling_author, fix_checksum=True)
        ),
        "does not fit this database; nothing was imported",
    ),
}


@pytest.fixture(scope="module")
def small_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """A backup of a portal with a user, a source with its file, an excerpt and a note.

    Made once: the rows are built and exported inside a transaction that is rolled back,
    and the file removed, so the database and media are empty again for every import.
    """
    path = tmp_path_factory.mktemp("backup") / "small.zip"
    with django_db_blocker.unblock(), transaction.atomic():
        analyst = AnalystFactory()
        # The original is put in place on commit; this transaction never commits.
        with TestCase.captureOnCommitCallbacks(execute=True):
            source = SourceFactory(keep_original=True)
        assert default_storage.exists(source.original_file.name)
        annotation_create(author=analyst, body="A note.", excerpt=ExcerptFactory(source=source))
        _export(path)
        default_storage.delete(source.original_file.name)
        transaction.set_rollback(True)
    return path, source.original_file.name


@pytest.fixture
def backup_of_a_small_portal(db, small_backup, tmp_path, settings):
    """A copy of the small backup (tests damage it), the media file it brings, and an
    empty media folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path, media_name = small_backup
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    assert not User.objects.exists()
    return copy, media_name


@pytest.mark.parametrize("case", ARCHIVE_REFUSALS, ids=list(ARCHIVE_REFUSALS))
def test_backup_import_refuses_a_bad_archive_and_changes_nothing(backup_of_a_small_portal, case):
    path, media_name = backup_of_a_small_portal
    damage, message = ARCHIVE_REFUSALS[case]
    damage(path)
    counts = model_counts()

    with pytest.raises(CommandError) as refused:
        _import(path)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert model_counts() == counts
    assert not default_storage.exists(media_name)
    assert _staging() == []


def test_backup_import_of_an_intact_archive_passes_after_the_same_preparation(
    backup_of_a_small_portal, django_capture_on_commit_callbacks
):
    # The control for the refusals above: undamaged, the same archive imports.
    path, media_name = backup_of_a_small_portal

    with django_capture_on_commit_callbacks(execute=True) as on_commit:
        _import(path)
        # Staged, not yet in media: the file is put in place when the restore commits.
        assert not default_storage.exists(media_name) and len(_staging()) == 1

    assert len(on_commit) == 1
    assert User.objects.count() == 1
    assert default_storage.exists(media_name) and _staging() == []


def test_backup_import_failing_after_the_media_removes_them_and_the_rows(
    backup_of_a_small_portal, monkeypatch
):
    path, media_name = backup_of_a_small_portal
    real = backup_services._write_media

    def then_fail(*args):
        real(*args)
        assert len(_staging()) == 1  # written, waiting for the commit
        raise OSError("disk full")

    monkeypatch.setattr(backup_services, "_write_media", then_fail)
    counts = model_counts()

    with pytest.raises(CommandError, match=r"nothing was imported \(disk full\)"):
        _import(path)

    assert model_counts() == counts
    assert not default_storage.exists(media_name)
    assert _staging() == []


def test_backup_import_refuses_a_portal_that_is_not_empty(backup_of_a_small_portal):
    path, media_name = backup_of_a_small_portal
    AnalystFactory()
    counts = model_counts()

    with pytest.raises(CommandError, match=r"this portal is not empty \(it has users"):
        _import(path)

    assert model_counts() == counts
    assert not default_storage.exists(media_name)


def test_backup_import_allows_only_the_role_groups(backup_of_a_small_portal):
    path, _ = backup_of_a_small_portal
    Group.objects.create(name="reviewers")

    with pytest.raises(CommandError, match=r"not empty \(it has groups"):
        _import(path)

    assert set(Group.objects.values_list("name", flat=True)) == {*ROLES, "reviewers"}


def test_backup_import_refuses_a_different_file_under_a_media_name(backup_of_a_small_portal):
    path, media_name = backup_of_a_small_portal
    default_storage.save(media_name, io.BytesIO(b"someone else's file"))
    counts = model_counts()

    with pytest.raises(CommandError, match="already holds a different"):
        _import(path)

    assert model_counts() == counts
    assert _read_media(media_name) == b"someone else's file"


@pytest.mark.django_db
def test_backup_import_refuses_a_missing_file(tmp_path):
    counts = model_counts()

    with pytest.raises(CommandError, match="no such file"):
        _import(tmp_path / "absent.zip")

    assert model_counts() == counts


# -- as real processes: exit status and one stderr line -------------------------------------


# Transactional: on SQLite a test's open transaction would lock the processes out.
@pytest.mark.django_db(transaction=True)
def test_backup_commands_refuse_in_one_stderr_line_as_processes(tmp_path):
    env = clean_env(
        tmp_path,
        DATABASE_URL=subprocess_database_url(),
        DJANGO_SETTINGS_MODULE="portal.settings_test",
    )
    existing = tmp_path / "existing.zip"
    existing.write_bytes(b"not a backup")
    cases = [
        (["import_data", str(tmp_path / "absent.zip")], "no such file"),
        (["import_data", str(existing)], "not a zip archive"),
        (["export_data", str(existing)], "already exists; use --force"),
        (["import_data"], "the following arguments are required: file"),
    ]
    for args, message in cases:
        result = run_python(["manage.py", *args], env)

        assert result.returncode != 0, args
        lines = result.stderr.splitlines()
        assert len(lines) == 1, f"{args}: {result.stderr}"
        assert message in lines[0], args
        assert "Traceback" not in result.stderr
    assert existing.read_bytes() == b"not a backup"
