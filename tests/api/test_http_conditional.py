"""Conditional requests and caching headers over real HTTP (RFC 9110 §13, §8.8; RFC 9111 §5.2).

If-Match uses the strong comparison against the full current ETag (a list and `*` allowed);
If-None-Match the weak one; If-Modified-Since counts only without If-None-Match. A 304 carries
the validators and no body. Authenticated answers are private to their caller.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.http import http_date, parse_http_date

from cooperation.models import Agreement, Claim
from cooperation.services import annotation_create, evidence_attach
from tests.api.conftest import make_token
from tests.factories import AgreementFactory, ExcerptFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def curator_token(curator):
    return make_token(curator, write=True)


def _path(record) -> str:
    return f"/api/v1/agreements/{record.pk}/"


def test_if_match_compares_the_whole_etag_not_only_the_version(http, curator_token):
    agreement = AgreementFactory(title="Before")
    etag = http("GET", _path(agreement), curator_token).headers["ETag"]
    version = etag.strip('"').split("-")[0]
    # Same version, another representation: not the ETag the server sent.
    forged = f'"{version}-0000000000"'
    refused = http(
        "PATCH", _path(agreement), curator_token, json={"title": "X"}, headers={"If-Match": forged}
    )
    assert refused.status_code == 412, refused.text
    assert Agreement.objects.get(pk=agreement.pk).title == "Before"


def test_if_match_fails_when_evidence_changed_though_the_version_did_not(
    http, curator_token, curator
):
    agreement = AgreementFactory(title="Before")
    etag = http("GET", _path(agreement), curator_token).headers["ETag"]
    evidence_attach(record=agreement, excerpt=ExcerptFactory(), user=curator)
    assert Agreement.objects.get(pk=agreement.pk).version == agreement.version
    refused = http(
        "PATCH", _path(agreement), curator_token, json={"title": "X"}, headers={"If-Match": etag}
    )
    assert refused.status_code == 412


def test_if_match_accepts_a_list_holding_the_current_etag(http, curator_token):
    agreement = AgreementFactory(title="Before")
    etag = http("GET", _path(agreement), curator_token).headers["ETag"]
    header = f'"1-stale", W/"x", {etag}'
    changed = http(
        "PATCH",
        _path(agreement),
        curator_token,
        json={"title": "After"},
        headers={"If-Match": header},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "After"


def test_if_match_star_matches_any_current_representation(http, curator_token):
    agreement = AgreementFactory(title="Before")
    changed = http(
        "PATCH", _path(agreement), curator_token, json={"title": "After"}, headers={"If-Match": "*"}
    )
    assert changed.status_code == 200, changed.text
    assert Agreement.objects.get(pk=agreement.pk).title == "After"


@pytest.mark.parametrize("form", ["weak", "unquoted", "empty-quotes", "junk"])
def test_a_weak_or_malformed_if_match_never_matches(http, curator_token, form):
    agreement = AgreementFactory(title="Before")
    etag = http("GET", _path(agreement), curator_token).headers["ETag"]
    header = {
        "weak": f"W/{etag}",
        "unquoted": etag.strip('"'),
        "empty-quotes": '""',
        "junk": "not an etag at all",
    }[form]
    refused = http(
        "PATCH", _path(agreement), curator_token, json={"title": "X"}, headers={"If-Match": header}
    )
    assert refused.status_code == 412, (header, refused.text)
    assert Agreement.objects.get(pk=agreement.pk).title == "Before"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_uses_the_weak_comparison_a_list_and_star(http, curator_token, method):
    agreement = AgreementFactory()
    first = http("GET", _path(agreement), curator_token)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for header in (etag, f"W/{etag}", f'"1-other", W/{etag}', "*"):
        response = http(method, _path(agreement), curator_token, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Last-Modified"] == modified
        assert "private" in response.headers["Cache-Control"]
    other = http(method, _path(agreement), curator_token, headers={"If-None-Match": '"1-other"'})
    assert other.status_code == 200


def test_if_modified_since_gives_304_unless_if_none_match_is_present(http, curator_token):
    agreement = AgreementFactory()
    first = http("GET", _path(agreement), curator_token)
    modified = first.headers["Last-Modified"]
    # The record's claims are shown with it and written after it in the same write, so a
    # write that straddles a second gives their second (flaky before this was compared).
    shown = Claim.objects.filter(spine_id=agreement.spine_id).values_list("updated_at", flat=True)
    assert parse_http_date(modified) == int(max(agreement.updated_at, *shown).timestamp())

    same = http("GET", _path(agreement), curator_token, headers={"If-Modified-Since": modified})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["ETag"] == first.headers["ETag"]

    earlier = http_date(parse_http_date(modified) - 60)
    older = http("GET", _path(agreement), curator_token, headers={"If-Modified-Since": earlier})
    assert older.status_code == 200
    assert (
        http(
            "GET", _path(agreement), curator_token, headers={"If-Modified-Since": "not a date"}
        ).status_code
        == 200
    )
    # RFC 9110 §13.2.2: with If-None-Match present, If-Modified-Since is ignored.
    both = http(
        "GET",
        _path(agreement),
        curator_token,
        headers={"If-None-Match": '"1-other"', "If-Modified-Since": modified},
    )
    assert both.status_code == 200


def test_last_modified_moves_when_evidence_is_attached(http, curator_token, curator):
    agreement = AgreementFactory()
    Agreement.objects.filter(pk=agreement.pk).update(
        updated_at=agreement.updated_at - timedelta(hours=1)
    )
    # Its claims were made with it, and count too (Last-Modified moves when one is added).
    Claim.all_objects.filter(spine_id=agreement.spine_id).update(
        updated_at=agreement.updated_at - timedelta(hours=1)
    )
    modified = http("GET", _path(agreement), curator_token).headers["Last-Modified"]
    evidence_attach(record=agreement, excerpt=ExcerptFactory(), user=curator)
    after = http("GET", _path(agreement), curator_token, headers={"If-Modified-Since": modified})
    assert after.status_code == 200
    assert parse_http_date(after.headers["Last-Modified"]) > parse_http_date(modified)


def test_notes_and_sources_send_last_modified(http, curator_token, curator, world):
    note = annotation_create(
        author=curator, body="Mine", record=world.records["deals"]["published"], visibility="team"
    )
    for path in (f"/api/v1/annotations/{note.pk}/", f"/api/v1/sources/{world.internal_source.pk}/"):
        response = http("GET", path, curator_token)
        assert response.status_code == 200
        assert parse_http_date(response.headers["Last-Modified"]) > 0
        again = http(
            "GET",
            path,
            curator_token,
            headers={"If-Modified-Since": response.headers["Last-Modified"]},
        )
        assert again.status_code == 304


def test_authenticated_answers_are_private_and_vary_on_credentials(http, curator_token):
    agreement = AgreementFactory()
    for path in (_path(agreement), "/api/v1/agreements/", "/api/v1/agreements/999999/"):
        response = http("GET", path, curator_token)
        directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
        assert "private" in directives, path
        assert "public" not in directives
        vary = {v.strip().lower() for v in response.headers["Vary"].split(",")}
        assert {"authorization", "cookie"} <= vary, path


def test_anonymous_refusals_are_not_stored(http):
    response = http("GET", "/api/v1/agreements/")
    assert response.status_code == 401
    assert "no-store" in response.headers["Cache-Control"]
