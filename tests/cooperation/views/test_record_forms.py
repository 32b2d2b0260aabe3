"""Create and edit forms, and edit conflicts (cooperation/views/records.py, forms/records.py)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cooperation.choices import Visibility
from cooperation.models import Agreement, Challenge, Deal, Recommendation, RecordEvidence
from cooperation.services import tracked_delete, tracked_update
from tests.factories import (
    FORM_BASIS,
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    TopicFactory,
)
from tests.utils import history_rows

pytestmark = pytest.mark.django_db


def form_data(form) -> dict:
    """What a browser would send back for `form` as rendered (initial or bound values)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value == "":
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def _edit_url(record) -> str:
    return reverse(f"cooperation:{record._meta.model_name}_edit", kwargs={"slug": record.slug})


def _create_url(kind: str) -> str:
    return reverse(f"cooperation:{kind}_create")


# -- create ----------------------------------------------------------------------------------


def test_create_each_kind_as_an_analyst(client, analyst):
    india, japan = ActorFactory(name="India"), ActorFactory(name="Japan")
    space = TopicFactory(name="Space")
    agreement = AgreementFactory()
    challenge = ChallengeFactory()
    client.force_login(analyst)
    common = {"visibility": Visibility.INTERNAL, "actors": [india.pk], "topics": [space.pk]}
    posts = {
        "agreement": {
            "title": "Tokyo Declaration",
            "kind": "declaration",
            "status": "signed",
            "parties": [india.pk, japan.pk],
            "signed_on": "2014-09-01",
            "signed_on_precision": "day",
        },
        "deal": {
            "title": "US-2 aircraft",
            "kind": "acquisition",
            "status": "stalled",
            "supplier": japan.pk,
            "recipient": india.pk,
            "governed_by": [agreement.pk],
            "period_start": "2015-01-01",
            "period_end": "2016-01-01",
        },
        "challenge": {"title": "Cost", "category": "cost", "severity": "high"},
        "recommendation": {
            "title": "Co-produce aircraft",
            "priority": "high",
            "owner": analyst.pk,
            "target_date": "2026-01-01",
            "addressed_to": [japan.pk],
            "addresses": [challenge.pk],
        },
    }

    for kind, data in posts.items():
        response = client.post(_create_url(kind), {**common, **data, **FORM_BASIS})
        assert response.status_code == 302, response.context["form"].errors

    made = Agreement.objects.get(slug="tokyo-declaration")
    assert set(made.parties.all()) == {india, japan}
    assert list(made.actors.all()) == [india] and list(made.topics.all()) == [space]
    assert made.created_by == analyst and made.version == 1
    deal = Deal.objects.get(slug="us-2-aircraft")
    assert (deal.supplier, deal.recipient, deal.status) == (japan, india, "stalled")
    assert list(deal.governed_by.all()) == [agreement]
    assert Challenge.objects.get(slug="cost").severity == "high"
    rec = Recommendation.objects.get(slug="co-produce-aircraft")
    assert (rec.owner, rec.status, rec.target_date) == (
        analyst,
        "proposed",
        datetime.date(2026, 1, 1),
    )
    assert list(rec.addresses.all()) == [challenge]
    assert rec.status_changes.count() == 1  # the timeline started with it


def test_create_page_labels_every_input_and_offers_no_status_for_recommendations(client, analyst):
    ActorFactory()
    client.force_login(analyst)

    response = client.get(_create_url("recommendation"))

    form = response.context["form"]
    assert "status" not in form.fields
    html = response.content.decode()
    for field in form.visible_fields():
        if field.name == "evidence_note":
            continue
        if field.field.widget.use_fieldset:
            assert f"<legend>{field.label}:</legend>" in html
        else:
            assert f'for="{field.id_for_label}"' in html


def test_create_makes_a_unique_slug_from_the_title_trash_included(client, analyst, curator):
    trashed = AgreementFactory(title="Tokyo Declaration", slug="tokyo-declaration")
    tracked_delete(instance=trashed, user=curator)
    client.force_login(analyst)

    client.post(
        _create_url("agreement"),
        {
            "title": "Tokyo Declaration",
            "kind": "declaration",
            "status": "signed",
            "visibility": "internal",
            **FORM_BASIS,
        },
    )

    assert Agreement.objects.get(title="Tokyo Declaration").slug == "tokyo-declaration-2"


