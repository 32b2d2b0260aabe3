"""A record's admin page with a claim resting on the brief (ClaimInline.grounds)."""

from __future__ import annotations

import pytest

from cooperation.provenance import Basis
from tests.factories import DealFactory, ExcerptFactory

pytestmark = pytest.mark.django_db


def test_a_brief_claims_grounds_show_its_excerpts(client, curator):
    first, second = ExcerptFactory(), ExcerptFactory()
    deal = DealFactory(system="Radar X", basis=Basis.brief(first, second))
    client.force_login(curator)

    response = client.get(f"/admin/cooperation/deal/{deal.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"excerpt {first.pk}" in html and f"excerpt {second.pk}" in html
