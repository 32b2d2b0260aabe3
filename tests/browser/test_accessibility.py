"""axe-core on every workspace page, at 1366 px and 390 px: no serious or critical violation.

The pages are enumerated from the URLconf (the workspace's, the accounts' and the
project's), so a page added later is checked without editing this file: it only needs its
URL arguments filled (`url_for`, from `tests/browser/workspace.py`'s data) or a line in
`EXCLUDED` saying why it is no page (JSON, CSV, POST-only, a redirect, the API). Analysts
see every page; curators again where their page differs (the trash, jobs, the tracking
forms, a record's history and restore buttons) and the Django admin; anonymous visitors
the login and password-reset pages.

axe-core is the script bundled in the `axe-playwright-python` wheel, evaluated in the page
(nothing fetched from the network). One browser context per role, one page reused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.browser.conftest import TIMEOUT_MS, log_in
from tests.browser.workspace import Workspace, build_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")

# Whole URLconf branches that hold no workspace page.
EXCLUDED_NAMESPACES = {
    "admin": "Django's admin: its index, a changelist, a change form and a history page are "
    "checked as a curator below (test_the_admin_as_a_curator)",
    "api": "the REST API (JSON) and its docs (drf-spectacular's Swagger UI and Redoc)",
}
# URL names that are not pages a person reads, each with the reason.
EXCLUDED = {
    "healthz": "plain-text health check for load balancers",
    "logout": "POST-only",
    # Exports and JSON.
    **{
        f"{kind}_export": "CSV download"
        for kind in ("agreement", "deal", "challenge", "recommendation", "source", "annotation")
    },
    **{
        f"{kind}_json_export": "JSON download"
        for kind in ("agreement", "deal", "challenge", "recommendation")
    },
    **{
        f"lookup_{what}": "JSON for the pickers and @mention completion"
        for what in (
            "people",
            "actors",
            "topics",
            "agreements",
            "deals",
            "challenges",
            "recommendations",
            "tags",
            "actors_create",
            "topics_create",
            "tags_create",
        )
    },
    # Actions: POST-only, or a GET that only redirects back to the page they act on.
    **{
        f"{kind}_{action}": "POST-only action"
        for kind in ("agreement", "deal", "challenge", "recommendation")
        for action in (
            "bulk",
            "watch",
            "visibility",
            "evidence_detach",
            "identifier_add",
            "identifier_remove",
            "claim_add",
            "claim_rank",
        )
    },
    "annotation_detail": "a redirect to the note on its record's page",
    "savedview_open": "a redirect to the list with the saved filters (lists are checked)",
    **{
        f"savedview_{action}": "POST-only action (its form is on /views/ or the list)"
        for action in ("create", "rename", "update", "share", "delete")
    },
    "annotation_resolve": "POST-only action",
    "annotation_share": "POST-only action",
    "job_retry": "POST-only action",
    "trash_restore": "POST-only action",
    "notifications_read": "POST-only action",
    "notifications_read_all": "POST-only action",
    "notifications_settings": "POST-only (the form is on the notifications page)",
    "recommendation_propose": "POST-only (the form is on the recommendation's page)",
    "proposal_decide": "POST-only action (decided on the recommendation's page)",
    "source_selection": "POST-only: the reader's selection (checked with the reader)",
    "source_make_evidence": "POST-only: a selection made evidence",
    "source_annotate": "POST-only: a selection annotated",
}
# Served to people who are not logged in (a logged-in visitor is sent home).
ANONYMOUS = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# Pages only curators reach (an analyst is refused; a job is its owner's).
CURATOR_ONLY = {"trash", "job_detail", "recommendation_restore", "recommendation_delete"}
# One template serves every record kind's history, restore and delete confirmation, with
# the same widgets whatever the kind: the recommendation's stands for the other kinds'.
SAME_AS = {
    f"{kind}_{action}": f"recommendation_{action}"
    for kind in ("agreement", "deal", "challenge")
    for action in ("history", "restore", "delete")
}
# The API access page: staff read it, a partner organisation's admin manages tokens there.
PARTNER_TOO = {"api_access"}
# Pages a curator sees differently from an analyst (publish, trash and restore buttons,
# the status form instead of a proposal, bulk actions): visited by both.
CURATOR_TOO = {
    "home",
    "source_detail",
    "recommendation_board",
    "recommendation_list",
    "recommendation_detail",
    "recommendation_transition",
    "recommendation_history",
    "agreement_detail",
}
# Django's own admin widgets, not the project's templates: known to axe, left to Django
# (rule id -> the node targets it may name, why). Anything else on an admin page fails.
DJANGO_ADMIN_KNOWN = {
    "label": (
        ("select2-search__field", "-recordevidence-", "#id_evidence_links-"),
        "the autocomplete widget's vendored select2 search box, and a tabular inline's "
        "fields, which Django labels by their column header rather than a <label>",
    ),
    "label-title-only": (
        ("-recordevidence-", "#id_evidence_links-"),
        "a tabular inline's field (as above)",
    ),
    "list": (("select2-selection",), "select2's chosen items: <li> inside a <span> list"),
    "td-has-header": (
        (".wrapper > table",),
        "Django's tabular inlines: an empty first header cell over each row's label",
    ),
    "scrollable-region-focusable": (
        (".wrapper",),
        "a tabular inline scrolling sideways on a phone",
    ),
}
# Pages that send the visitor on by design (the browser follows, and the page it lands on
# is the one checked).
REDIRECTING = {"password_reset_confirm": "Django moves the token out of the URL first"}


@dataclass(frozen=True)
class Route:
    name: str  # qualified: "cooperation:agreement_list", "login"
    pattern: URLPattern

    @property
    def short(self) -> str:
        return self.name.rsplit(":", 1)[-1]


def routes() -> tuple[list[Route], dict[str, str]]:
    """Every named URL of the project, and the branches and unnamed ones left out (why)."""
    found, left_out = [], {}

    def walk(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                if inner in EXCLUDED_NAMESPACES:
                    left_out[f"{inner}:*"] = EXCLUDED_NAMESPACES[inner]
                    continue
                walk(entry, inner)
            elif entry.name is None:
                left_out[str(entry.pattern)] = "unnamed: the admin's “view on site” redirect"
                assert "admin/" in str(entry.pattern), f"an unnamed URL: {entry.pattern}"
            else:
                found.append(Route(f"{namespace}:{entry.name}" if namespace else entry.name, entry))

    walk(get_resolver(), None)
    return found, left_out


def visitors(route: Route) -> list[str]:
    if route.short in ANONYMOUS:
        return ["anonymous"]
    if route.short in CURATOR_ONLY:
        return ["curator"]
    if route.short in PARTNER_TOO:
        return ["analyst", "partner"]
    if route.short in CURATOR_TOO:
        return ["analyst", "curator"]
    return ["analyst"]


def url_for(route: Route, world: Workspace) -> str:
    """The route's address with its arguments filled from the world, by converter name."""
    prefix = route.short.split("_", 1)[0]
    kwargs = {}
    try:
        for arg in route.pattern.pattern.converters:
            kwargs[arg] = _argument(arg, prefix, route, world)
    except (KeyError, AttributeError) as exc:
        raise AssertionError(
            f"cannot fill <{arg}> of {route.name} ({exc!r}): give tests/browser/workspace.py "
            "an object for it (Workspace.extra) or add it to EXCLUDED with the reason"
        ) from None
    query = {
        # The page that cites an excerpt by its number, with the number given.
        "source_cite": f"?excerpt={world.excerpt.pk}",
        # "Add a note" on a record, as its page links to it.
        "annotation_create": f"?target=recommendation:{world.records['recommendation'].pk}",
    }
    return reverse(route.name, kwargs=kwargs) + query.get(route.short, "")


