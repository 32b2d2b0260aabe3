"""No input to a workspace form produces a server error, and a refusal changes nothing.

The forms are not listed by hand: each page below is rendered, and every <form> on it
(its action, method and the names of its fields, as a browser would submit them) is
fuzzed. Hypothesis fills the fields with garbage, valid choices, missing values and
repeated values; each example is posted as an analyst and as a curator and rolled
back afterwards. A last test checks every route that accepts a POST was reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cooperation.choices import RecommendationStatus
from cooperation.services import (
    annotation_create,
    evidence_attach,
    excerpt_create,
    saved_view_create,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
)
from tests.utils import rolled_back

pytestmark = [pytest.mark.django_db, pytest.mark.probe]

FUZZ = settings(
    # Twelve per form and role: 70 forms × 2 roles make it the suite's largest property run.
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---- what a page's forms submit -----------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values offered
    files: set[str] = field(default_factory=set)


class _Forms(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def _offer(self, name, value):
        if self._form is not None and name and name != "csrfmiddlewaretoken":
            self._form.fields.setdefault(name, []).append(value or "")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_url
            self._form = Form(action=action, method=(attrs.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag in ("input", "button") and self._form is not None:
            if (attrs.get("type") or "").lower() == "file":
                self._form.files.add(attrs.get("name"))
            else:
                self._offer(attrs.get("name"), attrs.get("value"))
        elif tag == "textarea":
            self._offer(attrs.get("name"), "")
        elif tag == "select":
            self._select = attrs.get("name")
            self._offer(self._select, "")
        elif tag == "option" and self._select:
            self._offer(self._select, attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(client, url: str) -> list[Form]:
    """The forms on a page; none on a page this user may not open (403)."""
    response = client.get(url)
    if response.status_code == 403:
        return []
    assert response.status_code == 200, url
    parser = _Forms(url)
    parser.feed(response.content.decode())
    return parser.forms


# ---- garbage ------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "-1",
    "0",
    "1.5",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2024-02-30",
    "0000-00-00",
    "31/12/2024",
    "true",
    "[]",
    "{}",
    "null",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e\u200b\ufeff",
    "é" * 400,
    "x" * 25_000,
]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


def _value(offered: list[str]):
    return st.one_of(
        st.sampled_from([v for v in offered if v] or [""]),
        st.sampled_from(NASTY),
        TEXT,
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


def _submission(form: Form):
    """Each field: left out, one value, or several values."""
    per_field = {
        name: st.one_of(
            st.none(),
            _value(offered),
            st.lists(_value(offered), min_size=2, max_size=3),
        )
        for name, offered in form.fields.items()
    }
    uploads = {
        name: st.one_of(
            st.none(),
            st.tuples(
                st.sampled_from(["brief.txt", "brief.pdf", "brief.md", "x.exe", "", "a" * 300]),
                st.one_of(st.binary(max_size=200), st.sampled_from([b"%PDF-1.4\n", b"\x7fELF"])),
            ),
        )
        for name in form.files
        if name
    }
    return st.fixed_dictionaries({**per_field, **uploads})


def _fingerprint() -> tuple[int, ...]:
    """Row counts of every project table, history included, in one query."""
    tables = [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "cooperation"}
    ]
    sql = "SELECT " + ", ".join(
        f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def fuzz(client, form: Form) -> None:
    @FUZZ
    @given(data=_submission(form))
    def run(data):
        payload = {}
        for name, value in data.items():
            if value is None:
                continue
            if name in form.files:
                payload[name] = SimpleUploadedFile(value[0] or "upload", value[1])
            else:
                payload[name] = value
        with rolled_back():
            before = _fingerprint()
            if form.method == "post":
                response = client.post(form.action, payload)
            else:
                response = client.get(form.action, payload)
            assert response.status_code < 500, (form.action, payload)
            if response.status_code != 302:
                # Not a redirect after success: a refusal or a page shown again. Nothing saved.
                assert _fingerprint() == before, (form.action, response.status_code, payload)

    run()


# ---- the pages and their forms ------------------------------------------------------------


@pytest.fixture
def world(curator, analyst):
    source = SourceFactory()
    excerpt = excerpt_create(source=source, start=0, end=12, user=curator)
    records = {}
    for factory in (AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory):
        record = factory(user=curator)
        record = tracked_update(
            instance=record, user=curator, data={"summary": "Changed"}, expected_version=1
        )  # a second version, so the history page offers a restore
        evidence_attach(record=record, excerpt=excerpt, user=curator)
        records[record._meta.model_name] = record
    recommendation = records["recommendation"]
    status_proposal_create(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=analyst,
        note="Tabled",
    )
    notes = {
        author.pk: annotation_create(author=author, body="A note", record=records["agreement"])
        for author in (curator, analyst)
    }
    annotation_create(author=analyst, body="A reply", parent=notes[curator.pk])
    # Each is mentioned once, so their notifications page offers "Mark read".
    for author, reader in ((curator, analyst), (analyst, curator)):
        mention = f"@{reader.email.split('@')[0]} have a look"
        annotation_create(author=author, body=mention, record=records["deal"])
    trashed = AgreementFactory(user=curator)
    tracked_delete(instance=trashed, user=curator)
    # A saved view each, so the deals list and /views/ offer its rename, share, update, delete.
    for owner in (curator, analyst):
        saved_view_create(user=owner, list_key="deal", name="Signed", query="status=signed")
    return {"source": source, "excerpt": excerpt, "records": records, "notes": notes}


def _pages(world, user) -> dict[str, str]:
    """The pages to fuzz, for `user` (who edits their own note)."""
    records = world["records"]
    note = world["notes"][user.pk]
    pages = {
        "search": reverse("cooperation:search"),
        "dashboard": "/",
        "trash": reverse("cooperation:trash"),
        "board": reverse("cooperation:recommendation_board"),
        "import": reverse("cooperation:source_import"),
        "reader": reverse("cooperation:source_detail", args=[world["source"].pk]),
        "note-edit": reverse("cooperation:annotation_edit", args=[note.pk]),
        "note-delete": reverse("cooperation:annotation_delete", args=[note.pk]),
        "note-new": reverse("cooperation:annotation_create")
        + f"?target=agreement:{records['agreement'].pk}",
        "notes": reverse("cooperation:annotation_list"),
        "sources": reverse("cooperation:source_list"),
        "password-change": reverse("password_change"),
        "notifications": reverse("cooperation:notifications"),
        "saved-views": reverse("cooperation:savedview_list"),
    }
    for kind, record in records.items():
        pages[f"{kind}-list"] = reverse(f"cooperation:{kind}_list")
        pages[f"{kind}-new"] = reverse(f"cooperation:{kind}_create")
        pages[f"{kind}-page"] = record.get_absolute_url()
        pages[f"{kind}-edit"] = reverse(f"cooperation:{kind}_edit", args=[record.slug])
        pages[f"{kind}-delete"] = reverse(f"cooperation:{kind}_delete", args=[record.slug])
        pages[f"{kind}-history"] = reverse(f"cooperation:{kind}_history", args=[record.slug])
        first = record.history.order_by("history_id").first()
        pages[f"{kind}-restore"] = reverse(
            f"cooperation:{kind}_restore", args=[record.slug, first.history_id]
        )
    return pages


PAGE_NAMES = [
    "search",
    "dashboard",
    "trash",
    "board",
    "import",
    "reader",
    "note-edit",
    "note-delete",
    "note-new",
    "notes",
    "sources",
    "password-change",
    "notifications",
    "saved-views",
    *(
        f"{kind}-{page}"
        for kind in ("agreement", "deal", "challenge", "recommendation")
        for page in ("list", "new", "page", "edit", "delete", "history", "restore")
    ),
]
# Forms that are the same on every page (the header's search box, log out) are fuzzed once.
SHARED_ACTIONS = {"/search/", "/accounts/logout/"}


def _page_forms(client, url: str, *, first_page: bool) -> list[Form]:
    found = []
    for form in forms_on(client, url):
        path = urlsplit(form.action).path
        if path == "/accounts/logout/":
            continue  # logging out ends the session the other forms need
        if path in SHARED_ACTIONS and not first_page:
            continue
        found.append(form)
    return found


@pytest.mark.parametrize("role", ["analyst", "curator"])
@pytest.mark.parametrize("page", PAGE_NAMES)
def test_workspace_forms_never_answer_500_and_refusals_change_nothing(request, world, page, role):
    user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    url = _pages(world, user)[page]
    response = client.get(url)
    if response.status_code == 403:
        pytest.skip(f"{role} may not open {page}")  # the access tests cover who sees what
    for form in _page_forms(client, url, first_page=page == "search"):
        fuzz(client, form)


def _anonymous_forms(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    client = Client()
    confirm = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    return client, [
        reverse("login"),
        reverse("password_reset"),
        confirm.redirect_chain[-1][0] if confirm.redirect_chain else confirm.request["PATH_INFO"],
    ]


def test_login_and_password_reset_forms_never_answer_500(analyst):
    client, urls = _anonymous_forms(analyst)
    for url in urls:
        for form in forms_on(client, url):
            fuzz(client, form)


# ---- every POST route is reached ----------------------------------------------------------


def _post_routes(client, world, user) -> set[str]:
    reached = set()
    for url in _pages(world, user).values():
        for form in forms_on(client, url):
            if form.method != "post":
                continue
            try:
                match = resolve(urlsplit(form.action).path)
            except Resolver404:
                continue
            reached.add(match.view_name)
    return reached


# Routes no page offers as a form: their pages are reached by script or links.
NOT_A_FORM = {
    "cooperation:source_selection",  # the reader's script posts the selection it computed
}


def test_the_fuzzed_pages_hold_every_workspace_form(curator, analyst, world):
    reached = set()
    for user in (analyst, curator):  # analysts propose what curators decide
        client = Client()
        client.force_login(user)
        reached |= _post_routes(client, world, user)
    expected = {
        "cooperation:proposal_decide",
        "cooperation:recommendation_transition",
        "cooperation:recommendation_propose",
        "cooperation:recommendation_response",
        "cooperation:annotation_create",
        "cooperation:annotation_reply",
        "cooperation:annotation_edit",
        "cooperation:annotation_resolve",
        "cooperation:annotation_delete",
        "cooperation:source_import",
        "cooperation:source_make_evidence",
        "cooperation:source_annotate",
        "cooperation:trash_restore",
        "password_change",
        "logout",
        "cooperation:notifications_read",
        "cooperation:notifications_read_all",
        "cooperation:notifications_settings",
        *(
            f"cooperation:savedview_{view}"
            for view in ("create", "rename", "update", "share", "delete")
        ),
        *(
            f"cooperation:{kind}_{view}"
            for kind in ("agreement", "deal", "challenge", "recommendation")
            for view in (
                "create",
                "edit",
                "delete",
                "visibility",
                "restore",
                "evidence_detach",
                "watch",
            )
        ),
    }
    assert expected - reached == set()


# ---- what the fuzzing found on PostgreSQL, pinned so it stays fixed -------------------------


def test_a_search_with_a_nul_character_is_answered(client, analyst):
    client.force_login(analyst)
    for url in (reverse("cooperation:search"), reverse("cooperation:agreement_list")):
        assert client.get(url, {"q": "semi\x00conductors"}).status_code == 200


def test_a_login_whose_lowercase_is_longer_than_axes_stores_is_refused_plainly(client):
    email = "\u0130" * 240 + "@example.org"  # "İ".lower() is two characters
    response = client.post(reverse("login"), {"username": email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
