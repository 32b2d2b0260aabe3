"""Every admin page, as an admin sees it in Chromium: no console error, nothing the CSP blocks.

For each registered model the test opens the changelist, the add page, an object's change
page, its history, one version of it and its delete confirmation, whichever the model's
admin offers. A page fails on a console error (a failed request, a blocked inline script or
style), an uncaught script error, a `securitypolicyviolation` event or a status >= 400
(only the pages the admin links to for this user are visited).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.services import api_token_create, organisation_update
from cooperation.services import annotation_create, status_proposal_create, tracked_update
from tests.browser.conftest import log_in
from tests.browser.watch import csp_violations, watch_page
from tests.factories import (
    ActorFactory,
    AdminFactory,
    AgreementFactory,
    AnalystFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    OrganisationFactory,
    RecommendationFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _objects(admin_user):
    """One object of each registered model, most with two versions (so diffs show)."""
    analyst = AnalystFactory()
    actor, topic = ActorFactory(), TopicFactory()
    excerpt = ExcerptFactory()
    agreement = AgreementFactory(actors=[actor], topics=[topic])
    agreement = tracked_update(
        instance=agreement,
        user=admin_user,
        data={"title": "Renamed agreement", "actors": []},
        expected_version=agreement.version,
    )
    deal = DealFactory(governed_by=[agreement])
    challenge = ChallengeFactory(affects_deals=[deal])
    recommendation = RecommendationFactory(addresses=[challenge])
    proposal = status_proposal_create(
        recommendation=recommendation, to_status="under_review", note="Ready.", user=analyst
    )
    note = annotation_create(record=agreement, body="**Bold** note", author=analyst)
    organisation = OrganisationFactory()
    organisation = organisation_update(
        organisation=organisation, data={"name": "Renamed institute"}, actor=admin_user
    )
    token, _ = api_token_create(user=admin_user, name="Nightly", actor=admin_user)
    objects = [
        actor,
        topic,
        excerpt,
        excerpt.source,
        agreement,
        deal,
        challenge,
        recommendation,
        proposal,
        recommendation.status_changes.first(),
        note,
        organisation,
        token,
        admin_user,
    ]
    return {type(obj): obj for obj in objects}


def _admin_urls(objects, admin_user):
    """The pages the admin offers this user: each model admin is asked, as its links do."""
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{info}_changelist")
        if model_admin.has_add_permission(request):
            yield reverse(f"{info}_add")
        obj = objects.get(model)
        if obj is None:
            continue
        yield reverse(f"{info}_change", args=[obj.pk])
        yield reverse(f"{info}_history", args=[obj.pk])
        if model_admin.has_delete_permission(request, obj):
            yield reverse(f"{info}_delete", args=[obj.pk])
        if hasattr(model_admin, "history_form_view"):
            version = obj.history.order_by("history_id").first()
            yield reverse(f"{info}_simple_history", args=[obj.pk, version.history_id])


def test_every_admin_page_is_free_of_console_errors(page, context, live_server):
    admin_user = AdminFactory(is_superuser=True)
    objects = _objects(admin_user)
    log_in(context, live_server, admin_user)
    console = watch_page(page)

    problems, visited = [], 0
    for url in _admin_urls(objects, admin_user):
        console.clear()
        response = page.goto(url)
        page.wait_for_load_state("load")
        visited += 1
        status = response.status
        if status >= 400:
            problems.append(f"{url}: HTTP {status}")
        problems += [f"{url}: {text}" for text in [*console, *csp_violations(page)]]
    assert visited > 50
    assert problems == [], "\n".join(problems)
