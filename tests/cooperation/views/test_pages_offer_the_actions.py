"""The record, history, source and dashboard pages offer exactly the buttons the one table
allows: empty a row of cooperation.permissions.PERMISSIONS and its button goes."""

from __future__ import annotations

import pytest

from cooperation import permissions
from cooperation.permissions import record_actions
from cooperation.services import evidence_attach, tracked_update
from tests.factories import (
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    ExcerptFactory,
    SourceFactory,
)

BUTTONS = {
    "edit": ">Edit</a>",
    "publish": ">Publish</button>",
    "delete": ">Move to trash</a>",
    "unlink_evidence": ">Detach<",
}


@pytest.fixture
def record(db):
    record = AgreementFactory()
    evidence_attach(record=record, excerpt=ExcerptFactory(), user=None)
    return record


@pytest.mark.parametrize("role", ["analyst", "curator"])
def test_the_record_page_shows_the_buttons_its_actions_allow(client, record, role):
    user = {"analyst": AnalystFactory, "curator": CuratorFactory}[role]()
    client.force_login(user)
    page = client.get(record.get_absolute_url()).content.decode()
    actions = record_actions(user, record)
    for action, button in BUTTONS.items():
        assert (button in page) == (action in actions), action


@pytest.mark.parametrize("action", sorted(BUTTONS))
def test_a_button_goes_with_its_row(client, record, monkeypatch, action):
    client.force_login(CuratorFactory())
    assert BUTTONS[action] in client.get(record.get_absolute_url()).content.decode()
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", action), [])
    assert BUTTONS[action] not in client.get(record.get_absolute_url()).content.decode()


def test_the_history_page_offers_restore_by_the_table(client, record, monkeypatch):
    tracked_update(instance=record, user=None, data={"summary": "Later"}, expected_version=None)
    client.force_login(CuratorFactory())
    url = record.get_absolute_url() + "history/"
    assert "Restore version" in client.get(url).content.decode()
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "restore"), [])
    assert "Restore version" not in client.get(url).content.decode()


def test_the_source_page_offers_import_by_the_table(client, db, monkeypatch):
    source = SourceFactory()
    client.force_login(CuratorFactory())
    url = f"/sources/{source.pk}/"
    assert "Import a source" in client.get(url).content.decode()
    monkeypatch.setitem(permissions.PERMISSIONS, ("source", "import"), [])
    assert "Import a source" not in client.get(url).content.decode()


def test_the_dashboard_lists_proposals_to_decide_by_the_table(client, db, monkeypatch):
    client.force_login(CuratorFactory())
    assert "Proposals awaiting a decision" in client.get("/").content.decode()
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "decide"), [])
    assert "Proposals awaiting a decision" not in client.get("/").content.decode()
