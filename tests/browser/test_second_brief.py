"""A second brief joins the India–Japan corpus, end to end in the browser (issue 14's "done when").

A curator imports a brief the portal has never seen (tests/fixtures/briefs: an India–France
policy brief that also names the India–Japan transfer agreement, with a signing year that
disagrees with the public record), links one of its passages to the existing India–Japan
agreement and turns another into a new deal, records the disagreement as a claim, resolves
it by rank, filters every list by each brief, and downloads the JSON export and the
excerpts as W3C Web Annotations: the JSON-LD validates against the data model, and the JSON
export, imported into an emptied portal, gives the same records, claims and evidence.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cooperation.choices import BasisKind, ClaimRank
from cooperation.exchange.document import parse
from cooperation.importers.demo import DemoLoader
from cooperation.models import Agreement, Claim, Deal, Excerpt, Source
from cooperation.services.exchange import portal_is_empty, records_import
from tests.api.test_web_annotations import W3C_PAGE, assert_web_annotation
from tests.browser.conftest import log_in
from tests.browser.reading import drag_select
from tests.cooperation.test_exchange import canonical, export_all
from tests.factories import CuratorFactory
from tests.fixtures.briefs import SECOND_BRIEF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRANSFER = "india-japan-defence-equipment-transfer-agreement"
SECOND_TITLE = "India and France in the Indian Ocean: Rafale, Scorpene and the Japan Factor"
LISTS = ("agreements", "deals", "challenges", "recommendations")


def _make_evidence(page, words: str):
    drag_select(page, words)
    toolbar = page.get_by_role("toolbar", name="Selected passage")
    expect(toolbar).to_contain_text(words[:20])
    toolbar.get_by_role("button", name="Make evidence for a record").click()
    return page.get_by_role("dialog", name="Make evidence for a record")


def _listed(page, live_server, path: str, source: Source) -> str:
    """The list's rows only: the filter panel's choices name every record of other kinds
    (a challenge list offers every deal to filter by), filtered or not."""
    page.goto(f"{live_server.url}/{path}/?source={source.pk}")
    rows = page.locator("table.list-table tbody")
    return rows.inner_text() if rows.count() else ""


def test_a_second_brief_joins_the_corpus_disagrees_is_ranked_filtered_and_exported(
    page, context, live_server
):
    curator = CuratorFactory(full_name="Chandra Curator")
    DemoLoader(user=curator).run()
    demo = Source.objects.get()
    transfer = Agreement.objects.get(slug=TRANSFER)
    assert transfer.signed_on.isoformat() == "2015-12-12"
    log_in(context, live_server, curator)

    # -- import a brief it has never seen: its real title, not the publisher's masthead ----------
    page.goto(f"{live_server.url}/sources/import/")
    page.get_by_label(re.compile(r"^File")).set_input_files(str(SECOND_BRIEF))
    page.get_by_role("button", name=re.compile(r"^Import")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SECOND_TITLE)
    second = Source.objects.exclude(pk=demo.pk).get()
    assert second.title == SECOND_TITLE and "MARITIME POLICY REVIEW" not in second.title

    # -- a passage becomes evidence for the existing India–Japan agreement ------------------------
    quote = "was signed in 2016"
    dialog = _make_evidence(page, quote)
    dialog.get_by_label("Kind of record").select_option(label="Agreement")
    dialog.get_by_label("Find a record by title").fill("Transfer of Defence Equipment")
    dialog.get_by_label("Record", exact=True).select_option(label=transfer.title)
    dialog.get_by_role("button", name="Save as evidence").click()
    expect(page.get_by_role("status").first).to_contain_text("now evidence for agreement")
    year_excerpt = Excerpt.objects.get(source=second, exact=quote)

    # -- another becomes a new record; its values rest on the passage by default -----------------
    dialog = _make_evidence(page, "36 Rafale fighter aircraft")
    dialog.get_by_label("A new record").check()
    dialog.get_by_label("Kind of record").select_option(label="Deal")
    dialog.get_by_role("button", name="Continue to the new record").click()
    expect(page).to_have_url(re.compile(r"/deals/new/\?excerpt=\d+"))
    page.get_by_label("Title").fill("Rafale fighter aircraft for India")
    # The form's labels end in Django's label suffix (“Kind:”).
    page.get_by_label(re.compile(r"^Kind:?$")).select_option(label="Acquisition")
    page.get_by_label(re.compile(r"^Status:?$")).select_option(label="Signed")
    page.get_by_role("button", name=re.compile(r"^(Create|Save)")).click()
    expect(page).to_have_url(re.compile(rf"/sources/{second.pk}/#excerpt-\d+$"))
    rafale = Deal.objects.get(title="Rafale fighter aircraft for India")
    status_claim = Claim.objects.get(spine_id=rafale.spine_id, field="status")
    assert status_claim.basis == BasisKind.BRIEF and status_claim.rank == ClaimRank.PREFERRED
    assert [e.exact for e in status_claim.excerpts.all()] == ["36 Rafale fighter aircraft"]

    # -- the disagreement: the second brief says 2016, the public record 12 December 2015 ---------
    page.goto(f"{live_server.url}{transfer.get_absolute_url()}")
    # The claims panel's form is folded under "Add a claim" (a <details>, no script).
    page.locator("details.claim-add > summary").click()
    form = page.locator("form.claim-form")
    form.get_by_label("Field:", exact=True).select_option("signed_on")
    form.get_by_label("Value:", exact=True).fill("2016")
    form.get_by_label("The brief (excerpts)").check()
    form.get_by_label(re.compile(r"^Excerpts")).fill(str(year_excerpt.pk))
    form.get_by_role("button", name="Add the claim").click()
    panel = page.locator("#claims-signed_on")
    expect(panel).to_contain_text("Disputed — no claim preferred.")
    expect(page.locator(".record-badges")).to_contain_text("Disputed")

    # -- resolved by rank: the public record preferred, the brief's year deprecated --------------
    panel.get_by_role("button", name="Prefer “12 December 2015”").click()
    expect(page.get_by_text("Disputed — no claim preferred.")).to_have_count(0)
    page.locator("#claims-signed_on").get_by_role("button", name="Deprecate “2016”").click()
    ranks = dict(
        Claim.objects.filter(spine_id=transfer.spine_id, field="signed_on").values_list(
            "value", "rank"
        )
    )
    assert ranks == {"2015-12-12": ClaimRank.PREFERRED, "2016": ClaimRank.DEPRECATED}
    transfer.refresh_from_db()
    assert transfer.signed_on.isoformat() == "2015-12-12"
    # The agreement is now attested by both briefs.
    expect(page.locator("main")).to_contain_text(SECOND_TITLE)

    # -- every list, filtered by each brief (web and API) ------------------------------------------
    in_second = {"agreements": [transfer.title], "deals": [rafale.title]}
    for path in LISTS:
        shown = _listed(page, live_server, path, second)
        for title in in_second.get(path, []):
            assert title in shown, (path, title)
        api = page.request.get(f"{live_server.url}/api/v1/{path}/?source={second.pk}").json()
        assert sorted(r["title"] for r in api["results"]) == sorted(in_second.get(path, []))
        shown = _listed(page, live_server, path, demo)
        assert rafale.title not in shown
        api = page.request.get(f"{live_server.url}/api/v1/{path}/?source={demo.pk}").json()
        assert rafale.title not in [r["title"] for r in api["results"]]
        if path == "agreements":
            assert transfer.title in shown

    # -- the excerpts as W3C Web Annotations: valid JSON-LD ----------------------------------------
    jsonld = page.request.get(
        f"{live_server.url}/api/v1/excerpts/web-annotations/?source={second.pk}"
    )
    assert jsonld.ok and "ld+json" in jsonld.headers["content-type"]
    collection = jsonld.json()
    assert collection["total"] == Excerpt.objects.filter(source=second).count() >= 2
    # The page embedded in the collection takes the collection's @context (as the API's own
    # download test reads it); each annotation is valid with it, and the collection's frame too.
    assert collection["type"] == "AnnotationCollection"
    for item in collection["first"]["items"]:
        assert_web_annotation({"@context": collection["@context"], **item})
    assert_web_annotation(collection | {"first": {**collection["first"], "items": []}}, schema={})
    # The paged list answers the same in JSON-LD: an AnnotationPage valid on its own.
    listed = page.request.get(
        f"{live_server.url}/api/v1/excerpts/?source={second.pk}",
        headers={"Accept": "application/ld+json"},
    ).json()
    assert_web_annotation(listed, schema=W3C_PAGE)

    # -- the JSON export, imported into an emptied portal, is the same ----------------------------
    response = page.request.get(f"{live_server.url}/agreements/export.json?source={second.pk}")
    assert response.ok
    exported = parse(response.body())
    assert [r["slug"] for r in exported["records"]] == [TRANSFER]
    claims = {c["value"]: c["rank"] for c in exported["records"][0]["claims"]
              if c["field"] == "signed_on"}  # fmt: skip
    assert claims == {"2015-12-12": "preferred", "2016": "deprecated"}
    everything = export_all()
    page.close()
    call_command("flush", interactive=False, verbosity=0)
    assert portal_is_empty()
    records_import(document=parse(json.dumps(everything)))
    assert canonical(export_all()) == canonical(everything)
