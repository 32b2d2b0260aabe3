"""Watching a page for what the browser refuses: CSP violations and console errors.

Chromium's console words a blocked script, style, image or frame for people, and that
wording may change; the `securitypolicyviolation` event the document fires names the
directive and the address it refused, so the tests record those events as well. The
watcher is added as an init script, so it runs in every document the page loads before
any of the page's own scripts; a violation while the page is parsed is not missed.
"""

from __future__ import annotations

# Each violation as "<directive> blocked <address>" ("inline" for an inline script or style).
_WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def watch_csp(page) -> None:
    """Record the CSP violations of every document the page loads from now on."""
    page.add_init_script(_WATCH_VIOLATIONS)


def csp_violations(page) -> list[str]:
    """The CSP violations of the page's current document, oldest first.

    Fails if `watch_csp` was not called before the document loaded: an empty list would
    then say nothing was blocked when nothing was watched.
    """
    violations = page.evaluate("window.__cspViolations")  # None when undefined
    assert violations is not None, f"{page.url}: the CSP watcher did not run (watch_csp first)"
    return violations


def watch_page(page, console_errors: list[str] | None = None) -> list[str]:
    """Record the page's CSP violations and collect the text of its console errors.

    Returns the list the console errors go to: `console_errors` if given (several pages
    can share one), else a new one. Chromium logs a refused request (any 4xx answer) as a
    console error too, so a test that expects one filters the list itself.
    """
    errors = [] if console_errors is None else console_errors
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    watch_csp(page)
    return errors