def test_create_refuses_a_taken_slug_and_keeps_the_input(client, analyst):
    AgreementFactory(slug="taken")
    client.force_login(analyst)

    response = client.post(
        _create_url("agreement"),
        {
            "title": "My new title",
            "slug": "taken",
            "kind": "mou",
            "status": "signed",
            "visibility": "internal",
            "summary": "Typed with care.",
        },
    )

    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="My new title"' in html and "Typed with care." in html
    assert Agreement.objects.count() == 1


def test_create_shows_validation_errors_per_field_and_keeps_input(client, analyst):
    client.force_login(analyst)

    response = client.post(
        _create_url("deal"),
        {
            "title": "",
            "summary": "Kept summary",
            "kind": "not-a-kind",
            "status": "stalled",
            "visibility": "internal",
            "period_start": "2020-01-01",
            "period_end": "2019-01-01",
            "system": "Kept system",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"title", "kind"} <= set(errors)
    html = response.content.decode()
    assert "Kept summary" in html and 'value="Kept system"' in html
    assert 'aria-invalid="true"' in html
    assert Deal.objects.count() == 0


def test_create_refuses_a_backwards_period(client, analyst):
    client.force_login(analyst)

    response = client.post(
        _create_url("deal"),
        {
            "title": "Backwards",
            "kind": "acquisition",
            "status": "stalled",
            "visibility": "internal",
            "period_start": "2020-01-01",
            "period_end": "2019-01-01",
        },
    )

    assert response.status_code == 200
    assert "must end on or after its start" in response.content.decode()
    assert Deal.objects.count() == 0


def test_analyst_cannot_create_a_published_record(client, analyst):
    client.force_login(analyst)

    response = client.post(
        _create_url("challenge"),
        {
            "title": "C",
            "category": "cost",
            "severity": "low",
            "visibility": "published",
            **FORM_BASIS,
        },
    )

    assert response.status_code == 200
    assert "visibility" in response.context["form"].errors
    assert Challenge.objects.count() == 0


def test_curator_may_create_a_published_record(client, curator):
    client.force_login(curator)

    client.post(
        _create_url("challenge"),
        {
            "title": "C",
            "category": "cost",
            "severity": "low",
            "visibility": "published",
            **FORM_BASIS,
        },
    )

    assert Challenge.objects.get().visibility == Visibility.PUBLISHED


def test_create_with_an_excerpt_shows_the_quote_and_attaches_it(client, analyst):
    excerpt = ExcerptFactory()
    client.force_login(analyst)
    url = f"{_create_url('challenge')}?excerpt={excerpt.pk}"

    page = client.get(url)
    assert excerpt.display_quote in page.content.decode()
    data = {
        **form_data(page.context["form"]),
        "title": "From the brief",
        "category": "cost",
        "severity": "low",
        "evidence_note": "It says so.",
    }
    response = client.post(url, data)

    record = Challenge.objects.get(title="From the brief")
    assert response.status_code == 302
    [link] = RecordEvidence.objects.filter(spine_id=record.spine_id)
    assert (link.excerpt, link.note, link.created_by) == (excerpt, "It says so.", analyst)


def test_create_with_a_non_ascii_digit_excerpt_shows_the_plain_form(client, analyst):
    # "²".isdigit() is true but int("²") fails: such input attaches nothing, never a 500.
    client.force_login(analyst)

    page = client.get(f"{_create_url('challenge')}?excerpt=²")

    assert page.status_code == 200
    assert page.context["excerpt"] is None
    assert "That excerpt no longer exists" in page.content.decode()


def test_create_recommendation_with_an_excerpt_cites_it_in_the_status_timeline(client, analyst):
    excerpt = ExcerptFactory()
    client.force_login(analyst)

    client.post(
        f"{_create_url('recommendation')}?excerpt={excerpt.pk}",
        {"title": "R", "priority": "low", "visibility": "internal", "excerpt": excerpt.pk},
    )

    rec = Recommendation.objects.get()
    assert rec.evidence_links.get().excerpt == excerpt
    assert rec.status_changes.get().evidence_excerpt == excerpt


def test_create_with_a_trashed_excerpt_creates_nothing(client, analyst, curator):
    excerpt = ExcerptFactory()
    tracked_delete(instance=excerpt, user=curator)
    client.force_login(analyst)

    response = client.post(
        _create_url("challenge"),
        {
            "title": "C",
            "category": "cost",
            "severity": "low",
            "visibility": "internal",
            "excerpt": excerpt.pk,
        },
    )

    assert response.status_code == 200
    assert "no longer available" in response.content.decode()
    assert Challenge.objects.count() == 0


def test_create_and_edit_redirect_anonymous_and_refuse_partners(client, partner):
    record = AgreementFactory()
    for url in (_create_url("agreement"), _edit_url(record)):
        assert client.get(url).status_code == 302
    client.force_login(partner)
    for url in (_create_url("agreement"), _edit_url(record)):
        assert client.get(url).status_code == 403


# -- edit ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory", [AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory]
)
def test_edit_each_kind_as_an_analyst(client, analyst, factory):
    record = factory()
    topic = TopicFactory()
    client.force_login(analyst)
    page = client.get(_edit_url(record))
    data = {**form_data(page.context["form"]), "title": "Renamed", "topics": [topic.pk]}
    assert "This form is now at version" not in page.content.decode()

    response = client.post(_edit_url(record), data)

    assert response.status_code == 302
    saved = type(record).objects.get(pk=record.pk)
    assert (saved.title, saved.version, saved.updated_by) == ("Renamed", 2, analyst)
    assert list(saved.topics.all()) == [topic]
    assert saved.slug == record.slug  # the address stays unless someone changes it


