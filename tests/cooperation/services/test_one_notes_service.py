"""One notes service: a partner's note and an analyst's take one code path, told apart by data.

Partner notes once had a service of their own that repeated the analyst service's rules
(and drifted from them). These fail if that comes back: the same bad input is refused the
same way whoever writes it, and only cooperation/services/annotations.py builds a note or
writes a note's history.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.services import api_token_create
from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.models import Annotation
from cooperation.services import (
    annotation_create,
    annotation_delete,
    record_set_visibility,
    tracked_delete,
    tracked_undelete,
    tracked_update,
)
from cooperation.services.annotations import MAX_BODY_CHARS
from tests.factories import AgreementFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
NOTES_SERVICE = "cooperation/services/annotations.py"


@pytest.fixture
def scene(analyst, curator, partner):
    record = record_set_visibility(
        record=AgreementFactory(), user=curator, visibility=Visibility.PUBLISHED
    )
    open_thread = annotation_create(
        author=curator, body="For partners", record=record, visibility="partners"
    )
    gone = annotation_create(author=curator, body="Withdrawn", record=record, visibility="partners")
    annotation_delete(annotation=gone, user=curator)
    trashed = AgreementFactory()
    trashed = record_set_visibility(record=trashed, user=curator, visibility=Visibility.PUBLISHED)
    tracked_delete(instance=trashed, user=curator)
    token = api_token_create(user=partner, name="notes", can_write=True)[0]
    return {
        "record": record,
        "open_thread": open_thread,
        "gone": Annotation.all_objects.get(pk=gone.pk),
        "trashed": type(trashed).all_objects.get(pk=trashed.pk),
        # Each author's way in: the analyst's session, the partner's write-enabled token.
        "authors": {"analyst": (analyst, None), "partner": (partner, token)},
    }


# Bad input, as keyword arguments on top of a good note on the published record.
BAD_INPUT = {
    "an empty body": {"body": "   "},
    "a body over the limit": {"body": "x" * (MAX_BODY_CHARS + 1)},
    "an unknown motivation": {"motivation": "gossip"},
    "an unknown visibility": {"visibility": "everyone"},
    "no target": {"record": None},
    "two targets": {"parent": "open_thread"},
    "a reply to a deleted note": {"record": None, "parent": "gone"},
    "a record in the trash": {"record": "trashed"},
}


def _refusal(scene, who: str, bad: dict):
    author, token = scene["authors"][who]
    note = {"body": "A fair question", "record": scene["record"]}
    note.update({k: scene[v] if isinstance(v, str) and v in scene else v for k, v in bad.items()})
    if note["record"] is None:
        del note["record"]
    before = Annotation.all_objects.count()
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        annotation_create(author=author, token=token, **note)
    assert Annotation.all_objects.count() == before
    return type(refused.value), sorted(refused.value.messages)


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_alike_from_a_partner_and_an_analyst(scene, case):
    from_partner = _refusal(scene, "partner", BAD_INPUT[case])
    from_analyst = _refusal(scene, "analyst", BAD_INPUT[case])
    assert from_partner == from_analyst
    assert from_partner[0] is ValidationError


def test_a_partner_and_an_analyst_note_differ_only_by_their_audience(scene, partner):
    notes = {
        who: annotation_create(author=author, token=token, body="Noted", record=scene["record"])
        for who, (author, token) in scene["authors"].items()
    }
    assert (notes["analyst"].visibility, notes["analyst"].organisation_id) == ("team", None)
    assert (notes["partner"].visibility, notes["partner"].organisation_id) == (
        AnnotationVisibility.PARTNERS,
        partner.organisation_id,
    )
    for note in notes.values():
        assert len(history_rows(note)) == 1
    # A reply by each in the staff partners thread: staff join the thread's audience; the
    # partner's reply stays their organisation's.
    replies = {
        who: annotation_create(
            author=author, token=token, body="Agreed", parent=scene["open_thread"]
        )
        for who, (author, token) in scene["authors"].items()
    }
    assert replies["analyst"].organisation_id is None
    assert replies["partner"].organisation_id == partner.organisation_id


def test_a_partner_may_not_choose_a_narrower_audience(scene):
    author, token = scene["authors"]["partner"]
    with pytest.raises(ValidationError) as refused:
        annotation_create(
            author=author, token=token, body="Ours", record=scene["record"], visibility="team"
        )
    assert "visibility" in refused.value.message_dict


def test_a_partner_writes_notes_only_with_a_write_enabled_token(scene, partner):
    with pytest.raises(PermissionDenied):
        annotation_create(author=partner, body="From a session", record=scene["record"])
    read_only = api_token_create(user=partner, name="read", can_write=False)[0]
    with pytest.raises(PermissionDenied):
        annotation_create(author=partner, token=read_only, body="Read-only", record=scene["record"])


def test_the_generic_tracked_services_refuse_a_note(scene, curator):
    note = scene["open_thread"]
    for write in (
        lambda: tracked_update(
            instance=note, user=curator, data={"body": "x"}, expected_version=None
        ),
        lambda: tracked_delete(instance=note, user=curator),
        lambda: tracked_undelete(instance=scene["gone"], user=curator),
    ):
        with pytest.raises(PermissionDenied):
            write()


# -- the scan: one module writes notes ----------------------------------------------------------

HISTORY_WRITERS = {"save_with_history", "write_history", "move_to_trash"}
# Bulk writers with a package of their own (docs/architecture.md, "The layers").
BULK_WRITERS = ("cooperation/synthetic/", "cooperation/backup/")


def note_writes(source: str) -> list[str]:
    """Where `source` builds a note, or writes history in a function that names notes."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Annotation":
                found.append(f"line {node.lineno}: Annotation(...)")
            if (
                isinstance(func, ast.Attribute)
                and func.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
                and "Annotation" in ast.unparse(func.value)
            ):
                found.append(f"line {node.lineno}: {ast.unparse(func)}")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            called = {
                n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
            }
            if "Annotation" in names and called & HISTORY_WRITERS:
                found.append(f"line {node.lineno}: {node.name} writes a note's history")
    return found


def test_only_the_notes_service_builds_notes_or_writes_their_history():
    found = []
    for package in ("accounts", "cooperation", "portal"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if (
                "/migrations/" in relative
                or relative == NOTES_SERVICE
                or relative.startswith(BULK_WRITERS)
            ):
                continue
            found += [f"{relative} {where}" for where in note_writes(path.read_text())]
    assert not found, f"notes are written by {NOTES_SERVICE} alone:\n" + "\n".join(found)
    assert note_writes((ROOT / NOTES_SERVICE).read_text()), "the scan no longer sees the service"


def test_the_scan_finds_a_second_notes_path():
    second = (
        "def partner_annotation_create(*, author, body, record):\n"
        "    note = Annotation(author=author, body=body)\n"
        "    save_with_history(note, user=author, kind=CREATED, reason='Created')\n"
    )
    assert len(note_writes(second)) == 2
    assert note_writes("Annotation.objects.create(body='x')\n")
    assert not note_writes("def f():\n    save_with_history(record, user=None)\n")