def _argument(arg: str, prefix: str, route: Route, world: Workspace):
    """One URL argument, by its name and the URL name's first word (its model)."""
    if arg == "slug":
        return (world.records.get(prefix) or world.extra[prefix]).slug
    if arg == "history_id":
        record = world.records[prefix]
        return record.history.filter(id=record.pk).earliest("history_id").history_id
    if arg == "link_id":
        return world.links[prefix].pk
    if arg == "model":
        return "agreement"
    if arg == "pk":
        return world.pk_of(prefix)
    if arg == "uidb64":
        return urlsafe_base64_encode(force_bytes(world.analyst.pk))
    if arg == "token":
        return default_token_generator.make_token(world.analyst)
    raise AssertionError(f"cannot fill <{arg}> in {route.name}: teach url_for() or exclude it")


def pages_to_check(world: Workspace) -> dict[str, list[tuple[str, str]]]:
    """role -> [(name, url)] for every page not excluded."""
    found, _ = routes()
    by_role: dict[str, list[tuple[str, str]]] = {}
    for route in found:
        if route.short in EXCLUDED or route.short in SAME_AS:
            continue
        url = url_for(route, world)
        for role in visitors(route):
            by_role.setdefault(role, []).append((route.name, url))
    return by_role


def test_every_url_is_checked_or_excluded_with_a_reason():
    found, left_out = routes()
    names = {route.short for route in found}
    assert {"home", "login", "agreement_list", "recommendation_board", "trash"} <= names
    assert not set(EXCLUDED) - names, f"stale exclusions: {set(EXCLUDED) - names}"
    assert set(ANONYMOUS) <= names
    for group in (CURATOR_ONLY, CURATOR_TOO, PARTNER_TOO, set(SAME_AS), set(SAME_AS.values())):
        assert group <= names - set(EXCLUDED), sorted(group - names)
    assert all(reason for reason in EXCLUDED.values())
    assert {"admin:*", "api:*"} <= set(left_out)
    checked = names - set(EXCLUDED)
    # Far from all of them are actions: the check really covers the workspace.
    assert len(checked) >= 30, sorted(checked)


