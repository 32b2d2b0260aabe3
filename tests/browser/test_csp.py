"""Every kind of page works under the Content-Security-Policy (settings.SECURE_CSP).

Chromium reports each blocked script, style, image or frame as a console message that
names the Content Security Policy, and fires `securitypolicyviolation` on the document;
both are collected, and a page passes only if neither appeared and its own content
(Swagger UI, Redoc, the reader's script, the admin's widgets) is on the screen.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cooperation.models import Agreement
from tests.browser.conftest import log_in
from tests.browser.reading import drag_select
from tests.browser.watch import csp_violations, watch_csp
from tests.factories import AdminFactory, AgreementFactory, AnalystFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(page):
    """The page, with every CSP complaint of the browser collected in page.csp_complaints."""
    complaints = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    watch_csp(page)
    page.csp_complaints = complaints
    return page


def _assert_nothing_blocked(page, *, except_images_from: str | None = None) -> None:
    page.wait_for_load_state("networkidle")
    violations = csp_violations(page)
    complaints = page.csp_complaints
    if except_images_from:
        expected = f"img-src blocked {except_images_from}"
        violations = [v for v in violations if not v.startswith(expected)]
        complaints = [c for c in complaints if f"'{except_images_from}" not in c]
    assert complaints == [], complaints
    assert violations == [], violations


def test_csp_header_is_strict_on_a_portal_page(watched, live_server, db):
    response = watched.goto("/accounts/login/")

    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    script_src = next(p for p in policy.split("; ") if p.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    _assert_nothing_blocked(watched)


def test_csp_blocks_an_inline_script_injected_into_a_page(watched, live_server, db):
    # The policy is really enforced: a script without the nonce does not run.
    watched.goto("/accounts/login/")
    watched.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__injected = true;";
                   document.body.appendChild(s); }"""
    )

    assert watched.evaluate("window.__injected === undefined")
    assert any("script-src" in text for text in csp_violations(watched))


def test_csp_login_form_works(watched, live_server, db):
    AnalystFactory(email="csp@example.org")

    watched.goto("/accounts/login/")
    watched.get_by_label("Email address").fill("csp@example.org")
    watched.get_by_label("Password").fill("correct horse battery staple")  # wrong: an alert
    watched.get_by_role("button", name="Log in").click()
    expect(watched.get_by_role("alert")).to_be_visible()
    _assert_nothing_blocked(watched)


def test_csp_reader_script_runs_on_a_source_page(watched, context, live_server, seed_source):
    log_in(context, live_server, AnalystFactory())

    watched.goto(seed_source.get_absolute_url())

    expect(watched.get_by_role("heading", level=1)).to_have_text(seed_source.title)
    # reader.js (a static script) shows the selection toolbar: it ran.
    drag_select(watched, "long procurement procedure")
    expect(watched.locator("#selection-toolbar")).to_be_visible()
    _assert_nothing_blocked(watched)


def test_csp_record_pages_and_dashboard_work(watched, context, live_server, db):
    analyst = AnalystFactory()
    agreement = AgreementFactory(title="Policy-proof agreement")
    log_in(context, live_server, analyst)

    for path in ("/", agreement.get_absolute_url(), "/agreements/"):
        watched.goto(path)
        expect(watched.locator("main")).to_be_visible()
        _assert_nothing_blocked(watched)
    assert Agreement.objects.count() == 1


def test_csp_admin_pages_and_their_widgets_work(watched, context, live_server, db):
    admin = AdminFactory(is_superuser=True)
    AgreementFactory(title="Admin agreement")
    log_in(context, live_server, admin)

    watched.goto("/admin/")
    expect(
        watched.get_by_role("heading", name="Curate records, sources and accounts")
    ).to_be_visible()
    _assert_nothing_blocked(watched)

    # The user form: the organisation autocomplete (select2) and the admin's own scripts.
    watched.goto(f"/admin/accounts/user/{admin.pk}/change/")
    expect(watched.locator(".select2-container").first).to_be_visible()
    _assert_nothing_blocked(watched)

    watched.goto("/admin/cooperation/agreement/")
    expect(watched.get_by_text("Admin agreement")).to_be_visible()
    _assert_nothing_blocked(watched)


def test_csp_swagger_ui_renders_the_schema(watched, live_server, db):
    watched.goto("/api/docs/")

    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("Contours API")
    expect(watched.locator(".opblock").first).to_be_visible()
    _assert_nothing_blocked(watched)


def test_csp_redoc_renders_the_schema(watched, live_server, db):
    watched.goto("/api/docs/redoc/")

    # Redoc parses the whole schema before it draws anything: slow on a busy machine.
    expect(watched.get_by_role("heading", level=1)).to_contain_text("Contours API", timeout=60_000)
    # The sidebar's "API docs by Redocly" logo comes from Redocly's CDN: refused on purpose,
    # the docs fetch nothing from elsewhere.
    _assert_nothing_blocked(watched, except_images_from="https://cdn.redoc.ly/")


def test_a_partner_logs_in_lands_on_api_access_and_makes_a_token(watched, live_server, db):
    from accounts.models import ApiToken
    from accounts.services import user_update
    from tests.factories import PASSWORD, PartnerFactory

    partner = user_update(
        user=PartnerFactory(email="org-admin@example.org"), data={"is_org_admin": True}
    )
    watched.goto("/accounts/login/")
    watched.get_by_label("Email address").fill(partner.email)
    watched.get_by_label("Password").fill(PASSWORD)
    watched.get_by_role("button", name="Log in").click()
    expect(watched.get_by_role("heading", level=1)).to_have_text("Contours API access")
    assert watched.url.endswith("/accounts/api-access/")
    watched.get_by_label("Name").fill("Nightly sync")
    watched.get_by_role("button", name="Create token").click()
    expect(watched.locator("#new-token")).to_contain_text("ctr_")
    assert ApiToken.objects.filter(user=partner, name="Nightly sync").exists()
    _assert_nothing_blocked(watched)
