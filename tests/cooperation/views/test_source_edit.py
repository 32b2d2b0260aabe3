"""A source's details edited in the workspace: the page, the service, history and conflicts."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cooperation.choices import DatePrecision
from cooperation.forms.sources import format_partial_date, parse_partial_date
from cooperation.models import Source
from cooperation.services import source_metadata_update
from cooperation.services.common import ConflictError
from tests.factories import PartnerFactory, SourceFactory, UserFactory


def _url(source) -> str:
    return f"/sources/{source.pk}/edit/"


def _form(source, **changes) -> dict:
    data = {
        "title": source.title,
        "authors": source.authors,
        "publisher": source.publisher,
        "published": format_partial_date(source.published_on, source.published_on_precision),
        "reference_code": source.reference_code,
        "url": source.url,
        "expected_version": source.version,
    }
    return {**data, **changes}


# -- the page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_analyst_edits_a_sources_details_and_history_keeps_both_versions(client, analyst):
    source = SourceFactory(title="Brief", publisher="Test Centre")
    client.force_login(analyst)

    page = client.get(_url(source))
    response = client.post(
        _url(source),
        _form(
            source,
            title="Australia–Indonesia Maritime Cooperation",
            authors="Dr Meera Raghavan",
            publisher="Strategic Studies",
            published="2015-12",
            reference_code="IB/47",
            url="https://example.org/briefs/47",
        ),
    )

    assert page.status_code == 200 and b'name="expected_version"' in page.content
    assert response.status_code == 302 and response["Location"] == source.get_absolute_url()
    source.refresh_from_db()
    assert (source.title, source.authors, source.publisher, source.reference_code) == (
        "Australia–Indonesia Maritime Cooperation",
        "Dr Meera Raghavan",
        "Strategic Studies",
        "IB/47",
    )
    assert (source.published_on, source.published_on_precision) == (
        date(2015, 12, 1),
        DatePrecision.MONTH,
    )
    assert source.url == "https://example.org/briefs/47" and source.version == 2
    latest, imported = source.history.order_by("-history_id")[:2]
    assert latest.title == "Australia–Indonesia Maritime Cooperation" and imported.title == "Brief"
    assert latest.history_user == analyst
    assert latest.history_change_reason == "Edited the source's details"
    detail = client.get(source.get_absolute_url()).content.decode()
    assert "December 2015" in detail and "https://example.org/briefs/47" in detail
    assert _url(source) in detail  # the "Edit details" button
    history = client.get(_url(source)).content.decode()
    assert "Version 2: “Australia–Indonesia Maritime Cooperation”" in history
    assert "Edited the source&#x27;s details, Aiko Analyst" in history
    assert "Version 1: “Brief”" in history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"published": "2015-13"}, "published", "Enter a year (2015), a month (2015-12)"),
        ({"published": "31/12/2015"}, "published", "Enter a year (2015), a month (2015-12)"),
        ({"published": "2015-02-30"}, "published", "Enter a year (2015), a month (2015-12)"),
        ({"title": "   "}, "title", "This field is required."),
        ({"url": "not a url at all"}, "url", "Enter a valid URL."),
        ({"expected_version": "ten"}, "expected_version", "Enter a whole number."),
        ({"title": "x" * 301}, "title", "at most 300 characters"),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(client, analyst, changes, field, message):
    source = SourceFactory()
    client.force_login(analyst)

    response = client.post(_url(source), _form(source, **changes))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Source.objects.get(pk=source.pk).version == 1
    assert source.history.count() == 1


@pytest.mark.django_db
def test_a_stale_edit_is_a_409_that_keeps_the_input_and_saves_nothing(client, analyst, curator):
    source = SourceFactory(title="Brief")
    source_metadata_update(
        source=source, user=curator, data={"title": "Curator's title"}, expected_version=1
    )
    client.force_login(analyst)

    response = client.post(_url(source), _form(source, title="My title", expected_version=1))

    assert response.status_code == 409
    body = response.content.decode()
    assert "changed by someone else" in body and "My title" in body
    assert "Curator&#x27;s title" in body  # what is saved now
    source.refresh_from_db()
    assert (source.title, source.version) == ("Curator's title", 2)


@pytest.mark.django_db
def test_saving_the_same_details_writes_nothing(client, analyst):
    source = SourceFactory()
    client.force_login(analyst)

    response = client.post(_url(source), _form(source), follow=True)

    assert "Nothing changed" in response.content.decode()
    assert Source.objects.get(pk=source.pk).version == 1 and source.history.count() == 1


@pytest.mark.django_db
def test_partners_and_users_without_a_role_get_no_form(client):
    source = SourceFactory()
    for user in (PartnerFactory(), UserFactory(roles=[])):
        client.force_login(user)
        assert client.get(_url(source)).status_code == 403
        assert client.post(_url(source), _form(source, title="X")).status_code == 403
    assert Source.objects.get(pk=source.pk).title == source.title


@pytest.mark.django_db
def test_an_unknown_source_is_a_404(client, analyst):
    client.force_login(analyst)

    assert client.get("/sources/999999/edit/").status_code == 404


# -- the service ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_refuses_the_text_and_other_fields():
    source = SourceFactory()

    with pytest.raises(ValidationError) as exc:
        source_metadata_update(
            source=source,
            user=None,
            data={"text": "x", "visibility": "published"},
            expected_version=1,
        )

    assert set(exc.value.message_dict) == {"text", "visibility"}


@pytest.mark.django_db
def test_the_service_refuses_a_precision_without_a_date_and_clears_it_with_the_date():
    source = SourceFactory()
    with pytest.raises(ValidationError) as exc:
        source_metadata_update(
            source=source,
            user=None,
            data={"published_on_precision": DatePrecision.YEAR},
            expected_version=1,
        )
    assert "published_on" in exc.value.message_dict

    dated = source_metadata_update(
        source=source, user=None, data={"published_on": "2015-12-12"}, expected_version=1
    )
    assert dated.published_on_precision == DatePrecision.DAY
    cleared = source_metadata_update(
        source=dated, user=None, data={"published_on": None}, expected_version=2
    )
    assert (cleared.published_on, cleared.published_on_precision) == (None, "")


@pytest.mark.django_db
def test_the_service_asks_for_the_change_source_permission(partner):
    with pytest.raises(PermissionDenied):
        source_metadata_update(
            source=SourceFactory(), user=partner, data={"title": "X"}, expected_version=1
        )


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_in_the_service(analyst):
    source = SourceFactory()
    source_metadata_update(source=source, user=analyst, data={"title": "A"}, expected_version=1)

    with pytest.raises(ConflictError):
        source_metadata_update(source=source, user=analyst, data={"title": "B"}, expected_version=1)

    assert Source.objects.get(pk=source.pk).title == "A"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_edits_of_one_version_save_one_and_refuse_the_other(analyst, curator):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers itself")
    source = SourceFactory()
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def edit(user, title):
        try:
            barrier.wait()
            source_metadata_update(
                source=source, user=user, data={"title": title}, expected_version=1
            )
            outcomes[title] = "saved"
        except ConflictError:
            outcomes[title] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=(analyst, "From the analyst")),
        threading.Thread(target=edit, args=(curator, "From the curator")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["conflict", "saved"]
    saved = next(title for title, outcome in outcomes.items() if outcome == "saved")
    source.refresh_from_db()
    assert (source.title, source.version) == (saved, 2)
    assert source.history.count() == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015", (date(2015, 1, 1), DatePrecision.YEAR)),
        ("2015-12", (date(2015, 12, 1), DatePrecision.MONTH)),
        ("2015-12-12", (date(2015, 12, 12), DatePrecision.DAY)),
        (" ", (None, "")),
    ],
)
def test_parse_partial_date(text, expected):
    assert parse_partial_date(text) == expected
    assert format_partial_date(*expected) == text.strip()