def test_edit_without_changes_writes_nothing(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(record)).context["form"])

    client.post(_edit_url(record), data)

    assert Agreement.objects.get(pk=record.pk).version == 1
    assert len(history_rows(record)) == 1


def test_edit_of_a_published_record_by_an_analyst_keeps_it_published(client, analyst, curator):
    from cooperation.services import record_publish

    record = record_publish(record=AgreementFactory(), user=curator)
    client.force_login(analyst)
    page = client.get(_edit_url(record))
    assert "visibility" not in page.context["form"].fields

    client.post(_edit_url(record), {**form_data(page.context["form"]), "title": "New"})

    saved = Agreement.objects.get(pk=record.pk)
    assert (saved.title, saved.visibility) == ("New", Visibility.PUBLISHED)


def test_edit_validation_error_keeps_input_and_saves_nothing(client, analyst):
    record = ChallengeFactory()
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(record)).context["form"])

    response = client.post(_edit_url(record), {**data, "title": "", "summary": "My new words"})

    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "My new words" in response.content.decode()
    assert Challenge.objects.get(pk=record.pk).version == 1


# -- conflicts -------------------------------------------------------------------------------


def test_edit_conflict_shows_both_versions_and_overwrites_nothing(client, analyst, other_analyst):
    india = ActorFactory(name="India")
    record = AgreementFactory(title="Original", summary="Old summary")
    client.force_login(analyst)
    mine = form_data(client.get(_edit_url(record)).context["form"])  # opened at version 1
    # Someone else saves first.
    tracked_update(
        instance=record,
        user=other_analyst,
        data={"title": "Their title", "actors": [india]},
        expected_version=1,
    )

    response = client.post(_edit_url(record), {**mine, "summary": "My summary"})

    assert response.status_code == 409
    saved = Agreement.objects.get(pk=record.pk)
    assert (saved.title, saved.summary, saved.version) == ("Their title", "Old summary", 2)
    html = response.content.decode()
    assert "Nothing you typed was saved" in html
    assert "Otto Other" in html
    rows = {row.name: row for row in response.context["comparison"].rows}
    assert (rows["title"].theirs, rows["title"].yours) == ("Their title", "Original")
    assert rows["title"].they_changed and not rows["title"].you_changed
    assert (rows["summary"].theirs, rows["summary"].yours) == ("Old summary", "My summary")
    assert rows["summary"].you_changed and rows["summary"].differs
    assert (rows["actors"].theirs, rows["actors"].yours) == ("India", "—")
    assert "≠ Differs" in html  # marked by a word, not colour alone
    assert "Fields that differ: <strong>Title, Summary, Actors</strong>" in html
    # The person's input is still in the form.
    assert "My summary" in html
    assert response.context["form"]["summary"].value() == "My summary"


