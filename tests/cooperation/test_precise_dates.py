"""Dates as precise as the evidence (cooperation/precise_dates.py): written as 2015, 2015-12
or 2015-12-12 in forms and the API, shown and exported at that precision, and a year or a
month counts as all of it in filters."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cooperation import precise_dates
from cooperation.models import Agreement, Deal, Recommendation
from tests.api.conftest import client_for
from tests.factories import (
    API_BASIS,
    FORM_BASIS,
    AgreementFactory,
    DealFactory,
    RecommendationFactory,
    update_with_basis,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015", (date(2015, 1, 1), "year")),
        (" 2015-12 ", (date(2015, 12, 1), "month")),
        ("2015-12-12", (date(2015, 12, 12), "day")),
        ("2015-2-3", (date(2015, 2, 3), "day")),
    ],
)
def test_parse_reads_each_precision(text, expected):
    assert precise_dates.parse(text) == expected


@pytest.mark.parametrize("text", ["", "15", "2015-13", "2015-02-30", "December 2015", "0000"])
def test_parse_refuses_what_is_not_a_date(text):
    with pytest.raises(ValidationError):
        precise_dates.parse(text)


@pytest.mark.parametrize(
    ("day", "precision", "iso", "shown"),
    [
        (date(2015, 1, 1), "year", "2015", "2015"),
        (date(2015, 12, 1), "month", "2015-12", "December 2015"),
        (date(2015, 12, 12), "day", "2015-12-12", "12 December 2015"),
        (date(2015, 12, 12), "", "2015-12-12", "12 December 2015"),
    ],
)
def test_iso_and_display_say_only_what_is_known(day, precision, iso, shown):
    assert precise_dates.iso(day, precision) == iso
    assert precise_dates.display(day, precision) == shown


def test_the_services_refuse_a_date_finer_than_its_precision(curator):
    agreement = AgreementFactory()
    with pytest.raises(ValidationError) as refused:
        update_with_basis(
            instance=agreement,
            user=curator,
            data={"signed_on": date(2015, 6, 3), "signed_on_precision": "year"},
            expected_version=agreement.version,
        )
    assert "signed_on" in refused.value.message_dict
    agreement.refresh_from_db()
    assert agreement.signed_on is None and agreement.version == 1


def test_the_web_form_takes_a_year_and_shows_it_back(client, analyst):
    agreement = AgreementFactory(title="Year only")
    client.force_login(analyst)
    url = reverse("cooperation:agreement_edit", kwargs={"slug": agreement.slug})
    page = client.get(url)
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(signed_on="2015", in_force_on="2016-03", expected_version=agreement.version)
    data.update(FORM_BASIS)
    data = {k: ([str(x) for x in v] if isinstance(v, list) else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    agreement.refresh_from_db()
    assert (agreement.signed_on, agreement.signed_on_precision) == (date(2015, 1, 1), "year")
    assert (agreement.in_force_on, agreement.in_force_on_precision) == (date(2016, 3, 1), "month")
    assert client.get(url).context["form"]["signed_on"].value() == "2015"
    detail = client.get(agreement.get_absolute_url()).content.decode()
    assert '<time datetime="2015">2015</time>' in detail
    assert '<time datetime="2016-03">March 2016</time>' in detail


def test_the_web_form_refuses_a_bad_date_and_keeps_the_record(client, analyst):
    agreement = AgreementFactory(title="Unchanged")
    client.force_login(analyst)
    url = reverse("cooperation:agreement_edit", kwargs={"slug": agreement.slug})
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: ([str(x) for x in v] if isinstance(v, list) else v) for k, v in data.items()}
    data.update(signed_on="2015-02-30", expected_version=agreement.version)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "not a date in the calendar" in str(response.context["form"].errors["signed_on"])
    agreement.refresh_from_db()
    assert agreement.version == 1 and agreement.signed_on is None


def _patch(user, record, data):
    path = f"/api/v1/{record._meta.model_name}s/{record.pk}/"
    etag = client_for(user).get(path)["ETag"]
    body = {**API_BASIS, **data}
    return client_for(user).patch(path, body, format="json", HTTP_IF_MATCH=etag)


@pytest.mark.parametrize(
    ("model", "name", "written", "stored"),
    [
        (Agreement, "signed_on", "2015", (date(2015, 1, 1), "year")),
        (Agreement, "in_force_on", "2015-12", (date(2015, 12, 1), "month")),
        (Deal, "period_start", "2014", (date(2014, 1, 1), "year")),
        (Recommendation, "target_date", "2027-06", (date(2027, 6, 1), "month")),
    ],
)
def test_the_api_reads_and_writes_each_precision(curator, model, name, written, stored):
    factory = {
        Agreement: AgreementFactory,
        Deal: DealFactory,
        Recommendation: RecommendationFactory,
    }
    record = factory[model]()
    response = _patch(curator, record, {name: written})
    assert response.status_code == 200, response.content
    assert response.json()[name] == written
    assert response.json()[f"{name}_precision"] == stored[1]
    record.refresh_from_db()
    assert (getattr(record, name), getattr(record, f"{name}_precision")) == stored
    # The list (built by record_rows, one statement on PostgreSQL) says the same.
    listed = client_for(curator).get(f"/api/v1/{model._meta.model_name}s/").json()["results"]
    [row] = [row for row in listed if row["id"] == record.pk]
    assert row[name] == written


@pytest.mark.parametrize("bad", ["2015-13", "soon", 2015, ["2015"]])
def test_the_api_refuses_a_bad_date_with_a_problem(curator, bad):
    agreement = AgreementFactory()
    response = _patch(curator, agreement, {"signed_on": bad})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "signed_on" in response.json()["errors"]
    agreement.refresh_from_db()
    assert agreement.version == 1


def test_the_api_clears_a_date_with_null(curator):
    agreement = AgreementFactory(signed_on=date(2015, 1, 1), signed_on_precision="year")
    response = _patch(curator, agreement, {"signed_on": None})
    assert response.status_code == 200, response.content
    agreement.refresh_from_db()
    assert agreement.signed_on is None and agreement.signed_on_precision == ""


def test_a_year_counts_as_the_whole_year_in_filters(curator):
    year = AgreementFactory(title="Year", signed_on=date(2015, 1, 1), signed_on_precision="year")
    month = AgreementFactory(title="Month", signed_on=date(2015, 6, 1), signed_on_precision="month")
    day = AgreementFactory(title="Day", signed_on=date(2015, 3, 4), signed_on_precision="day")
    client = client_for(curator)

    def titles(**params):
        response = client.get("/api/v1/agreements/", params)
        assert response.status_code == 200, response.content
        return {row["title"] for row in response.json()["results"]}

    assert titles(signed_after="2015-06-15") == {year.title, month.title}
    assert titles(signed_after="2015-03-05") == {year.title, month.title}
    assert titles(signed_before="2015-03-04") == {year.title, day.title}
    assert titles(signed_after="2015-07-01", signed_before="2015-07-31") == {year.title}
    assert titles(signed_after="2016-01-01") == set()


def test_the_csv_export_writes_dates_at_their_precision(client, analyst):
    AgreementFactory(
        title="Known to the year", signed_on=date(2015, 1, 1), signed_on_precision="year"
    )
    client.force_login(analyst)
    response = client.get(reverse("cooperation:agreement_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    [row] = [row for row in rows if row["title"] == "Known to the year"]
    assert row["signed"] == "2015" and row["signed_precision"] == "Year"
