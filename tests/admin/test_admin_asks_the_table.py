"""The admin and the API access page ask cooperation.permissions: empty a row of the table
and the page refuses, though Django's own permission (or the old inline rule) would allow."""

from __future__ import annotations

import pytest

from accounts.services import api_token_create, user_update
from cooperation import permissions
from tests.factories import (
    AdminFactory,
    AgreementFactory,
    CuratorFactory,
    PartnerFactory,
    RecommendationFactory,
    SourceFactory,
)


@pytest.fixture
def curator_client(client, db):
    client.force_login(CuratorFactory())
    return client


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("record", "/admin/cooperation/agreement/"),
        ("source", "/admin/cooperation/source/"),
        ("annotation", "/admin/cooperation/annotation/"),
        ("item", "/admin/cooperation/statusproposal/"),
    ],
)
def test_a_list_page_asks_browse_or_edit(curator_client, monkeypatch, kind, url):
    assert curator_client.get(url).status_code == 200
    # Django's admin lists for whoever may view or change.
    monkeypatch.setitem(permissions.PERMISSIONS, (kind, "browse"), [])
    monkeypatch.setitem(permissions.PERMISSIONS, (kind, "edit"), [])
    assert curator_client.get(url).status_code == 403


def test_the_change_page_asks_edit_and_the_add_page_create(curator_client, monkeypatch):
    record = AgreementFactory()
    change = f"/admin/cooperation/agreement/{record.pk}/change/"
    assert b'name="_save"' in curator_client.get(change).content
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "edit"), [])
    assert b'name="_save"' not in curator_client.get(change).content
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "create"), [])
    assert curator_client.get("/admin/cooperation/agreement/add/").status_code == 403


def test_the_trash_action_asks_delete(curator_client, monkeypatch):
    AgreementFactory()
    assert b"move_to_trash" in curator_client.get("/admin/cooperation/agreement/").content
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "delete"), [])
    assert b"move_to_trash" not in curator_client.get("/admin/cooperation/agreement/").content


def test_publishing_and_transitions_ask_the_table(curator_client, monkeypatch):
    recommendation = RecommendationFactory()
    listing = "/admin/cooperation/recommendation/"
    assert b'value="publish"' in curator_client.get(listing).content
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "publish"), [])
    assert b'value="publish"' not in curator_client.get(listing).content
    transition = f"/admin/cooperation/recommendation/{recommendation.pk}/transition/"
    assert curator_client.get(transition).status_code == 200
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "transition"), [])
    monkeypatch.setitem(permissions.PERMISSIONS, ("record", "propose"), [])
    assert curator_client.get(transition).status_code == 403


def test_a_sources_admin_page_asks_the_table(curator_client, monkeypatch):
    source = SourceFactory()
    assert curator_client.get(f"/admin/cooperation/source/{source.pk}/change/").status_code == 200
    monkeypatch.setitem(permissions.PERMISSIONS, ("source", "browse"), [])
    monkeypatch.setitem(permissions.PERMISSIONS, ("source", "edit"), [])
    assert curator_client.get(f"/admin/cooperation/source/{source.pk}/change/").status_code == 403


def test_the_accounts_admin_asks_the_table(client, db, monkeypatch):
    client.force_login(AdminFactory())
    assert client.get("/admin/accounts/user/").status_code == 200
    monkeypatch.setitem(permissions.PERMISSIONS, ("account", "browse"), [])
    monkeypatch.setitem(permissions.PERMISSIONS, ("account", "edit"), [])
    assert client.get("/admin/accounts/user/").status_code == 403


def test_the_api_access_page_asks_the_table(client, db, monkeypatch):
    org_admin = user_update(user=PartnerFactory(), data={"is_org_admin": True})
    client.force_login(org_admin)
    assert "Create a token" in client.get("/accounts/api-access/").content.decode()
    monkeypatch.setitem(permissions.PERMISSIONS, ("organisation", "manage_tokens"), [])
    assert "Create a token" not in client.get("/accounts/api-access/").content.decode()


def test_issuing_a_token_asks_the_table(db, monkeypatch):
    from django.core.exceptions import PermissionDenied

    admin, partner = AdminFactory(), PartnerFactory()
    api_token_create(user=partner, name="ok", can_write=False, actor=admin)
    monkeypatch.setitem(permissions.PERMISSIONS, ("token", "issue"), [])
    with pytest.raises(PermissionDenied):
        api_token_create(user=partner, name="no", can_write=False, actor=admin)
