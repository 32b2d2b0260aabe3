"""Importing briefs (cooperation/services/sources.py): text kept exactly, once per text."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.choices import SourceFormat, Visibility
from cooperation.models import Source
from cooperation.services import source_import, tracked_delete, tracked_update
from cooperation.text_extraction import SourceImportError
from tests.cooperation.source_files import GOOD_PDF_PAGES
from tests.utils import history_rows, make_pdf

pytestmark = pytest.mark.django_db


# -- source_import --------------------------------------------------------------------------


def test_source_import_stores_the_text_exactly_with_one_history_row(curator):
    data = "Line one\r\nLine two — with a dash\r\n\r\n  indented\ttab\n".encode()

    source = source_import(
        data=data,
        filename="brief.txt",
        user=curator,
        title="  A brief  ",
        publisher="CENJOWS",
        reference_code="GL/31/24",
        visibility=Visibility.PUBLISHED,
    )

    stored = Source.objects.get(pk=source.pk)
    assert stored.text == data.decode()
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.title, stored.publisher, stored.reference_code) == (
        "A brief",
        "CENJOWS",
        "GL/31/24",
    )
    assert (stored.format, stored.original_filename, stored.visibility) == (
        SourceFormat.TEXT,
        "brief.txt",
        Visibility.PUBLISHED,
    )
    assert (stored.created_by, stored.version) == (curator, 1)
    [row] = history_rows(stored)
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        curator,
        "Imported brief.txt",
    )


def test_source_import_keeps_the_original_file_byte_for_byte(django_capture_on_commit_callbacks):
    data = b"\xef\xbb\xbfWith a byte order mark.\r\n"

    with django_capture_on_commit_callbacks(execute=True):  # put in place on commit
        source = source_import(data=data, filename="bom.txt", user=None)

    assert source.text == "With a byte order mark.\r\n"
    with source.original_file.open("rb") as original:
        assert original.read() == data


def test_source_import_takes_the_title_from_the_first_line_or_markdown_heading():
    markdown = source_import(data=b"\n\n# Future Contours\n\nBody.", filename="x.md", user=None)
    plain = source_import(data=b"  First words  \nmore", filename="y.txt", user=None)

    assert (markdown.title, markdown.format) == ("Future Contours", SourceFormat.MARKDOWN)
    assert plain.title == "First words"


def test_source_import_of_a_pdf_uses_its_title_and_stores_its_text():
    source = source_import(
        data=make_pdf(GOOD_PDF_PAGES, title="A PDF Brief"), filename="brief.pdf", user=None
    )

    assert (source.title, source.format) == ("A PDF Brief", SourceFormat.PDF)
    assert "The second page carries on." in source.text
    assert source.sha256 == hashlib.sha256(source.text.encode()).hexdigest()


def test_source_import_recognises_the_running_headers_of_the_seed(seed_source, seed_text):
    assert seed_source.text == seed_text
    assert len(seed_source.furniture) == 2
    for start, end in seed_source.furniture:
        assert seed_source.text[start:end].startswith("INDIA-JAPAN STRATEGIC COOPERATION")


@pytest.mark.parametrize(
    "again",
    [b"Same text.", b"\xef\xbb\xbfSame text."],
    ids=["identical", "same-text-with-a-byte-order-mark"],
)
def test_source_import_refuses_a_text_already_imported(again):
    first = source_import(data=b"Same text.", filename="a.txt", user=None, title="First")

    with pytest.raises(SourceImportError) as caught:
        source_import(data=again, filename="b.txt", user=None)

    assert caught.value.messages == [
        f"this text is already imported as source #{first.pk} “First”."
    ]
    assert Source.all_objects.count() == 1
    assert Source.history.count() == 1


def test_source_import_refuses_a_text_whose_source_is_in_the_trash(curator):
    first = source_import(data=b"Same text.", filename="a.txt", user=None, title="Old")
    tracked_delete(instance=first, user=None)

    with pytest.raises(SourceImportError) as caught:
        source_import(data=b"Same text.", filename="a.txt", user=curator)

    assert caught.value.messages == [
        f"this text is already imported as source #{first.pk} “Old” (in the trash)."
    ]


def test_source_import_lets_only_a_curator_publish_on_import(analyst, curator):
    with pytest.raises(PermissionDenied):
        source_import(
            data=b"Words.", filename="a.txt", user=analyst, visibility=Visibility.PUBLISHED
        )
    assert Source.all_objects.count() == 0

    source = source_import(
        data=b"Words.", filename="a.txt", user=curator, visibility=Visibility.PUBLISHED
    )

    assert source.visibility == Visibility.PUBLISHED
    assert source_import(data=b"Other.", filename="b.txt", user=analyst).visibility == (
        Visibility.INTERNAL
    )


def test_source_import_refuses_an_unknown_visibility(curator):
    with pytest.raises(ValidationError) as caught:
        source_import(data=b"Words.", filename="a.txt", user=curator, visibility="secret")

    assert caught.value.message_dict == {"visibility": ["Unknown visibility 'secret'."]}
    assert Source.all_objects.count() == 0


def test_source_import_refuses_a_partner(partner):
    with pytest.raises(PermissionDenied):
        source_import(data=b"Some text.", filename="a.txt", user=partner)

    assert Source.all_objects.count() == 0


def test_source_text_cannot_be_rewritten_through_the_services(analyst):
    source = source_import(data=b"Original.", filename="a.txt", user=None)

    with pytest.raises(ValidationError) as caught:
        tracked_update(
            instance=source, user=analyst, data={"text": "Rewritten."}, expected_version=1
        )

    assert caught.value.message_dict == {"text": ["This field cannot be set here."]}
    assert Source.objects.get(pk=source.pk).text == "Original."


def test_source_metadata_can_be_edited_and_the_text_stays(analyst):
    source = source_import(data=b"Original.", filename="a.txt", user=None, title="Old")

    tracked_update(instance=source, user=analyst, data={"title": "New"}, expected_version=1)

    stored = Source.objects.get(pk=source.pk)
    assert (stored.title, stored.text, stored.version) == ("New", "Original.", 2)
