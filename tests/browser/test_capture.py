"""capture(): the screenshot helper retries Chromium's "no frame" answer, and only that."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error

from tests.browser.conftest import CAPTURE_ATTEMPTS, capture

NO_FRAME = "Page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot"


class FakePage:
    """Answers screenshot() with the errors it was given, then succeeds."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.frames_waited = 0
        self.shots = []

    def wait_for_function(self, script, *, timeout):
        assert "requestAnimationFrame" in script and timeout > 0
        self.frames_waited += 1

    def screenshot(self, **options):
        self.shots.append(options)
        if self.errors:
            raise self.errors.pop(0)


def test_a_capture_waits_for_a_frame_then_shoots_once(tmp_path):
    page = FakePage([])
    capture(page, tmp_path / "a.png", full_page=True)
    assert page.frames_waited == 1
    assert page.shots == [{"path": str(tmp_path / "a.png"), "full_page": True}]


def test_no_frame_is_retried_until_a_capture_succeeds(tmp_path):
    page = FakePage([Error(NO_FRAME)] * (CAPTURE_ATTEMPTS - 1))
    capture(page, tmp_path / "a.png")
    assert len(page.shots) == CAPTURE_ATTEMPTS
    assert page.frames_waited == CAPTURE_ATTEMPTS


def test_no_frame_every_time_is_reported_after_the_last_attempt(tmp_path):
    page = FakePage([Error(NO_FRAME)] * CAPTURE_ATTEMPTS)
    with pytest.raises(Error, match="Unable to capture screenshot"):
        capture(page, tmp_path / "a.png")
    assert len(page.shots) == CAPTURE_ATTEMPTS


def test_any_other_error_is_reported_at_once(tmp_path):
    page = FakePage([Error("Page.screenshot: Target page, context or browser has been closed")])
    with pytest.raises(Error, match="has been closed"):
        capture(page, tmp_path / "a.png")
    assert len(page.shots) == 1
