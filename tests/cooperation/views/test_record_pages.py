"""Record detail pages (cooperation/views/records.py: record_detail, visibility, evidence)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.choices import Visibility
from cooperation.models import Agreement, RecordEvidence
from cooperation.services import evidence_attach, excerpt_create, recommendation_transition
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    "agreement": AgreementFactory,
    "deal": DealFactory,
    "challenge": ChallengeFactory,
    "recommendation": RecommendationFactory,
}


def _url(record, page: str) -> str:
    return reverse(f"cooperation:{record._meta.model_name}_{page}", kwargs={"slug": record.slug})


@pytest.mark.parametrize("kind", FACTORIES)
def test_record_detail_shows_an_analyst_every_kind(client, analyst, kind):
    india, space = ActorFactory(name="India", slug="india"), TopicFactory(name="Space")
    record = FACTORIES[kind](actors=[india], topics=[space], summary="A *useful* summary.")
    client.force_login(analyst)

    response = client.get(record.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 id="record-title">{record.title}</h1>' in html
    assert "Visibility: Internal" in html
    assert "Version 1" in html
    list_url = reverse(f"cooperation:{kind}_list")
    assert f'href="{list_url}?actor=india">India</a>' in html
    assert f'href="{list_url}?topic={space.slug}">Space</a>' in html
    assert _url(record, "edit") in html and _url(record, "history") in html
    # Curator-only actions are not offered to an analyst.
    assert _url(record, "visibility") not in html
    assert _url(record, "delete") not in html


def test_record_detail_redirects_anonymous_and_refuses_partners(client, partner):
    record = AgreementFactory()

    anonymous = client.get(record.get_absolute_url())
    client.force_login(partner)
    as_partner = client.get(record.get_absolute_url())

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert as_partner.status_code == 403


def test_record_detail_answers_404_for_a_trashed_or_unknown_record(client, analyst, curator):
    from cooperation.services import tracked_delete

    record = AgreementFactory()
    tracked_delete(instance=record, user=curator)
    client.force_login(analyst)

    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.get("/agreements/no-such-thing/").status_code == 404


def test_record_detail_shows_choice_labels_and_typed_links_both_ways(client, analyst):
    japan = ActorFactory(name="Japan", slug="japan")
    agreement = AgreementFactory(title="Transfer Agreement", parties=[japan])
    deal = DealFactory(title="US-2 amphibian", governed_by=[agreement], supplier=japan)
    challenge = ChallengeFactory(
        title="High unit cost", affects_deals=[deal], affects_agreements=[agreement]
    )
    recommendation = RecommendationFactory(title="Co-produce", addresses=[challenge])
    client.force_login(analyst)

    agreement_html = client.get(agreement.get_absolute_url()).content.decode()
    deal_html = client.get(deal.get_absolute_url()).content.decode()
    challenge_html = client.get(challenge.get_absolute_url()).content.decode()
    rec_html = client.get(recommendation.get_absolute_url()).content.decode()

    assert "Agreement or treaty" in agreement_html  # the label, not "agreement"
    assert f'href="{deal.get_absolute_url()}">US-2 amphibian</a>' in agreement_html
    assert f'href="{challenge.get_absolute_url()}">High unit cost</a>' in agreement_html
    assert '/agreements/?party=japan">Japan</a>' in agreement_html
    assert f'href="{agreement.get_absolute_url()}">Transfer Agreement</a>' in deal_html
    assert f'href="{challenge.get_absolute_url()}">High unit cost</a>' in deal_html
    assert '/deals/?supplier=japan">Japan</a>' in deal_html
    assert f'href="{recommendation.get_absolute_url()}">Co-produce</a>' in challenge_html
    assert f'href="{deal.get_absolute_url()}">US-2 amphibian</a>' in challenge_html
    assert f'href="{challenge.get_absolute_url()}">High unit cost</a>' in rec_html


def test_recommendation_detail_shows_owner_target_date_and_overdue_badge(client, analyst, curator):
    us = ActorFactory(name="United States", slug="us")
    overdue = RecommendationFactory(
        addressed_to=[us], owner=analyst, target_date="2020-01-31", title="Late one"
    )
    on_time = RecommendationFactory(target_date="2999-01-01")
    done = RecommendationFactory(target_date="2020-01-31")
    for status in ("under_review", "accepted", "in_progress", "implemented"):
        recommendation_transition(
            recommendation=done,
            to_status=status,
            user=curator,
            note="Moved on.",
            evidence_url="https://example.org/public-record",
        )
    client.force_login(analyst)

    html = client.get(overdue.get_absolute_url()).content.decode()

    assert "31 January 2020" in html
    assert "Aiko Analyst" in html
    assert '/recommendations/?addressed_to=us">United States</a>' in html
    assert '<span class="badge overdue">Overdue</span>' in html
    assert "Overdue" not in client.get(on_time.get_absolute_url()).content.decode()
    assert "Overdue" not in client.get(done.get_absolute_url()).content.decode()


def test_record_detail_shows_evidence_in_the_context_of_the_brief(client, analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    excerpt = excerpt_create(
        source=seed_source, start=start, end=start + len("Tokyo Declaration"), user=analyst
    )
    record = AgreementFactory()
    link = evidence_attach(record=record, excerpt=excerpt, user=analyst, note="Names it.")
    client.force_login(analyst)

    response = client.get(record.get_absolute_url())

    html = response.content.decode()
    [item] = response.context["evidence"]
    assert item.quote == "Tokyo Declaration"
    reading = seed_source.reading.text
    at = seed_source.reading.to_reading(start)
    # Some of the reading text before and after the quote is shown around it.
    assert item.before and reading[:at].endswith(item.before)
    assert item.after and reading[at + len("Tokyo Declaration") :].startswith(item.after)
    assert '<mark class="quote">' in html
    assert excerpt.get_absolute_url() in html
    assert seed_source.title in html
    assert "Names it." in html
    assert f"evidence-{link.pk}" in html


def test_record_detail_query_count_does_not_grow_with_evidence_and_links(client, analyst):
    def build(n):
        source = SourceFactory()
        actors = [ActorFactory() for _ in range(n)]
        agreement = AgreementFactory(actors=actors, parties=actors, topics=[TopicFactory()])
        for i in range(n):
            excerpt = excerpt_create(source=source, start=i, end=i + 3, user=analyst)
            evidence_attach(record=agreement, excerpt=excerpt, user=analyst)
            DealFactory(governed_by=[agreement])
            ChallengeFactory(affects_agreements=[agreement])
        return agreement

    one, many = build(1), build(10)
    client.force_login(analyst)
    # Warm caches: content types, sessions, and each source's reading view (its text is
    # read once per process, not on every page).
    for record in (one, many):
        client.get(record.get_absolute_url())

    counts = []
    for record in (one, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(record.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))

    assert len(response.context["evidence"]) == 10
    assert counts[0] == counts[1]


def test_curator_sees_publish_and_trash_and_can_publish_then_unpublish(client, curator):
    record = AgreementFactory()
    client.force_login(curator)

    html = client.get(record.get_absolute_url()).content.decode()
    assert ">Publish</button>" in html and _url(record, "delete") in html

    response = client.post(
        _url(record, "visibility"),
        {"visibility": Visibility.PUBLISHED, "expected_version": record.version},
    )
    assert response.status_code == 302
    assert Agreement.objects.get(pk=record.pk).visibility == Visibility.PUBLISHED
    assert ">Unpublish</button>" in client.get(record.get_absolute_url()).content.decode()

    client.post(_url(record, "visibility"), {"visibility": Visibility.INTERNAL})
    assert Agreement.objects.get(pk=record.pk).visibility == Visibility.INTERNAL


def test_analyst_cannot_publish_through_the_visibility_url(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)

    response = client.post(_url(record, "visibility"), {"visibility": Visibility.PUBLISHED})

    assert response.status_code == 403
    stored = Agreement.objects.get(pk=record.pk)
    assert (stored.visibility, stored.version) == (Visibility.INTERNAL, 1)


def test_analyst_may_set_draft_through_the_visibility_url(client, analyst):
    record = AgreementFactory()
    client.force_login(analyst)

    client.post(_url(record, "visibility"), {"visibility": Visibility.DRAFT})

    assert Agreement.objects.get(pk=record.pk).visibility == Visibility.DRAFT


def test_visibility_with_a_stale_version_changes_nothing(client, curator):
    record = AgreementFactory()
    client.force_login(curator)

    response = client.post(
        _url(record, "visibility"),
        {"visibility": Visibility.PUBLISHED, "expected_version": 7},
        follow=True,
    )

    assert "changed this record meanwhile" in response.content.decode()
    assert Agreement.objects.get(pk=record.pk).visibility == Visibility.INTERNAL


def test_visibility_refuses_get(client, curator):
    record = AgreementFactory()
    client.force_login(curator)

    assert client.get(_url(record, "visibility")).status_code == 405


def test_curator_detaches_evidence_and_analyst_may_not(client, analyst, curator):
    record = AgreementFactory()
    link = evidence_attach(record=record, excerpt=ExcerptFactory(), user=analyst)
    url = reverse(
        "cooperation:agreement_evidence_detach", kwargs={"slug": record.slug, "link_id": link.pk}
    )
    client.force_login(analyst)
    assert "Detach" not in client.get(record.get_absolute_url()).content.decode()

    refused = client.post(url)
    assert refused.status_code == 403
    assert RecordEvidence.objects.filter(pk=link.pk).exists()

    client.force_login(curator)
    assert url in client.get(record.get_absolute_url()).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not RecordEvidence.objects.filter(pk=link.pk).exists()
    assert RecordEvidence.all_objects.get(pk=link.pk).is_deleted


def test_evidence_detach_only_detaches_links_of_this_record(client, curator, analyst):
    record, other = AgreementFactory(), AgreementFactory()
    link = evidence_attach(record=other, excerpt=ExcerptFactory(), user=analyst)
    client.force_login(curator)

    response = client.post(
        reverse(
            "cooperation:agreement_evidence_detach",
            kwargs={"slug": record.slug, "link_id": link.pk},
        )
    )

    assert response.status_code == 404
    assert RecordEvidence.objects.filter(pk=link.pk).exists()


def _every_url(record, link_id: int, history_id: int) -> list[str]:
    name = record._meta.model_name
    urls = [reverse(f"cooperation:{name}_create")]
    for page in ("detail", "edit", "history", "delete", "visibility"):
        urls.append(_url(record, page))
    urls.append(
        reverse(
            f"cooperation:{name}_restore", kwargs={"slug": record.slug, "history_id": history_id}
        )
    )
    urls.append(
        reverse(
            f"cooperation:{name}_evidence_detach", kwargs={"slug": record.slug, "link_id": link_id}
        )
    )
    return urls


@pytest.mark.parametrize("kind", FACTORIES)
def test_every_record_page_redirects_anonymous_and_refuses_partners(client, partner, analyst, kind):
    record = FACTORIES[kind]()
    link = evidence_attach(record=record, excerpt=ExcerptFactory(), user=analyst)
    history_id = record.history.first().history_id
    urls = [
        *_every_url(record, link.pk, history_id),
        reverse("cooperation:trash"),
        reverse("cooperation:trash_restore", kwargs={"model": kind, "pk": record.pk}),
    ]

    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url
    client.force_login(partner)
    for url in urls:
        for method in (client.get, client.post):
            assert method(url).status_code in (403, 405), url
    assert type(record).objects.get(pk=record.pk).version == 1
    assert RecordEvidence.objects.filter(pk=link.pk).exists()


@pytest.mark.parametrize("value", ["abc", "1.5", "-3"])
def test_a_garbage_version_is_refused_as_stale_not_a_500(client, curator, value):
    record = AgreementFactory()
    client.force_login(curator)

    response = client.post(
        _url(record, "visibility"), {"visibility": Visibility.PUBLISHED, "expected_version": value}
    )
    delete = client.post(_url(record, "delete"), {"expected_version": value})

    assert response.status_code == 302 and delete.status_code == 302
    stored = Agreement.objects.get(pk=record.pk)
    assert (stored.visibility, stored.is_deleted) == (Visibility.INTERNAL, False)


def test_record_detail_leaves_out_linked_records_in_the_trash(client, analyst, curator):
    from cooperation.services import tracked_delete

    agreement = AgreementFactory()
    kept = DealFactory(title="Kept deal", governed_by=[agreement])
    gone = DealFactory(title="Trashed deal", governed_by=[agreement])
    tracked_delete(instance=gone, user=curator)
    client.force_login(analyst)

    html = client.get(agreement.get_absolute_url()).content.decode()

    assert kept.title in html
    assert gone.title not in html


def test_a_merged_duplicates_address_leads_to_the_record_kept(client, analyst, curator):
    from cooperation.services import record_merge

    keep = AgreementFactory(title="Transfer Agreement")
    duplicate = AgreementFactory(title="Transfer agreement (again)")
    record_merge(keep=keep, duplicate=duplicate, user=curator)
    client.force_login(analyst)

    response = client.get(duplicate.get_absolute_url(), follow=True)

    assert response.redirect_chain == [(keep.get_absolute_url(), 302)]
    assert "was merged into this agreement" in response.content.decode()


def test_agreement_signing_date_is_shown_only_as_precisely_as_known(client, analyst):
    by_year = AgreementFactory(signed_on="2014-01-01", signed_on_precision="year")
    by_day = AgreementFactory(signed_on="2014-09-01", signed_on_precision="day")
    client.force_login(analyst)

    year_html = client.get(by_year.get_absolute_url()).content.decode()
    day_html = client.get(by_day.get_absolute_url()).content.decode()

    assert '<dt>Signed</dt><dd><time datetime="2014">2014</time> <span' in year_html
    assert "1 January 2014" not in year_html
    # Then only the value's basis marker (claims_page.py): no precision note.
    day = '<dt>Signed</dt><dd><time datetime="2014-09-01">1 September 2014</time> <details'
    assert day in day_html


@pytest.mark.parametrize("kind", FACTORIES)
def test_record_detail_has_no_duplicate_ids(client, curator, kind):
    # aria-labelledby and label[for] name one element; a repeated id breaks both.
    record = FACTORIES[kind]()
    client.force_login(curator)

    html = client.get(record.get_absolute_url()).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
