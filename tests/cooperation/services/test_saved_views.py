"""Saved views' services: validation, normalised queries, one history row per write."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.models import SavedView
from cooperation.models.saved_views import NAME_MAX, QUERY_MAX
from cooperation.services.saved_views import (
    normalise_query,
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_view_share,
    saved_view_update_query,
)

pytestmark = pytest.mark.django_db


def _history(view) -> list[str]:
    return [row.history_type for row in SavedView.history.filter(id=view.pk).order_by("history_id")]


def _create(user, name="Open deals", list_key="deal", query="status=negotiating", **kwargs):
    return saved_view_create(user=user, list_key=list_key, name=name, query=query, **kwargs)


def test_a_view_keeps_the_lists_filters_and_order_normalised(analyst):
    view = _create(
        analyst,
        query="?status=signed&page=3&per_page=50&cursor=abc&q=&ordering=-title&kind=arms_sale"
        "&status=negotiating&period_start_after=",
        shared=True,
    )

    # Page keys and empty values dropped; keys sorted, a key's values in their order.
    assert view.query == "kind=arms_sale&ordering=-title&status=signed&status=negotiating"
    assert (view.owner, view.list_key, view.shared) == (analyst, "deal", True)
    assert len(view.token) >= 20 and view.token != str(view.pk)
    assert _history(view) == ["+"]
    assert SavedView.history.get(id=view.pk).history_user == analyst


def test_range_and_hidden_filters_are_known_parameters():
    assert normalise_query("agreement", "signed_after=2015&signed_before=2016") == (
        "signed_after=2015&signed_before=2016"
    )
    assert normalise_query("annotation", "excerpt=4&resolved=true") == "excerpt=4&resolved=true"


@pytest.mark.parametrize(
    ("query", "named"),
    [("colour=red", "colour"), ("status=signed&utm_source=mail", "utm_source")],
)
def test_an_unknown_parameter_is_refused_by_name(analyst, query, named):
    with pytest.raises(ValidationError) as caught:
        _create(analyst, query=query)
    assert named in caught.value.message_dict["query"][0]
    assert not SavedView.all_objects.exists()


def test_an_oversized_query_is_refused(analyst):
    with pytest.raises(ValidationError) as caught:
        _create(analyst, query="q=" + "x" * QUERY_MAX)
    assert "too long" in caught.value.message_dict["query"][0]
    with pytest.raises(ValidationError):
        _create(analyst, query="q=" + "x" * (10 * QUERY_MAX))
    assert not SavedView.all_objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * (NAME_MAX + 1)])
def test_a_name_must_be_given_and_short(analyst, name):
    with pytest.raises(ValidationError) as caught:
        _create(analyst, name=name)
    assert "name" in caught.value.message_dict


def test_an_unknown_list_is_refused(analyst):
    for list_key in ("excerpt", "user", "", "agreements"):
        with pytest.raises(ValidationError) as caught:
            _create(analyst, list_key=list_key, query="")
        assert "list_key" in caught.value.message_dict, list_key


def test_names_are_unique_per_owner_and_list_in_any_case(analyst, other_analyst):
    first = _create(analyst, name="Open deals")
    with pytest.raises(ValidationError) as caught:
        _create(analyst, name="  OPEN   deals ")
    assert "already have a view" in " ".join(caught.value.messages)
    # The same name on another list, or another person's, is fine.
    _create(analyst, name="Open deals", list_key="agreement", query="")
    _create(other_analyst, name="open deals")
    # Renaming into a taken name is refused too; deleting frees the name.
    second = _create(analyst, name="Closed deals")
    with pytest.raises(ValidationError):
        saved_view_rename(saved_view=second, user=analyst, name="open DEALS")
    saved_view_delete(saved_view=first, user=analyst)
    assert saved_view_rename(saved_view=second, user=analyst, name="open DEALS").name == (
        "open DEALS"
    )


def test_each_change_is_one_history_row_and_no_change_is_none(analyst):
    view = _create(analyst)
    saved_view_rename(saved_view=view, user=analyst, name="Deals in talks")
    saved_view_rename(saved_view=view, user=analyst, name="Deals in talks")  # no change
    saved_view_update_query(saved_view=view, user=analyst, query="status=signed&page=2")
    saved_view_update_query(saved_view=view, user=analyst, query="status=signed")  # same
    saved_view_share(saved_view=view, user=analyst, shared=True)
    saved_view_share(saved_view=view, user=analyst, shared=True)  # already
    saved_view_share(saved_view=view, user=analyst, shared=False)
    saved_view_delete(saved_view=view, user=analyst)

    assert _history(view) == ["+", "~", "~", "~", "~", "-"]
    row = SavedView.all_objects.get(pk=view.pk)
    assert (row.name, row.query, row.shared) == ("Deals in talks", "status=signed", False)
    assert row.deleted_at is not None  # soft: the row and its history stay
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_only_the_owner_changes_a_view_and_a_deleted_one_is_not_changed(
    analyst, other_analyst, curator, admin
):
    view = _create(analyst, shared=True)
    for someone in (other_analyst, curator, admin):
        for change in (
            lambda u: saved_view_rename(saved_view=view, user=u, name="Mine now"),
            lambda u: saved_view_update_query(saved_view=view, user=u, query=""),
            lambda u: saved_view_share(saved_view=view, user=u, shared=False),
            lambda u: saved_view_delete(saved_view=view, user=u),
        ):
            with pytest.raises(PermissionDenied):
                change(someone)
    assert _history(view) == ["+"]
    saved_view_delete(saved_view=view, user=analyst)
    with pytest.raises(ValidationError, match="deleted"):
        saved_view_rename(saved_view=view, user=analyst, name="Back")


def test_partners_and_people_without_a_role_save_no_views(partner):
    from tests.factories import UserFactory

    for person in (partner, UserFactory(roles=[])):
        with pytest.raises(PermissionDenied):
            _create(person)
    assert not SavedView.all_objects.exists()