def test_edit_conflict_reapply_gives_a_fresh_form_with_only_my_changes_on_top(
    client, analyst, other_analyst
):
    india = ActorFactory(name="India")
    record = AgreementFactory(title="Original", summary="Old summary")
    client.force_login(analyst)
    mine = form_data(client.get(_edit_url(record)).context["form"])
    tracked_update(
        instance=record,
        user=other_analyst,
        data={"title": "Their title", "actors": [india]},
        expected_version=1,
    )
    conflict = client.post(_edit_url(record), {**mine, "summary": "My summary"})
    again = form_data(conflict.context["form"])

    reapplied = client.post(_edit_url(record), {**again, "reapply": "1"})

    assert reapplied.status_code == 200
    fresh = reapplied.context["form"]
    assert not fresh.is_bound
    values = form_data(fresh)
    assert values["expected_version"] == "2"
    assert values["title"] == "Their title"  # their change kept
    assert values["actors"] == [str(india.pk)]
    assert values["summary"] == "My summary"  # mine on top
    assert reapplied.context["reapplied"] == ["Summary"]
    assert "Your changes to <strong>Summary</strong> are filled in" in reapplied.content.decode()
    assert Agreement.objects.get(pk=record.pk).version == 2  # still nothing saved

    saved_response = client.post(_edit_url(record), values)

    assert saved_response.status_code == 302
    saved = Agreement.objects.get(pk=record.pk)
    assert (saved.title, saved.summary, saved.version) == ("Their title", "My summary", 3)
    assert list(saved.actors.all()) == [india]


def test_two_forms_opened_at_the_same_version_second_save_conflicts(client, analyst, curator):
    from django.test import Client

    record = DealFactory(title="Deal")
    first, second = Client(), client
    first.force_login(curator)
    second.force_login(analyst)
    first_data = form_data(first.get(_edit_url(record)).context["form"])
    second_data = form_data(second.get(_edit_url(record)).context["form"])

    mine = {**first_data, "system": "Curator's", **FORM_BASIS}
    assert first.post(_edit_url(record), mine).status_code == 302
    response = second.post(_edit_url(record), {**second_data, "system": "Analyst's", **FORM_BASIS})

    assert response.status_code == 409
    assert Deal.objects.get(pk=record.pk).system == "Curator's"


def test_edit_without_a_version_is_refused(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(record)).context["form"])
    del data["expected_version"]

    response = client.post(_edit_url(record), {**data, "title": "Blind"})

    assert response.status_code == 200
    assert Agreement.objects.get(pk=record.pk).title == record.title


def test_edit_of_a_record_trashed_meanwhile_keeps_the_input(client, analyst, curator):
    record = AgreementFactory()
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(record)).context["form"])
    tracked_delete(instance=record, user=curator)

    response = client.post(_edit_url(record), {**data, "summary": "Carefully typed"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "in the trash" in html and "Carefully typed" in html
    assert client.get(_edit_url(record)).status_code == 404


def test_edit_conflict_reapply_with_invalid_input_shows_the_conflict_again(
    client, analyst, other_analyst
):
    record = AgreementFactory(title="Original")
    client.force_login(analyst)
    mine = form_data(client.get(_edit_url(record)).context["form"])
    tracked_update(instance=record, user=other_analyst, data={"title": "T"}, expected_version=1)

    response = client.post(
        _edit_url(record), {**mine, "title": "", "summary": "Keep me", "reapply": "1"}
    )

    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "Keep me" in response.content.decode()
    assert "Nothing you typed was saved" in response.content.decode()
    assert Agreement.objects.get(pk=record.pk).title == "T"


def test_edit_conflict_comparison_is_not_shown_for_an_unchanged_record(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(record)).context["form"])

    response = client.post(_edit_url(record), {**data, "title": "Mine"})

    assert response.status_code == 302
    assert Agreement.objects.get(pk=record.pk).title == "Mine"
