"""`manage.py import_source PATH`: through call_command and as a real process.

Every refusal must be one clear line (a CommandError, or exit status 1 with a single
stderr line and no traceback) and must leave every table, history included, unchanged.
"""

from __future__ import annotations

import hashlib
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from cooperation.choices import SourceFormat, Visibility
from cooperation.models import Source
from cooperation.services import source_import
from tests.cooperation.source_files import GOOD_PDF_PAGES, bad_files
from tests.utils import clean_env, make_pdf, model_counts, run_python, subprocess_database_url

BAD_FILES = bad_files()


def _import(*args: str) -> str:
    out = StringIO()
    call_command("import_source", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# -- call_command: files that import ----------------------------------------------------------


@pytest.mark.django_db
def test_import_source_imports_a_text_file_with_its_metadata(tmp_path):
    path = tmp_path / "contours.txt"
    path.write_bytes("Future Contours\r\n\r\nIndia–Japan cooperation.\r\n".encode())

    output = _import(
        str(path),
        "--title=Future Contours",
        "--publisher=CENJOWS",
        "--authors=Dr Ulupi Borah",
        "--reference=GL/31/24",
        "--date=2024-11-21",
        "--visibility=published",
    )

    source = Source.objects.get()
    assert source.text == "Future Contours\r\n\r\nIndia–Japan cooperation.\r\n"
    assert (source.title, source.publisher, source.authors, source.reference_code) == (
        "Future Contours",
        "CENJOWS",
        "Dr Ulupi Borah",
        "GL/31/24",
    )
    assert (source.published_on, source.visibility, source.format) == (
        date(2024, 11, 21),
        Visibility.PUBLISHED,
        SourceFormat.TEXT,
    )
    assert source.history.get().history_change_reason == "Imported contours.txt"
    assert output == (
        f"Imported source #{source.pk} “Future Contours”: 45 characters, "
        f"sha256 {source.sha256[:12]}…, 0 page-furniture blocks recognised.\n"
    )


@pytest.mark.django_db
def test_import_source_stores_the_seed_brief_exactly_and_finds_its_headers(tmp_path, seed_bytes):
    path = tmp_path / "brief.txt"
    path.write_bytes(seed_bytes)

    output = _import(str(path))

    source = Source.objects.get()
    assert source.text.encode("utf-8") == seed_bytes
    assert source.sha256 == hashlib.sha256(seed_bytes).hexdigest()
    # No --title or --date given: both are read from the brief, past its masthead
    # ("CENTRE FOR / JOINT WARFARE / STUDIES", "GL/31/24").
    assert source.title == "INDIA JAPAN STRATEGIC COOPERATION: FUTURE CONTOURS"
    assert (source.published_on, source.published_on_precision) == (date(2024, 11, 21), "day")
    assert output.endswith(", 2 page-furniture blocks recognised.\n")


@pytest.mark.django_db
def test_import_source_keeps_crlf_and_drops_only_the_byte_order_mark(
    tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "windows.md"
    path.write_bytes(b"\xef\xbb\xbf# Heading\r\n\r\nBody line\r\nlast")

    with django_capture_on_commit_callbacks(execute=True):  # the original is put in place
        _import(str(path))

    source = Source.objects.get()
    assert source.text == "# Heading\r\n\r\nBody line\r\nlast"
    assert (source.title, source.format) == ("Heading", SourceFormat.MARKDOWN)
    with source.original_file.open("rb") as original:
        assert original.read() == path.read_bytes()


@pytest.mark.django_db
def test_import_source_reads_a_pdf(tmp_path):
    path = tmp_path / "brief.pdf"
    path.write_bytes(make_pdf(GOOD_PDF_PAGES, title="A PDF Brief"))

    output = _import(str(path))

    source = Source.objects.get()
    assert (source.title, source.format, source.original_filename) == (
        "A PDF Brief",
        SourceFormat.PDF,
        "brief.pdf",
    )
    assert "India and Japan agreed to cooperate." in source.text
    assert "The second page carries on." in source.text
    assert output.startswith(f"Imported source #{source.pk} “A PDF Brief”")


# -- call_command: refusals -------------------------------------------------------------------


def _assert_refused(args: list[str], message: str, *, exact: bool = True) -> None:
    before = model_counts()

    with pytest.raises(CommandError) as caught:
        _import(*args)

    line = str(caught.value)
    assert "\n" not in line
    if exact:
        assert line == message
    else:
        assert line.startswith(message)
    assert model_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.id for bad in BAD_FILES])
def test_import_source_refuses_a_bad_file_with_one_line_and_changes_nothing(tmp_path, bad):
    path = tmp_path / bad.filename
    path.write_bytes(bad.data)

    # A PDF library's own reason is appended to some messages; those end in "(".
    _assert_refused([str(path)], f"{path}: {bad.message}", exact=not bad.message.endswith("("))
    assert Source.all_objects.count() == 0


@pytest.mark.django_db
def test_import_source_refuses_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.txt"

    _assert_refused([str(path)], f"{path}: no such file.")


@pytest.mark.django_db
def test_import_source_refuses_a_directory(tmp_path):
    _assert_refused([str(tmp_path)], f"{tmp_path}: no such file.")


@pytest.mark.django_db
@override_settings(CONTOURS_MAX_SOURCE_BYTES=1024)
def test_import_source_refuses_a_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 1025)

    _assert_refused(
        [str(path)], f"{path}: the file is 1,025 bytes, over the 1,024-byte limit (1.0 KB)."
    )


