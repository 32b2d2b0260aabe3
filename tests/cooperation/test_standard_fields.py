"""Issue 14's standard fields: SIPRI's arms-transfer fields on deals, the UN Treaty Series
record's fields on agreements (place of signature, depositary, registration number,
amends/supersedes, each party's signature and ratification), through the model, the
services with history, the forms, the CSV, the JSON export's round trip and the filters."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cooperation.exchange import KINDS
from cooperation.exchange.export import stream
from cooperation.filtersets import AgreementFilterSet, DealFilterSet
from cooperation.models import Agreement, Deal
from cooperation.services import record_merge, tracked_restore_version
from cooperation.services.exchange import records_import
from tests.cooperation.views.helpers import csv_table
from tests.cooperation.views.test_record_forms import form_data
from tests.factories import (
    FORM_BASIS,
    ActorFactory,
    AgreementFactory,
    DealFactory,
    update_with_basis,
)
from tests.utils import history_rows, rolled_back

pytestmark = pytest.mark.django_db

SIPRI = {
    "weapon_category": "aircraft",
    "licensed_production": True,
    "number_ordered": 12,
    "number_delivered": 4,
    "delivery_first_year": 2020,
    "delivery_last_year": 2023,
    "estimated_value": Decimal("1650000000.00"),
    "value_currency": "USD",
    "value_year": 2019,
}


@pytest.fixture
def parties(db):
    return ActorFactory(name="India", slug="india"), ActorFactory(name="Japan", slug="japan")


def _edit(client, record, **changes):
    url = reverse(f"cooperation:{record._meta.model_name}_edit", kwargs={"slug": record.slug})
    form = client.get(url).context["form"]
    return client.post(url, {**form_data(form), **FORM_BASIS, **changes})


# -- the model and its constraints ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number_ordered": 2, "number_delivered": 3}, "number_delivered"),
        ({"delivery_first_year": 2020, "delivery_last_year": 2019}, "delivery_last_year"),
        ({"delivery_first_year": 1850}, "delivery_first_year"),
        ({"estimated_value": Decimal("10"), "value_year": 2020}, "value_currency"),
        ({"estimated_value": Decimal("10"), "value_currency": "USD"}, "value_year"),
        ({"value_currency": "USD", "value_year": 2020}, "estimated_value"),
        ({**SIPRI, "value_currency": "US"}, "value_currency"),
        ({**SIPRI, "value_currency": "us1"}, "value_currency"),
        ({"weapon_category": "spears"}, "weapon_category"),
    ],
)
def test_a_deals_sipri_fields_are_refused_when_they_disagree(analyst, changes, field):
    deal = DealFactory()
    with pytest.raises(ValidationError) as refused:
        update_with_basis(instance=deal, user=analyst, data=changes, expected_version=None)
    assert field in refused.value.message_dict
    deal.refresh_from_db()
    assert deal.version == 1 and deal.number_ordered is None


@pytest.mark.parametrize(
    "column_values",
    [
        {"number_ordered": 2, "number_delivered": 3},
        {"delivery_first_year": 2020, "delivery_last_year": 2019},
        {"delivery_first_year": 3000},
        {"estimated_value": Decimal("10")},
        {"value_currency": "USD"},
    ],
)
def test_the_database_refuses_them_too(analyst, column_values):
    deal = DealFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.all_objects.filter(pk=deal.pk).update(**column_values)


def test_the_sipri_fields_are_written_with_history(analyst):
    deal = DealFactory()
    update_with_basis(instance=deal, user=analyst, data=SIPRI, expected_version=1)
    deal.refresh_from_db()
    assert (deal.version, deal.number_delivered, deal.value_currency) == (2, 4, "USD")
    latest = history_rows(deal)[0]
    assert (latest.number_ordered, latest.estimated_value, latest.weapon_category) == (
        12,
        Decimal("1650000000.00"),
        "aircraft",
    )
    assert latest.history_user == analyst


@pytest.mark.parametrize("number", ["I-33521", "33521", "III:12", "I:", "I:0123", "i:33521"])
def test_a_unts_number_is_written_as_the_treaty_series_writes_it(analyst, number):
    agreement = AgreementFactory()
    with pytest.raises(ValidationError) as refused:
        update_with_basis(
            instance=agreement,
            user=analyst,
            data={"registration_number": number},
            expected_version=None,
        )
    assert "I:33521" in " ".join(refused.value.message_dict["registration_number"])


def test_a_unts_number_names_one_treaty(analyst):
    AgreementFactory(registration_number="II:965")
    with pytest.raises(ValidationError) as refused:
        AgreementFactory(registration_number="II:965")
    assert "same treaty" in str(refused.value)


def test_treaty_fields_amends_and_party_dates_are_one_version_with_history(
    analyst, curator, parties
):
    india, japan = parties
    older = AgreementFactory(title="Older agreement")
    agreement = AgreementFactory(parties=[india])
    data = {
        "place_of_signature": "New Delhi",
        "depositary": "Government of India",
        "registration_number": "I:33521",
        "parties": [india, japan],
        "party_dates": [
            {"party": japan.pk, "signed_on": "2015-12-12", "ratified_on": "2016-03"},
            {"party": india.pk, "signed_on": "2015-12-12"},
        ],
        "amends": [older],
        "supersedes": [older],
    }
    update_with_basis(instance=agreement, user=analyst, data=data, expected_version=1)
    agreement.refresh_from_db()
    assert agreement.version == 2
    assert agreement.party_dates == [
        {"party": japan.pk, "signed_on": "2015-12-12", "ratified_on": "2016-03"},
        {"party": india.pk, "signed_on": "2015-12-12", "ratified_on": None},
    ]
    assert list(older.amended_by.all()) == [agreement]
    assert list(older.superseded_by.all()) == [agreement]
    rows = history_rows(agreement)
    assert len(rows) == 2 and rows[0].registration_number == "I:33521"
    assert [a.to_agreement_id for a in rows[0].amends.all()] == [older.pk]
    # Restoring the first version brings back no dates, no parties but India, no links.
    tracked_restore_version(instance=agreement, history_id=rows[1].history_id, user=curator)
    agreement.refresh_from_db()
    assert agreement.party_dates == [] and not agreement.amends.exists()
    assert list(agreement.parties.all()) == [india]


def test_an_agreement_cannot_amend_or_supersede_itself(analyst):
    agreement = AgreementFactory()
    for name in ("amends", "supersedes"):
        with pytest.raises(ValidationError) as refused:
            update_with_basis(
                instance=agreement, user=analyst, data={name: [agreement]}, expected_version=None
            )
        assert "itself" in " ".join(refused.value.message_dict[name])
    agreement.refresh_from_db()
    assert agreement.version == 1 and not agreement.amends.exists()


def test_dates_only_for_the_agreements_parties(analyst, parties):
    india, japan = parties
    agreement = AgreementFactory(parties=[india])
    with pytest.raises(ValidationError) as refused:
        update_with_basis(
            instance=agreement,
            user=analyst,
            data={"party_dates": [{"party": japan.pk, "signed_on": "2015"}]},
            expected_version=None,
        )
    assert "Japan" in " ".join(refused.value.message_dict["party_dates"])
    # Nor may a dated party leave the parties.
    update_with_basis(
        instance=agreement,
        user=analyst,
        data={"party_dates": [{"party": india.pk, "signed_on": "2015"}]},
        expected_version=None,
    )
    agreement.refresh_from_db()
    with pytest.raises(ValidationError):
        update_with_basis(
            instance=agreement, user=analyst, data={"parties": []}, expected_version=None
        )
    agreement.refresh_from_db()
    assert agreement.version == 2 and list(agreement.parties.all()) == [india]


@pytest.mark.parametrize(
    "entries",
    [
        [{"party": 1, "signed_on": "15 Dec 2015"}],
        [{"party": 1, "signed_on": "2015-13"}],
        [{"party": 1, "signed_on": "2016", "ratified_on": "2015"}],
        [{"party": 1, "signed_on": "2015"}, {"party": 1, "ratified_on": "2016"}],
        [{"party": "india", "signed_on": "2015"}],
        [{"party": 1, "signed": "2015"}],
        {"party": 1},
    ],
)
def test_party_dates_in_the_wrong_shape_are_refused(analyst, parties, entries):
    agreement = AgreementFactory(parties=list(parties))
    with pytest.raises(ValidationError) as refused:
        update_with_basis(
            instance=agreement, user=analyst, data={"party_dates": entries}, expected_version=None
        )
    assert "party_dates" in refused.value.message_dict


def test_a_merge_keeps_party_dates_and_never_makes_an_agreement_amend_itself(curator, parties):
    india, japan = parties
    keep = AgreementFactory(parties=[india], party_dates=[{"party": india.pk, "signed_on": "2015"}])
    duplicate = AgreementFactory(
        parties=[japan],
        party_dates=[{"party": japan.pk, "ratified_on": "2016"}],
        amends=[keep],
    )
    record_merge(keep=keep, duplicate=duplicate, user=curator)
    keep.refresh_from_db()
    assert {e["party"] for e in keep.party_dates} == {india.pk, japan.pk}
    assert not keep.amends.exists() and not keep.amended_by.exists()


# -- forms ----------------------------------------------------------------------------------


def test_the_deal_form_says_what_is_wrong_beside_each_field(client, analyst):
    deal = DealFactory()
    client.force_login(analyst)
    response = _edit(
        client,
        deal,
        number_ordered="2",
        number_delivered="5",
        estimated_value="100",
        value_currency="us$",
        value_year="2020",
        delivery_first_year="2024",
        delivery_last_year="2021",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "More delivered (5) than ordered (2)" in errors["number_delivered"][0]
    assert "ISO 4217" in errors["value_currency"][0]
    assert "before the first" in errors["delivery_last_year"][0]
    deal.refresh_from_db()
    assert deal.version == 1


def test_the_deal_form_saves_the_sipri_fields(client, analyst):
    deal = DealFactory()
    client.force_login(analyst)
    response = _edit(
        client,
        deal,
        weapon_category="ships",
        licensed_production="on",
        number_ordered="6",
        number_delivered="2",
        delivery_first_year="2021",
        estimated_value="2500000",
        value_currency="jpy",
        value_year="2021",
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.weapon_category, deal.licensed_production, deal.value_currency) == (
        "ships",
        True,
        "JPY",
    )
    page = client.get(deal.get_absolute_url()).content.decode()
    assert "Ships" in page and "Licensed production" in page and "2021" in page
    assert "JPY 2,500,000" in page and "(2021 prices)" in page


def test_the_agreement_form_refuses_a_bad_number_self_links_and_strangers_dates(
    client, analyst, parties
):
    india, _japan = parties
    agreement = AgreementFactory(parties=[india])
    client.force_login(analyst)
    response = _edit(
        client,
        agreement,
        registration_number="12345",
        amends=[str(agreement.pk)],
        party_dates="Japan | 2015-12-12 | 2016",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "I:33521" in errors["registration_number"][0]
    assert "amends" in errors  # itself is not even offered
    assert "Japan: not a party" in errors["party_dates"][0]
    unknown = _edit(client, agreement, party_dates="Atlantis | 2015")
    assert "no actor “Atlantis”" in unknown.context["form"].errors["party_dates"][0]
    agreement.refresh_from_db()
    assert agreement.version == 1


def test_the_agreement_form_saves_the_treaty_record_and_the_page_shows_it(client, analyst, parties):
    india, japan = parties
    older = AgreementFactory(title="The 2008 joint declaration")
    agreement = AgreementFactory(parties=[india])
    client.force_login(analyst)
    response = _edit(
        client,
        agreement,
        parties=[str(india.pk), str(japan.pk)],
        place_of_signature="Tokyo",
        depositary="Government of Japan",
        registration_number="i-54113",
        in_force_on="2016-07",
        party_dates="India | 2015-12-12 | 2016-06\njapan | 2015-12-12",
        supersedes=[str(older.pk)],
    )
    assert response.status_code == 302, response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.registration_number == "I:54113"
    assert agreement.party_dates[0] == {
        "party": india.pk,
        "signed_on": "2015-12-12",
        "ratified_on": "2016-06",
    }
    page = client.get(agreement.get_absolute_url()).content.decode()
    for text in ("Tokyo", "Government of Japan", "I:54113", "Entry into force", "July 2016"):
        assert text in page
    assert "June 2016" in page and "Superseded by" not in page and "Supersedes" in page
    assert "Superseded by" in client.get(older.get_absolute_url()).content.decode()
    # The form shows the dates as they were typed back, and saving it again changes nothing.
    again = _edit(client, agreement)
    assert again.status_code == 302
    agreement.refresh_from_db()
    assert agreement.version == 2


def test_empty_treaty_and_sipri_fields_are_not_shown(client, analyst):
    agreement, deal = AgreementFactory(), DealFactory()
    client.force_login(analyst)
    # The claims panel's form offers every fact as a choice; the fields shown are the rest.
    agreement_page, deal_page = (
        re.sub(
            r"<option[^>]*>[^<]*</option>", "", client.get(r.get_absolute_url()).content.decode()
        )
        for r in (agreement, deal)
    )
    assert "Depositary" not in agreement_page and "UNTS" not in agreement_page
    assert "Amended by" not in agreement_page
    assert "Weapon category" not in deal_page and "Estimated value" not in deal_page


# -- CSV, JSON round trip, filters ------------------------------------------------------------


def test_the_web_csv_carries_the_new_columns(client, analyst, parties):
    india, japan = parties
    older = AgreementFactory(title="Older")
    AgreementFactory(
        title="Newer",
        parties=[india, japan],
        registration_number="I:33521",
        party_dates=[{"party": japan.pk, "signed_on": "2015-12-12", "ratified_on": "2016"}],
        amends=[older],
    )
    DealFactory(**SIPRI)
    client.force_login(analyst)
    header, *rows = csv_table(client.get(reverse("cooperation:agreement_export")))
    newer = dict(zip(header, next(r for r in rows if "Newer" in r), strict=True))
    assert newer["registration_number"] == "I:33521"
    assert newer["party_dates"] == "Japan: signed 2015-12-12, ratified 2016"
    assert newer["amends"] == "Older"
    header, row = csv_table(client.get(reverse("cooperation:deal_export")))
    cells = dict(zip(header, row, strict=True))
    assert cells["weapon_category"] == "Aircraft" and cells["weapon_category_code"] == "aircraft"
    assert (cells["number_ordered"], cells["number_delivered"]) == ("12", "4")
    assert (cells["estimated_value"], cells["value_currency"]) == ("1650000000.00", "USD")


def _export() -> dict:
    querysets = [model.objects.order_by("pk") for model in KINDS.values()]
    return json.loads("".join(stream(None, querysets, internal=True)))


def test_the_json_export_and_its_import_keep_the_new_fields(curator):
    with rolled_back():
        india, japan = ActorFactory(slug="india", name="India"), ActorFactory(slug="japan")
        # The amending agreement is made first, so the import meets the link before its target.
        newer = AgreementFactory(slug="newer", parties=[india, japan])
        older = AgreementFactory(slug="older")
        update_with_basis(
            instance=newer,
            user=curator,
            data={
                "amends": [older],
                "supersedes": [older],
                "registration_number": "II:965",
                "place_of_signature": "Tokyo",
                "party_dates": [{"party": japan.pk, "signed_on": "2015-12", "ratified_on": None}],
            },
            expected_version=None,
        )
        DealFactory(slug="us-2", **SIPRI)
        before = _export()
    assert not Agreement.all_objects.exists()
    exported = {r["slug"]: r for r in before["records"]}
    assert exported["newer"]["party_dates"] == [
        {"party": "japan", "signed_on": "2015-12", "ratified_on": None}
    ]
    assert exported["newer"]["amends"] == ["older"]
    assert exported["us-2"]["estimated_value"] == "1650000000.00"

    records_import(document=json.loads(json.dumps(before)), user=curator)

    after = {r["slug"]: r for r in _export()["records"]}
    for slug in ("newer", "older", "us-2"):
        for key, value in exported[slug].items():
            if key == "claims":  # recorded anew: by the importer, now
                unkept = ("author", "created")

                def kept(claims, unkept=unkept):
                    return [{k: v for k, v in c.items() if k not in unkept} for c in claims]

                assert sorted(map(str, kept(after[slug][key]))) == sorted(map(str, kept(value)))
            elif key not in ("id", "version", "created_at", "updated_at"):
                assert after[slug][key] == value, (slug, key)
    newer = Agreement.objects.get(slug="newer")
    assert newer.party_dates[0]["party"] == newer.parties.get(slug="japan").pk


def test_an_export_whose_party_dates_name_a_stranger_is_refused(tmp_path):
    from django.core.management import CommandError, call_command

    document = {
        "format": "contours-export",
        "version": 1,
        "records": [
            {
                "record_type": "agreement",
                "slug": "a",
                "title": "A",
                "parties": [],
                "party_dates": [{"party": "japan", "signed_on": "2015"}],
            }
        ],
        "excerpts": [],
        "sources": [],
        "actors": [{"slug": "japan", "name": "Japan"}],
        "topics": [],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError, match="party_dates"):
        call_command("import_records", str(path), stdout=StringIO(), stderr=StringIO())
    assert not Agreement.all_objects.exists()


def test_filters_weapon_category_licensed_production_and_registration(analyst, rf):
    aircraft = DealFactory(weapon_category="aircraft", licensed_production=True)
    DealFactory(weapon_category="ships")
    treaty = AgreementFactory(registration_number="I:33521")
    AgreementFactory()
    request = rf.get("/")
    request.user = analyst

    def deals(**params):
        return set(DealFilterSet(params, queryset=Deal.objects.all(), request=request).qs)

    def agreements(**params):
        return set(AgreementFilterSet(params, queryset=Agreement.objects.all(), request=request).qs)

    assert deals(weapon_category=["aircraft"]) == {aircraft}
    assert deals(licensed_production="true") == {aircraft}
    assert len(deals(licensed_production="false")) == 1
    assert agreements(registration_number="i-33521") == {treaty}
    assert agreements(q="I:33521") == {treaty}
    amending = AgreementFactory(amends=[treaty])
    assert agreements(amends=[treaty.slug]) == {amending}
    assert agreements(supersedes=[treaty.slug]) == set()
    spears = DealFilterSet({"weapon_category": ["spears"]}, queryset=Deal.objects.all())
    assert not spears.is_valid()


def test_the_web_list_filters_deals_by_weapon_category(client, analyst):
    DealFactory(title="Amphibious aircraft", weapon_category="aircraft")
    DealFactory(title="Submarine", weapon_category="ships")
    client.force_login(analyst)
    page = client.get(reverse("cooperation:deal_list"), {"weapon_category": "ships"})
    html = page.content.decode()
    assert page.status_code == 200 and "Submarine" in html and "Amphibious aircraft" not in html
    assert connection.vendor in ("sqlite", "postgresql")
