"""The record page's identifiers: linked out, added and removed by staff, duplicates named."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.models import Identifier
from cooperation.services.identifiers import identifier_add, identifier_remove
from tests.factories import TEST_BASIS, AgreementFactory, DealFactory

pytestmark = pytest.mark.django_db

KIND = {"kind": "acquisition", "status": "proposed"}


def _add_url(record, kind):
    return reverse(f"cooperation:{kind}_identifier_add", kwargs={"slug": record.slug})


def test_page_links_out_and_adds(client, analyst):
    deal = DealFactory()
    client.force_login(analyst)
    answer = client.post(_add_url(deal, "deal"), {"scheme": "wikidata", "value": "q668"})
    assert answer.status_code == 302
    page = client.get(deal.get_absolute_url()).content.decode()
    assert 'href="https://www.wikidata.org/wiki/Q668"' in page
    assert "noopener" in page and "external site" in page
    assert "Add identifier" in page


def test_bad_value_is_a_form_error(client, analyst):
    deal = DealFactory()
    client.force_login(analyst)
    answer = client.post(_add_url(deal, "deal"), {"scheme": "unts", "value": "33521"})
    assert answer.status_code == 400
    assert "I:33521" in answer.content.decode()
    other = client.post(_add_url(deal, "deal"), {"scheme": "other", "value": "X"})
    assert other.status_code == 400 and "http(s) URL" in other.content.decode()
    assert Identifier.all_objects.count() == 0


def test_duplicate_names_the_record_and_offers_it(client, analyst):
    first = AgreementFactory(title="The first agreement")
    identifier_add(user=None, record=first, scheme="unts", value="I:7")
    deal = DealFactory()
    client.force_login(analyst)
    answer = client.post(_add_url(deal, "deal"), {"scheme": "unts", "value": "i:7"})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "The first agreement" in page and first.get_absolute_url() in page
    assert "merge" in page


def test_remove_and_same_thing_elsewhere(client, analyst):
    old = AgreementFactory(title="Duplicate from another brief")
    row = identifier_add(user=None, record=old, scheme="wikidata", value="Q9")
    identifier_remove(user=None, identifier=row)
    keep = AgreementFactory()
    identifier_add(user=None, record=keep, scheme="wikidata", value="Q9")
    client.force_login(analyst)
    page = client.get(keep.get_absolute_url()).content.decode()
    assert "Same thing elsewhere" in page and "Duplicate from another brief" in page
    mine = keep.spine.identifiers.get()
    url = reverse(
        "cooperation:agreement_identifier_remove",
        kwargs={"slug": keep.slug, "identifier_id": mine.pk},
    )
    assert client.post(url).status_code == 302
    assert not keep.spine.identifiers.exists()


def test_partner_cannot_add(client, partner):
    deal = DealFactory()
    client.force_login(partner)
    answer = client.post(_add_url(deal, "deal"), {"scheme": "wikidata", "value": "Q1"})
    assert answer.status_code in (302, 403)
    assert Identifier.all_objects.count() == 0


@pytest.mark.parametrize(
    ("key", "factory"),
    [
        ("agreement", AgreementFactory),
        ("deal", DealFactory),
    ],
)
def test_web_list_filters_by_identifier(client, analyst, key, factory):
    named, other = factory(title="Named one"), factory(title="Other one")
    identifier_add(user=None, record=named, scheme="wikidata", value="Q77")
    client.force_login(analyst)
    page = client.get(reverse(f"cooperation:{key}_list"), {"identifier": "wikidata:q77"})
    assert page.status_code == 200
    # The rows listed (the filter form's pickers name every record, so not the page's text).
    rows = page.context["rows"]
    assert [row.pk for row in rows] == [named.pk] and other.pk != named.pk


def test_creating_a_record_with_a_taken_identifier_names_the_holder(client, analyst):
    from cooperation.models import Deal

    first = AgreementFactory(title="Already here")
    identifier_add(user=None, record=first, scheme="wikidata", value="Q55")
    client.force_login(analyst)
    url = reverse("cooperation:deal_create")
    answer = client.post(
        url, {"title": "A new deal", "identifier": "wikidata:q55", **KIND, "visibility": "draft"}
    )
    # Nothing is made; the form names the record that already holds it.
    assert not Deal.objects.filter(title="A new deal").exists()
    text = answer.content.decode()
    assert answer.status_code == 200 and "Already here" in text


def test_creating_a_record_with_a_new_identifier_attaches_it(client, analyst):
    from cooperation.models import Deal
    from cooperation.services.records import record_create

    deal = record_create(
        model=Deal,
        user=analyst,
        data={"title": "Fresh", "slug": "fresh", **KIND},
        identifiers=[("unts", "I:3")],
        basis=TEST_BASIS,
    )
    assert deal.spine.identifiers.get().value == "I:3"
    with pytest.raises(Exception) as caught:
        record_create(
            model=Deal,
            user=analyst,
            data={"title": "Dup", "slug": "dup", **KIND},
            identifiers=[("unts", "I:3")],
            basis=TEST_BASIS,
        )
    assert "Fresh" in str(caught.value)
    assert not Deal.all_objects.filter(slug="dup").exists()