@pytest.mark.django_db
def test_import_source_accepts_a_file_exactly_at_the_size_limit(tmp_path):
    path = tmp_path / "edge.txt"
    path.write_bytes(b"x" * 1024)

    with override_settings(CONTOURS_MAX_SOURCE_BYTES=1024):
        _import(str(path))

    assert Source.objects.get().text == "x" * 1024


@pytest.mark.django_db
def test_import_source_refuses_a_text_already_imported(tmp_path):
    first = source_import(data=b"Same words.", filename="first.txt", user=None, title="First")
    path = tmp_path / "again.md"
    path.write_bytes(b"Same words.")

    _assert_refused(
        [str(path)], f"{path}: this text is already imported as source #{first.pk} “First”."
    )


def _never_read(self):
    raise AssertionError(f"{self} was read")


@pytest.mark.django_db
def test_import_source_refuses_a_malformed_date_before_reading_anything(tmp_path, monkeypatch):
    path = tmp_path / "brief.txt"
    path.write_bytes(b"Fine text.")
    monkeypatch.setattr(Path, "read_bytes", _never_read)

    _assert_refused(
        [str(path), "--date=21/11/2024"], "--date must be YYYY-MM-DD, got '21/11/2024'."
    )


@pytest.mark.django_db
@override_settings(CONTOURS_MAX_SOURCE_BYTES=1024)
def test_import_source_refuses_an_oversized_file_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"x" * 2048)
    monkeypatch.setattr(Path, "read_bytes", _never_read)

    _assert_refused(
        [str(path)], f"{path}: the file is 2,048 bytes, over the 1,024-byte limit (1.0 KB)."
    )


# -- a real process -------------------------------------------------------------------------
#
# The process reaches the test database through DATABASE_URL (tests/conftest.py puts the
# SQLite test database in a file for this). The tests are transactional: rows written here
# are committed so the process sees them, and rows the process commits are seen here. (An
# open test transaction would also hold SQLite's write lock, which the process's start-up
# checks need.)


def _manage_import(tmp_path, *args: str, **env: str):
    return run_python(
        ["manage.py", "import_source", *args],
        clean_env(
            tmp_path,
            DJANGO_SETTINGS_MODULE="portal.settings_test",
            DATABASE_URL=subprocess_database_url(),
            **env,
        ),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("filename", "data", "text", "fmt"),
    [
        ("brief.txt", b"Real process.\r\nSecond line.\r\n", None, SourceFormat.TEXT),
        (
            "brief.md",
            b"\xef\xbb\xbf# Heading\n\nBody.",
            "# Heading\n\nBody.",
            SourceFormat.MARKDOWN,
        ),
        ("brief.pdf", make_pdf(GOOD_PDF_PAGES), None, SourceFormat.PDF),
    ],
    ids=["txt", "md", "pdf"],
)
def test_import_source_process_imports_into_the_database(tmp_path, filename, data, text, fmt):
    path = tmp_path / filename
    path.write_bytes(data)

    result = _manage_import(tmp_path, str(path), "--title=From a process")

    assert result.returncode == 0, result.stderr
    source = Source.objects.get()
    assert (source.title, source.format) == ("From a process", fmt)
    if fmt == SourceFormat.PDF:
        assert "The second page carries on." in source.text
    else:
        assert source.text == (text or data.decode())
    assert result.stdout.startswith(f"Imported source #{source.pk} “From a process”")
    assert result.stderr == ""


def _refusal_cases(tmp_path) -> list[tuple[str, list[str], dict[str, str], str]]:
    """(case, arguments, extra environment, the stderr line's start) for each refusal."""
    cases = []
    # pdf-corrupt: pypdf logs its own warnings about a damaged file; they must stay quiet.
    for bad in BAD_FILES:
        if bad.id in {"empty", "binary-nul", "pdf-corrupt", "no-extension"}:
            path = tmp_path / bad.id / bad.filename
            path.parent.mkdir()
            path.write_bytes(bad.data)
            cases.append((bad.id, [str(path)], {}, f"CommandError: {path}: {bad.message}"))
    big = tmp_path / "big.txt"
    big.write_bytes(b"y" * 101)
    cases.append(
        (
            "over-the-limit-set-in-the-environment",
            [str(big)],
            {"CONTOURS_MAX_SOURCE_BYTES": "100"},
            f"CommandError: {big}: the file is 101 bytes, over the 100-byte limit (100 bytes).",
        )
    )
    missing = tmp_path / "missing.pdf"
    cases.append(("missing", [str(missing)], {}, f"CommandError: {missing}: no such file."))
    return cases


# One transactional test runs every refusal: each process costs a second or so, and a
# transactional test's flush another on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_import_source_process_refuses_bad_input_with_one_stderr_line(tmp_path):
    first = source_import(data=b"Twice.", filename="first.txt", user=None, title="First")
    again = tmp_path / "again.txt"
    again.write_bytes(b"Twice.")
    cases = [
        *_refusal_cases(tmp_path),
        (
            "already-imported",
            [str(again)],
            {},
            f"CommandError: {again}: this text is already imported as source #{first.pk} “First”.",
        ),
    ]
    before = model_counts()

    for case, args, env, line in cases:
        result = _manage_import(tmp_path, *args, **env)

        assert result.returncode == 1, case
        assert result.stdout == "", case
        lines = result.stderr.splitlines()
        assert len(lines) == 1, f"{case}: expected one line, got:\n{result.stderr}"
        assert lines[0].startswith(line), case
        assert "Traceback" not in result.stderr, case
        assert model_counts() == before, case
    assert len(cases) == 7
