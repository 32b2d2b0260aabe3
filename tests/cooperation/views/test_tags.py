"""Tags in the pages: the record form's field and the `/lookup/tags/` picker, `?tag=` on every
web list, its CSV and JSON exports and the API, the bulk "Add a tag" / "Remove a tag", and the
tags partners may and may not see."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.models import Agreement, Tag
from cooperation.services import annotation_create, record_set_visibility
from cooperation.services.tags import annotation_tags_set, record_tags_change, tag_create
from tests.api.conftest import client_for
from tests.cooperation.views.helpers import csv_table
from tests.factories import AgreementFactory, ChallengeFactory, DealFactory, RecommendationFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

FACTORIES = {
    "agreement": AgreementFactory,
    "deal": DealFactory,
    "challenge": ChallengeFactory,
    "recommendation": RecommendationFactory,
}


@pytest.fixture
def tagged(analyst):
    """For each kind: one record tagged "alpha" and "beta", one only "alpha", one untagged."""
    alpha = tag_create(user=analyst, name="Alpha")
    beta = tag_create(user=analyst, name="Beta")
    rows = {}
    for key, factory in FACTORIES.items():
        both, one, none = (factory(title=f"{key} {n}") for n in ("both", "one", "none"))
        record_tags_change(record=both, user=analyst, add=[alpha, beta])
        record_tags_change(record=one, user=analyst, add=[alpha])
        rows[key] = (both, one, none)
    return alpha, beta, rows


def _titles(response):
    return sorted(str(row) for row in response.context["rows"])


@pytest.mark.parametrize("key", list(FACTORIES))
def test_every_record_list_filters_by_tags_all_of_them(client, analyst, tagged, key):
    client.force_login(analyst)
    url = reverse(f"cooperation:{key}_list")
    assert _titles(client.get(url, {"tag": "alpha"})) == [f"{key} both", f"{key} one"]
    assert _titles(client.get(url, {"tag": ["alpha", "beta"]})) == [f"{key} both"]
    page = client.get(url, {"tag": "beta"}).content.decode()
    assert 'class="tag-chip" href="?tag=beta"' in page


@pytest.mark.parametrize("key", list(FACTORIES))
def test_an_unknown_tag_is_a_form_error_not_a_500(client, analyst, tagged, key):
    client.force_login(analyst)
    response = client.get(reverse(f"cooperation:{key}_list"), {"tag": ["nope", "1e99"]})
    assert response.status_code in (200, 400)
    assert "tag" in response.context["filterset"].errors


def test_the_csv_and_json_exports_filter_by_tag_and_carry_the_tags(client, analyst, tagged):
    client.force_login(analyst)
    table = csv_table(client.get(reverse("cooperation:agreement_export"), {"tag": "beta"}))
    header, rows = table[0], table[1:]
    assert [row[header.index("title")] for row in rows] == ["agreement both"]
    assert rows[0][header.index("tags")] == "Alpha; Beta"
    response = client.get(reverse("cooperation:agreement_json_export"), {"tag": "beta"})
    document = json.loads(b"".join(response.streaming_content))
    assert [r["title"] for r in document["records"]] == ["agreement both"]
    assert document["records"][0]["tags"] == ["Alpha", "Beta"]


@pytest.mark.parametrize("key", list(FACTORIES))
def test_the_api_filters_by_tag_and_shows_them(analyst, tagged, key):
    api = client_for(analyst)
    body = api.get(f"/api/v1/{key}s/", {"tag": ["alpha", "beta"]}).json()
    assert [r["title"] for r in body["results"]] == [f"{key} both"]
    assert [t["slug"] for t in body["results"][0]["tags"]] == ["alpha", "beta"]
    assert api.get(f"/api/v1/{key}s/", {"tag": "nope"}).status_code == 400


def test_the_record_page_shows_its_tags_linking_to_the_list(client, analyst, tagged):
    both = tagged[2]["deal"][0]
    client.force_login(analyst)
    html = client.get(both.get_absolute_url()).content.decode()
    assert 'href="/deals/?tag=alpha"' in html and ">Beta</a>" in html


def test_a_tag_change_shows_in_the_record_history(client, analyst, tagged):
    both = tagged[2]["agreement"][0]
    client.force_login(analyst)
    page = client.get(reverse("cooperation:agreement_history", kwargs={"slug": both.slug}))
    assert page.status_code == 200
    assert "Tags +Alpha +Beta" in page.content.decode()


# -- notes ----------------------------------------------------------------------------------


def test_the_notes_list_filters_by_tag_and_partners_do_not_learn_team_tags(
    client, analyst, partner
):
    record = AgreementFactory(visibility=Visibility.PUBLISHED)
    secret = tag_create(user=analyst, name="Secret lead")
    shared = tag_create(user=analyst, name="Shared")
    team = annotation_create(author=analyst, record=record, body="Team note")
    open_note = annotation_create(
        author=analyst, record=record, body="For partners", visibility=AnnotationVisibility.PARTNERS
    )
    annotation_tags_set(annotation=team, user=analyst, tags=[secret])
    annotation_tags_set(annotation=open_note, user=analyst, tags=[shared])
    client.force_login(analyst)
    notes = client.get(reverse("cooperation:annotation_list"), {"tag": "secret-lead"})
    assert [n.body for n in notes.context["rows"]] == ["Team note"]
    assert "Secret lead</a>" in notes.content.decode()

    api = client_for(partner, write=False)
    assert [t["slug"] for t in api.get("/api/v1/tags/").json()["results"]] == ["shared"]
    assert api.get("/api/v1/annotations/", {"tag": "secret-lead"}).status_code == 400
    body = api.get("/api/v1/annotations/", {"tag": "shared"}).json()
    assert [n["tags"][0]["name"] for n in body["results"]] == ["Shared"]


def test_partners_see_the_tags_of_published_records_only(analyst, partner):
    hidden, shown = AgreementFactory(), AgreementFactory()
    record_set_visibility(record=shown, user=None, visibility=Visibility.PUBLISHED)
    record_tags_change(record=hidden, user=analyst, add=[tag_create(user=analyst, name="Draft")])
    record_tags_change(record=shown, user=analyst, add=[tag_create(user=analyst, name="Public")])
    api = client_for(partner, write=False)
    assert [t["name"] for t in api.get("/api/v1/tags/").json()["results"]] == ["Public"]
    body = api.get("/api/v1/agreements/").json()
    assert [[t["name"] for t in r["tags"]] for r in body["results"]] == [["Public"]]


def test_the_api_tags_a_note_for_its_author_only(analyst, other_analyst):
    tag = tag_create(user=analyst, name="Follow up")
    note = annotation_create(author=analyst, record=AgreementFactory(), body="Look")
    path = f"/api/v1/annotations/{note.pk}/"
    mine_api, theirs_api = client_for(analyst), client_for(other_analyst)
    etag = mine_api.get(path)["ETag"]
    mine = mine_api.patch(path, {"tags": ["follow-up"]}, format="json", HTTP_IF_MATCH=etag)
    assert mine.status_code == 200, mine.content
    assert [t["slug"] for t in mine.json()["tags"]] == ["follow-up"]
    assert "Tags changed" in note.history.first().history_change_reason
    etag = theirs_api.get(path)["ETag"]
    theirs = theirs_api.patch(path, {"tags": []}, format="json", HTTP_IF_MATCH=etag)
    assert theirs.status_code == 403
    forged = mine_api.patch(path, {"tags": ["no-such-tag"]}, format="json", HTTP_IF_MATCH="*")
    assert forged.status_code == 400
    assert list(note.tags.all()) == [tag]


# -- the record form and the picker ---------------------------------------------------------


def test_the_record_form_offers_a_tag_picker_with_inline_create(client, analyst):
    client.force_login(analyst)
    html = client.get(reverse("cooperation:agreement_create")).content.decode()
    assert 'data-picker-lookup="/lookup/tags/"' in html
    assert 'data-picker-create="/lookup/tags/new/"' in html


def test_the_picker_makes_a_tag_and_refuses_one_in_another_case(client, analyst):
    client.force_login(analyst)
    made = client.post("/lookup/tags/new/", {"name": "Sea denial"})
    assert made.status_code == 201 and made.json()["label"] == "Sea denial"
    again = client.post("/lookup/tags/new/", {"name": "SEA DENIAL"})
    assert again.status_code == 400 and "Sea denial" in again.json()["detail"]
    too_long = client.post("/lookup/tags/new/", {"name": "x" * 41})
    assert too_long.status_code == 400
    found = client.get("/lookup/tags/", {"q": "sea"}).json()
    assert [r["label"] for r in found["results"]] == ["Sea denial"]


def test_a_forged_tag_id_in_the_record_form_is_a_field_error(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)
    url = reverse("cooperation:agreement_edit", kwargs={"slug": record.slug})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(title=record.title, slug=record.slug, kind=record.kind, status=record.status)
    data.update(visibility=record.visibility, expected_version=record.version)
    for forged in ("999999", "1e99", "-1", "x"):
        response = client.post(url, {**data, "tags": [forged]})
        assert response.status_code in (200, 400)
        assert "tags" in response.context["form"].errors
    assert not Agreement.objects.get(pk=record.pk).tags.exists()


# -- bulk -----------------------------------------------------------------------------------


def _bulk(client, key, **data):
    return client.post(reverse(f"cooperation:{key}_bulk"), data)


def test_bulk_tag_tags_each_row_with_its_own_history_and_lists_the_refused(client, analyst):
    tag = tag_create(user=analyst, name="Quad")
    fresh, already = DealFactory(title="Fresh"), DealFactory(title="Already")
    record_tags_change(record=already, user=analyst, add=[tag])
    rows_before = len(history_rows(fresh))
    client.force_login(analyst)
    response = _bulk(client, "deal", action="tag", tag=tag.pk, ids=[fresh.pk, already.pk])
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 done, 1 refused" in html
    assert "Already</a>: It already carries “Quad”." in html
    assert list(fresh.tags.all()) == [tag]
    assert len(history_rows(fresh)) == rows_before + 1


def test_bulk_tag_with_a_new_name_makes_it_once(client, analyst):
    rows = [AgreementFactory(), AgreementFactory()]
    client.force_login(analyst)
    ids = [r.pk for r in rows]
    response = _bulk(client, "agreement", action="tag", new_tag="Indo-Pacific", ids=ids)
    assert "2 done" in response.content.decode()
    assert Tag.objects.get().name == "Indo-Pacific"
    assert all(r.tags.count() == 1 for r in rows)


def test_bulk_untag(client, analyst):
    tag = tag_create(user=analyst, name="Quad")
    record = ChallengeFactory()
    record_tags_change(record=record, user=analyst, add=[tag])
    client.force_login(analyst)
    response = _bulk(client, "challenge", action="untag", tag=tag.pk, ids=[record.pk])
    assert "1 done" in response.content.decode()
    assert not record.tags.exists()


@pytest.mark.parametrize("data", [{"tag": "999999"}, {"tag": "1e99"}, {}, {"new_tag": "<b>"}])
def test_bulk_tag_bad_input_is_a_400_that_changes_nothing(client, analyst, data):
    record = AgreementFactory()
    client.force_login(analyst)
    response = _bulk(client, "agreement", action="tag", ids=[record.pk], **data)
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert not record.tags.exists() and not Tag.objects.exists()


def test_partners_cannot_bulk_tag(client, analyst, partner):
    tag = tag_create(user=analyst, name="Quad")
    record = AgreementFactory(visibility=Visibility.PUBLISHED)
    client.force_login(partner)
    response = _bulk(client, "agreement", action="tag", tag=tag.pk, ids=[record.pk])
    assert response.status_code in (302, 403)
    assert not record.tags.exists()


def test_the_api_tag_list_searches_by_name_in_name_order(analyst):
    # A search once ordered tags by a full-text rank they do not have: a 500.
    for name in ("Quad follow-up", "Follow up", "Maritime"):
        tag_create(user=analyst, name=name)
    api = client_for(analyst, write=False)
    for q in ("follow", "FOLLOW", "\U0007d584\x12¥Üª"):
        response = api.get("/api/v1/tags/", {"q": q})
        assert response.status_code == 200, (q, response.content)
    names = [t["name"] for t in api.get("/api/v1/tags/", {"q": "follow"}).json()["results"]]
    assert names == ["Follow up", "Quad follow-up"]
