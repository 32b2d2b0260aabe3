"""Uploads are judged by what they contain, not what they are called.

Each file below is refused the same way by the import page, the admin's upload and the
`import_source` command, with a message that says what the file really is, and nothing
is written.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cooperation.models import Source
from tests.utils import make_pdf, model_counts

pytestmark = pytest.mark.django_db

LIMIT = 4096
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
PDF = make_pdf([["India and Japan agreed to cooperate."]])
# A PDF with no byte above 127 (its binary comment line dropped): it passes every text
# check, so only its content tells it apart from a brief.
ASCII_PDF = PDF.replace(b"%\xe2\xe3\xcf\xd3\n", b"")


@dataclass(frozen=True)
class Upload:
    id: str
    filename: str
    data: bytes
    message: str  # how the refusal starts, after any "<path>: " prefix


UPLOADS = [
    Upload(
        "pdf-named-txt", "brief.txt", PDF, "the file is named .txt but is a PDF: rename it .pdf."
    ),
    Upload("ascii-pdf-named-md", "brief.md", ASCII_PDF, "the file is named .md but is a PDF"),
    Upload(
        "text-named-pdf",
        "brief.pdf",
        b"India and Japan agree.\n",
        "the file is named .pdf but is not a PDF.",
    ),
    Upload(
        "elf-named-pdf",
        "brief.pdf",
        ELF,
        "the file is named .pdf but is an executable program (ELF), not a PDF.",
    ),
    Upload(
        "exe-named-pdf",
        "brief.pdf",
        WINDOWS_EXE,
        "the file is named .pdf but is an executable program (Windows)",
    ),
    Upload(
        "elf-named-txt",
        "brief.txt",
        ELF,
        "the file is named .txt but is an executable program (ELF)",
    ),
    Upload(
        "zip-named-md",
        "brief.md",
        b"PK\x03\x04\x14\x00\x06\x00word/document.xml",
        "the file is named .md but is a ZIP archive",
    ),
    Upload(
        "png-named-txt",
        "brief.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "the file is named .txt but is a PNG image",
    ),
    Upload(
        "pdf-header-on-an-executable", "brief.pdf", b"%PDF-1.7\n" + ELF, "the PDF cannot be read ("
    ),
    Upload("oversized-text", "brief.txt", b"India and Japan. " * (LIMIT // 16), "the file is "),
    Upload("oversized-pdf", "brief.pdf", PDF + b"%" * LIMIT, "the file is "),
]


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.CONTOURS_MAX_SOURCE_BYTES = LIMIT
    assert len(PDF) < LIMIT  # the real PDF above fits; the oversized ones do not


def _as_form_error(message: str) -> str:
    return html.escape(message[:1].upper() + message[1:])


@pytest.mark.parametrize("upload", UPLOADS, ids=[u.id for u in UPLOADS])
def test_import_page_refuses_by_content(client, analyst, upload):
    client.force_login(analyst)
    before = model_counts()

    response = client.post(
        reverse("cooperation:source_import"),
        {"file": SimpleUploadedFile(upload.filename, upload.data), "title": "T"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    if upload.id.startswith("oversized"):
        assert f"over the {LIMIT:,}-byte limit" in page
    else:
        assert _as_form_error(upload.message) in page
    assert model_counts() == before


@pytest.mark.parametrize("upload", UPLOADS, ids=[u.id for u in UPLOADS])
def test_admin_upload_refuses_by_content(client, curator, upload):
    client.force_login(curator)
    before = model_counts()

    response = client.post(
        reverse("admin:cooperation_source_add"),
        {
            "upload": SimpleUploadedFile(upload.filename, upload.data),
            "title": "T",
            "visibility": "internal",
        },
    )

    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors["upload"]
    if upload.id.startswith("oversized"):
        assert f"over the {LIMIT:,}-byte limit" in errors[0]
    else:
        assert errors[0].startswith(upload.message.rstrip("("))
    assert model_counts() == before


@pytest.mark.parametrize("upload", UPLOADS, ids=[u.id for u in UPLOADS])
def test_import_source_command_refuses_by_content(tmp_path, upload):
    path = tmp_path / upload.filename
    path.write_bytes(upload.data)
    before = model_counts()

    with pytest.raises(CommandError) as caught:
        call_command("import_source", str(path), stdout=StringIO(), stderr=StringIO())

    line = str(caught.value)
    assert "\n" not in line
    assert line.startswith(f"{path}: {upload.message}")
    if upload.id.startswith("oversized"):
        assert f"over the {LIMIT:,}-byte limit" in line
    assert model_counts() == before
    assert not Source.all_objects.exists()


def test_content_that_merely_looks_odd_is_still_a_brief(client, analyst):
    # Prose may begin with letters a signature also begins with; only whole signatures count.
    client.force_login(analyst)
    text = b"MZ Hasan and PK Mishra met in Tokyo. %PDF is not a header here.\n"

    response = client.post(
        reverse("cooperation:source_import"), {"file": SimpleUploadedFile("brief.txt", text)}
    )

    assert response.status_code == 302
    assert Source.objects.get().text == text.decode()
