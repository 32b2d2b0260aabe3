"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live_server.

One browser for the whole package (per xdist worker), a fresh context (cookies, storage)
per test. Chromium is the system one (`apt-get install chromium`, as .ci/run does); it is
never downloaded. A failing test leaves a full-page screenshot of each of its pages
under var/browser-failures/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

CHROMIUM = Path(os.environ.get("CONTOURS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "browser-failures"
TIMEOUT_MS = 10_000
# Chromium now and then answers a capture with "Unable to capture screenshot" when its
# compositor has no frame ready (seen once in CI, after a viewport change); a later
# capture of the same page succeeds. Any other error is the test's to report.
CAPTURE_ATTEMPTS = 4
_NO_FRAME = "Unable to capture screenshot"
_TWO_FRAMES = (
    "() => new Promise((done) => "
    "requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"
)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test, so the context fixture knows it failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium, started once for the package.

    Playwright's sync API keeps an asyncio loop marked as running in this thread while
    the browser is open, and Django refuses database calls from "async" code; the tests'
    own data set-up is plain synchronous code, so the check is lifted while (and only
    while) the browser is open.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: `apt-get install chromium` "
            "(or set CONTOURS_CHROMIUM to its path)."
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield chromium
            chromium.close()
    # ORM calls made while Playwright's loop ran may hold connections of their own;
    # close them, or PostgreSQL cannot drop the test database at the end.
    connections.close_all()


@pytest.fixture
def context(browser, live_server, request):
    """A fresh browser context on the live server; screenshots its pages if the test fails."""
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, page in enumerate(ctx.pages):
            try:
                capture(page, SCREENSHOTS / f"{name}-{number}.png", full_page=True)
            except Exception as error:  # the test's own failure is the report, not this
                print(f"no failure screenshot of page {number}: {error}")
    ctx.close()


class PageErrors(list):
    """Uncaught script errors of a page: a test fails if its page threw."""


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors
    yield page
    assert not errors, f"the page raised script errors: {errors}"


def capture(page, path, **options) -> None:
    """`page.screenshot` to `path`, once the page has painted a frame, retried while
    Chromium has no frame to give (see CAPTURE_ATTEMPTS)."""
    from playwright.sync_api import Error

    for attempt in range(1, CAPTURE_ATTEMPTS + 1):
        # Resolved two frames on, so a frame was painted (Playwright awaits the promise;
        # bounded: a page stuck in a script gives up after TIMEOUT_MS).
        page.wait_for_function(_TWO_FRAMES, timeout=TIMEOUT_MS)
        try:
            page.screenshot(path=str(path), **options)
            return
        except Error as error:
            if _NO_FRAME not in str(error) or attempt == CAPTURE_ATTEMPTS:
                raise


def log_in(context, live_server, user) -> None:
    """Give the browser context a session for `user` (the login form has its own test)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
