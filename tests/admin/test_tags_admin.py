"""The tags admin: usage counts per tag, made through tag_create (a name in another case is
refused on the form), and tags on the record admin's pages."""

from __future__ import annotations

import pytest

from cooperation.models import Tag
from cooperation.services import annotation_create
from cooperation.services.tags import annotation_tags_set, record_tags_change, tag_create
from tests.factories import AgreementFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_the_tag_list_counts_the_live_records_and_notes_carrying_each(client, curator):
    quad = tag_create(user=curator, name="Quad")
    tag_create(user=curator, name="Unused")
    for record in (AgreementFactory(), DealFactory()):
        record_tags_change(record=record, user=curator, add=[quad])
    note = annotation_create(author=curator, record=AgreementFactory(), body="See")
    annotation_tags_set(annotation=note, user=curator, tags=[quad])
    client.force_login(curator)
    page = client.get("/admin/cooperation/tag/", {"q": "qua"})
    assert page.status_code == 200
    rows = page.context["cl"].result_list
    assert [(t.name, page.context["cl"].model_admin.record_count(t)) for t in rows] == [("Quad", 2)]
    assert page.context["cl"].model_admin.note_count(rows[0]) == 1


def test_adding_a_tag_in_the_admin_refuses_a_name_in_another_case(client, curator):
    tag_create(user=curator, name="NATO")
    client.force_login(curator)
    response = client.post("/admin/cooperation/tag/add/", {"name": "nato", "slug": "nato-2"})
    assert Tag.objects.count() == 1
    assert response.status_code in (200, 302)
    made = client.post("/admin/cooperation/tag/add/", {"name": "Sea denial", "slug": "x"})
    assert made.status_code == 302
    assert Tag.objects.get(name="Sea denial").history.count() == 1


def test_the_record_admin_offers_tags(client, curator):
    record = AgreementFactory()
    client.force_login(curator)
    page = client.get(f"/admin/cooperation/agreement/{record.pk}/change/")
    assert page.status_code == 200
    assert 'name="tags"' in page.content.decode()
