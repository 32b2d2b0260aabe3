"""Plain helpers for tests: history rows, model counts, subprocesses, and a hand-made PDF."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.db import connection, transaction

BASE_DIR = Path(__file__).resolve().parent.parent


def history_rows(instance):
    """The instance's history rows, newest first."""
    return list(type(instance).history.filter(id=instance.pk).order_by("-history_id"))


def model_counts() -> dict[str, int]:
    """Row counts of every model, historical models included, keyed by label."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


@contextmanager
def rolled_back():
    """Run a block in a savepoint and undo it, so hypothesis examples do not see each other."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


# -- subprocesses ---------------------------------------------------------------------------


def subprocess_database_url() -> str:
    """A DATABASE_URL naming the database this test process is using (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def clean_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The current environment without Contours/Django settings, plus `overrides`.

    An override of None removes the variable. TMPDIR keeps the media directories that
    portal.settings_test creates inside the test's own tmp_path.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CONTOURS_")) and key != "DATABASE_URL"
    }
    env["TMPDIR"] = str(tmp_path)
    env["CONTOURS_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# -- a real, minimal PDF --------------------------------------------------------------------


def pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[list[str]], *, title: str | None = None) -> bytes:
    """A valid PDF written by hand: one Helvetica text line per string, a page per list."""
    streams = []
    for lines in pages:
        operators = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        operators += [f"{pdf_string(line)} Tj T*" for line in lines]
        operators.append("ET")
        streams.append("\n".join(operators).encode("latin-1"))
    return pdf_from_streams(streams, info=None if title is None else f"/Title {pdf_string(title)}")


def pdf_from_streams(streams: list[bytes], *, info: str | None = None) -> bytes:
    """A valid PDF of one page per content stream, in Helvetica (`/F1`).

    Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page,
    then the optional /Info dictionary (`info`: its entries); the xref table holds each
    object's byte offset.
    """
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{4 + 2 * i} 0 R" for i in range(len(streams)))
            + f"] /Count {len(streams)} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(streams):
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
            ).encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    trailer_info = ""
    if info is not None:
        objects.append(f"<< {info} >>".encode("latin-1"))
        trailer_info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_info} >>\n".encode()
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