class Checker:
    """One page per role, reused: visit a URL at each viewport and run axe-core."""

    def __init__(self, context, role: str, known: dict | None = None):
        self.page = context.new_page()
        self.role = role
        self.axe = Axe()
        self.options: dict | None = None
        self.known = known or {}
        self.problems: list[str] = []
        self.checked = 0

    def check(self, name: str, url: str) -> None:
        for label, size in VIEWPORTS.items():
            self.page.set_viewport_size(size)
            where = f"{self.role} @{label}px {url} ({name})"
            response = self.page.goto(url)
            status = response.status if response else None
            kind = response.headers.get("content-type", "") if response else ""
            landed = self.page.evaluate("location.pathname")
            if status != 200 or not kind.startswith("text/html"):
                self.problems.append(f"{where}: answered {status} {kind}, not an HTML page")
                return
            if landed != url.split("?")[0] and name.split(":")[-1] not in REDIRECTING:
                self.problems.append(
                    f"{where}: sent on to {landed}; exclude it in EXCLUDED, with the reason"
                )
                return
            self.run_axe(where)
        self.checked += 1

    def run_axe(self, where: str) -> None:
        if self.options is None:
            self.options = self._blocking_rules_only()
        results = self.axe.run(self.page, options=self.options).response
        for violation in results["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            nodes = [
                " ".join(map(str, node["target"])) if isinstance(node["target"], list) else ""
                for node in violation["nodes"]
            ]
            allowed, _ = self.known.get(violation["id"], ((), ""))
            if allowed and all(any(a in node for a in allowed) for node in nodes):
                continue
            targets = "; ".join(nodes)
            self.problems.append(
                f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} "
                f"[{len(violation['nodes'])} node(s): {targets}]"
            )

    def _blocking_rules_only(self) -> dict:
        """axe's options: only the rules whose violations can be serious or critical.

        The others (landmarks, heading order, …: moderate or minor at most) could not fail
        the test, and `region` alone is a large share of the time on a long page.
        """
        self.page.evaluate(self.axe.axe_script)
        rules = self.page.evaluate(
            """(blocking) => (window.axe._audit ? window.axe._audit.rules : [])
                .filter((rule) => rule.enabled !== false && blocking.includes(rule.impact))
                .map((rule) => rule.id)""",
            list(BLOCKING),
        )
        options = {"resultTypes": ["violations"]}
        if rules:  # else axe's internals moved: run every rule, only slower
            options["runOnly"] = {"type": "rule", "values": rules}
        return options


def _context(browser, live_server, user=None):
    ctx = browser.new_context(base_url=live_server.url)
    ctx.set_default_timeout(TIMEOUT_MS)
    if user is not None:
        log_in(ctx, live_server, user)
    return ctx


def _check_roles(browser, live_server, world, roles) -> list[str]:
    by_role = pages_to_check(world)
    users = {
        "anonymous": None,
        "analyst": world.analyst,
        "curator": world.curator,
        "partner": world.partner,
    }
    problems = []
    for role in roles:
        ctx = _context(browser, live_server, users[role])
        try:
            checker = Checker(ctx, role)
            for name, url in by_role[role]:
                checker.check(name, url)
            problems += checker.problems
            assert checker.checked or checker.problems, role
        finally:
            ctx.close()
    return problems


def test_every_workspace_page_as_an_analyst_a_partner_and_a_visitor(browser, live_server):
    world = build_workspace()
    problems = _check_roles(browser, live_server, world, ["anonymous", "analyst", "partner"])
    assert not problems, "\n".join(["", *problems])


def test_curators_pages_and_the_admin(browser, live_server):
    world = build_workspace()
    problems = _check_roles(browser, live_server, world, ["curator"])
    recommendation = world.records["recommendation"]
    ctx = _context(browser, live_server, world.curator)
    try:
        checker = Checker(ctx, "curator", known=DJANGO_ADMIN_KNOWN)
        for name in ("index", "cooperation_recommendation_changelist"):
            checker.check(f"admin:{name}", reverse(f"admin:{name}"))
        for name in ("change", "history"):
            checker.check(
                f"admin:{name}",
                reverse(f"admin:cooperation_recommendation_{name}", args=[recommendation.pk]),
            )
        problems += checker.problems
    finally:
        ctx.close()
    assert not problems, "\n".join(["", *problems])
