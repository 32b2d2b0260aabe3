"""A running job's page follows the job without reloading (static/js/job.js).

It used to be a <meta http-equiv="refresh">: the whole page reloaded every two seconds
under a screen reader's cursor (axe's meta-refresh, critical; WCAG 2.2.1).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.services.job_runs import job_progress, job_start, job_succeed
from cooperation.services.jobs import import_job_create
from tests.browser.conftest import log_in
from tests.factories import AnalystFactory, SourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_job_page_updates_its_card_in_place_until_the_job_is_done(page, context, live_server):
    analyst = AnalystFactory()
    job = import_job_create(user=analyst, data=b"A brief.\n", filename="a.txt", metadata={})
    log_in(context, live_server, analyst)
    page.goto(job.get_absolute_url())
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    page.evaluate("window.__samePage = true")
    card = page.locator("[data-job-card]")

    job = job_start(job.pk)
    job_progress(job, 40, "Finding the excerpts.")
    expect(card).to_contain_text("Finding the excerpts.")
    expect(card.get_by_role("progressbar", name="Progress")).to_have_attribute("value", "40")

    source = SourceFactory(title="The imported brief")
    job_succeed(job, source)
    expect(card.get_by_role("link", name="Open “The imported brief”")).to_be_visible()
    assert page.evaluate("window.__samePage") is True  # never reloaded
    expect(card).not_to_have_attribute("data-job-refresh-seconds", "2")
