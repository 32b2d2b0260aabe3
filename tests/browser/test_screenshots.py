"""The README's screenshots of the workspace, taken in Chromium from the demo brief.

Writes to var/screenshots/ (git-ignored), or to CONTOURS_SCREENSHOTS_DIR when set; the
committed ones in docs/screenshots/ came from

    CONTOURS_SCREENSHOTS_DIR=docs/screenshots \
        .venv/bin/python -m pytest tests/browser/test_screenshots.py

The data is `tests/browser/workspace.py`'s (the demo brief and a few months of work on it,
dates fixed), so each run draws the same workspace. Each picture is the viewport, not the
whole page (a long page would make a huge file), and a PNG of a few hundred KB at most.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, capture, log_in
from tests.browser.workspace import build_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 400_000


def _target() -> Path:
    configured = os.environ.get("CONTOURS_SCREENSHOTS_DIR")
    target = Path(configured) if configured else ROOT / "var" / "screenshots"
    if not target.is_absolute():
        target = ROOT / target
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_screenshots_of_the_workspace(browser, live_server):
    world = build_workspace()
    recommendation = world.records["recommendation"]
    shots = [
        # (file, viewport, address, what must be on it, element to scroll to or None)
        ("dashboard.png", LAPTOP, "/", "Dashboard", None),
        (
            "recommendations-list.png",
            LAPTOP,
            "/recommendations/?o=-priority",
            "Recommendations",
            "table.list-table",
        ),
        (
            "recommendation.png",
            LAPTOP,
            recommendation.get_absolute_url(),
            recommendation.title,
            None,
        ),
        (
            "recommendation-neighbourhood.png",
            LAPTOP,
            recommendation.get_absolute_url(),
            recommendation.title,
            "#neighbourhood-heading",
        ),
        (
            "recommendation-timeline.png",
            LAPTOP,
            recommendation.get_absolute_url(),
            recommendation.title,
            "#tracking-timeline-heading",
        ),
        ("reader.png", LAPTOP, world.source.get_absolute_url(), world.source.title, None),
        ("board.png", LAPTOP, "/recommendations/board/", "Recommendation board", None),
        ("charts.png", LAPTOP, "/charts/", "Charts", None),
        ("notifications.png", LAPTOP, "/notifications/", "Notifications", None),
        ("phone-dashboard.png", PHONE, "/", "Dashboard", None),
        ("phone-reader.png", PHONE, world.source.get_absolute_url(), world.source.title, None),
    ]
    target = _target()
    context = browser.new_context(base_url=live_server.url, reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        log_in(context, live_server, world.analyst)
        page = context.new_page()
        for name, viewport, url, heading, scroll_to in shots:
            page.set_viewport_size(viewport)
            response = page.goto(url)
            assert response is not None and response.status == 200, (name, url)
            expect(page.locator("h1")).to_contain_text(heading, ignore_case=True)
            if scroll_to:
                page.locator(scroll_to).evaluate(
                    "(e) => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 16)"
                )
            path = target / name
            capture(page, path, full_page=False, animations="disabled", caret="hide")
            assert 0 < path.stat().st_size < MAX_BYTES, (name, path.stat().st_size)
    finally:
        context.close()
