"""One excerpt numbering everywhere: the excerpt's id, "#35" in the reader, forms and records.

An analyst cites a passage by that number (or by clicking it, tests/browser) and stays in
the reader after making it evidence.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cooperation.models import Excerpt, RecordEvidence
from cooperation.services import evidence_attach, excerpt_create
from tests.factories import AgreementFactory, ExcerptFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_excerpts(seed_source, analyst):
    # Another source's excerpt first, so ids and positions in this source differ.
    ExcerptFactory()
    text = seed_source.text
    later = text.index("Tokyo Declaration")
    earlier = text.index("long procurement procedure")
    second = excerpt_create(source=seed_source, start=later, end=later + 17, user=analyst)
    first = excerpt_create(source=seed_source, start=earlier, end=earlier + 26, user=analyst)
    return first, second


def test_the_reader_numbers_excerpts_by_their_id(client, analyst, seed_source, two_excerpts):
    first, second = two_excerpts
    client.force_login(analyst)

    page = client.get(seed_source.get_absolute_url()).content.decode()

    refs = re.findall(r'<a class="excerpt-ref"[^>]*>([^<]*)</a>', page)
    in_reading_order = sorted([first, second], key=lambda excerpt: excerpt.start)
    assert refs == [f"#{excerpt.pk}" for excerpt in in_reading_order]
    assert f"Excerpt #{first.pk} " in page and f"Excerpt #{second.pk} " in page
    assert "Excerpt 1 " not in page and "Excerpt 2 " not in page


def test_a_record_page_shows_the_same_number_as_the_reader(client, analyst, two_excerpts):
    first, _ = two_excerpts
    agreement = AgreementFactory()
    evidence_attach(record=agreement, excerpt=first, user=analyst)
    client.force_login(analyst)

    page = client.get(agreement.get_absolute_url()).content.decode()

    assert f"Excerpt #{first.pk} from" in page


def test_cite_by_number_shows_the_passage_with_the_forms_filled(
    client, analyst, seed_source, two_excerpts
):
    first, _ = two_excerpts
    client.force_login(analyst)

    response = client.get(
        reverse("cooperation:source_cite", args=[seed_source.pk]), {"excerpt": first.pk}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f"excerpt #{first.pk}</a>; it will be reused" in page
    assert f'name="start" value="{first.start}"' in page
    assert f'name="end" value="{first.end}"' in page


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("abc", "Enter a whole number"),
        ("0", "greater than or equal to 1"),
        ("99999999999999999999999", "less than or equal to"),
        ("999999", "There is no excerpt #999999"),
        ("other", "is a passage of another source"),
        ("", "This field is required"),
    ],
)
def test_cite_by_number_refuses_what_is_not_an_excerpt_of_this_source(
    client, analyst, seed_source, two_excerpts, number, message
):
    if number == "other":
        number = str(Excerpt.objects.exclude(source=seed_source).get().pk)
    client.force_login(analyst)

    response = client.get(
        reverse("cooperation:source_cite", args=[seed_source.pk]), {"excerpt": number}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="reading-text"' in response.content.decode()  # still the reader


def test_cite_needs_the_evidence_permissions(client, partner, seed_source, two_excerpts):
    client.force_login(partner)

    response = client.get(
        reverse("cooperation:source_cite", args=[seed_source.pk]), {"excerpt": two_excerpts[0].pk}
    )

    assert response.status_code == 403


def test_a_new_record_made_from_a_passage_returns_to_the_reader(
    client, analyst, seed_source, two_excerpts
):
    first, _ = two_excerpts
    client.force_login(analyst)
    text = seed_source.text
    made = client.post(
        reverse("cooperation:source_make_evidence", args=[seed_source.pk]),
        {
            "start": first.start,
            "end": first.end,
            "exact": first.exact,
            "prefix": text[max(0, first.start - 32) : first.start],
            "suffix": text[first.end : first.end + 32],
            "target": "new",
            "kind": "challenge",
        },
    )
    create_url = made["Location"]

    response = client.post(
        create_url,
        {
            "title": "Slow procurement",
            "visibility": "draft",
            "category": "procedure",
            "severity": "high",
            "excerpt": first.pk,
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == first.get_absolute_url()
    assert RecordEvidence.objects.get(excerpt=first).record.title == "Slow procurement"
