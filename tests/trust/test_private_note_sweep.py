"""A private note reaches nobody but its author, through any URL the project serves.

The URL resolver is walked, so a page added later is swept too: every named
pattern (admin change, history, history-version, delete and list pages, the
web pages, the API, CSV/JSON exports, search, the dashboard) is requested by
every role with its parameters filled in with the private note, or with the
record, excerpt, source and user it hangs on. Neither the note's body (a
unique marker) nor its existence (its id in a link) may appear in a response
body or a redirect to anyone but its author.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import PARTNER
from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.models import Claim, Identifier, RecordEvidence
from cooperation.services import (
    annotation_create,
    annotation_update,
    evidence_attach,
    record_set_visibility,
    tracked_update,
)
from tests.api.conftest import bearer, make_token
from tests.factories import (
    AdminFactory,
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    ExcerptFactory,
    OrganisationFactory,
    PartnerFactory,
    SourceFactory,
)

pytestmark = pytest.mark.probe

MARKER = "zq7privatemarker"
# Searched for beside the marker: a page echoing the query shows the decoy as often.
DECOY = "zq7nothingdecoy"
# Catch-all patterns answer every path; the concrete pages are swept instead.
SKIPPED = {"api:None", "admin:None"}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace, pattern


def _admin_model(name: str):
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


class Targets:
    """What each URL parameter is filled with: the private note or what it is attached to."""

    def __init__(self, note, record, excerpt, source, author):
        self.note = note
        self.by_model = {
            "annotation": note,
            "agreement": record,
            "excerpt": excerpt,
            "source": source,
            "user": author,
            "organisation": None,
        }

    def object_for(self, model_name: str, model=None):
        obj = self.by_model.get(model_name)
        if obj is None and model is not None:
            manager = getattr(model, "all_objects", model._default_manager)
            obj = manager.order_by("pk").first()
        return obj


def _app_model(model_name: str):
    for app_label in ("cooperation", "accounts"):
        try:
            return apps.get_model(app_label, model_name)
        except LookupError:
            continue
    return None


def _latest_history_id(obj) -> int:
    rows = type(obj).history.filter(**{obj._meta.pk.attname: obj.pk})
    return rows.order_by("-history_id").first().history_id


def concrete_urls(targets: Targets) -> list[str]:
    urls = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        full = f"{namespace}:{pattern.name}" if namespace else pattern.name
        if full in SKIPPED:
            continue
        regex = pattern.pattern.regex
        named = list(regex.groupindex)
        positional = regex.groups - len(named)
        name = pattern.name
        if namespace == "admin":
            model = _admin_model(name)
            model_name = model._meta.model_name if model else ""
        else:
            model_name = re.split(r"[-_]", name)[0]
            model = _app_model(model_name)
        obj = targets.object_for(model_name, model)
        kwargs, args = {}, []
        if positional == 2:  # simple-history's version page: (object id, history id)
            if obj is None:
                continue
            args = [obj.pk, _latest_history_id(obj)]
        if obj is None and {"slug", "history_id"} & set(named):
            continue  # no such object in this world: nothing of the note behind that page
        for param in named:
            if param in ("object_id", "pk", "id"):
                if obj is None:
                    obj = targets.note
                kwargs[param] = obj.pk
            elif param == "slug":
                kwargs[param] = getattr(obj, "slug", "none")
            elif param == "history_id":
                kwargs[param] = _latest_history_id(obj)
            elif param == "link_id":
                kwargs[param] = RecordEvidence.objects.order_by("pk").first().pk
            elif param == "identifier_id":  # any: the page is a POST-only action
                first = Identifier.objects.order_by("pk").first()
                kwargs[param] = first.pk if first else 1
            elif param == "claim_id":  # any: the page is a POST-only action
                first = Claim.objects.order_by("pk").first()
                kwargs[param] = first.pk if first else 1
            elif param == "model":
                kwargs[param] = "annotation"
                kwargs["pk"] = targets.note.pk
            elif param == "content_type_id":
                kwargs[param] = ContentType.objects.get_for_model(targets.note).pk
                kwargs["object_id"] = targets.note.pk
            elif param in ("uidb64", "token"):
                kwargs[param] = "x"
            elif param == "app_label":
                kwargs[param] = "cooperation"
                urls.append(reverse(full, kwargs={param: "accounts"}))
        if name == "trash_restore":
            kwargs = {"model": "annotation", "pk": targets.note.pk}
        try:
            url = reverse(full, args=args, kwargs=kwargs)
        except Exception as exc:  # a pattern this sweep cannot fill is a gap to fix here
            raise AssertionError(f"cannot fill {full} {named} {positional}") from exc
        urls.append(url)
        if not named and not positional:
            urls.append(f"{url}?q={MARKER}")
    return sorted(set(urls))


def _content(response) -> str:
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return body.decode("utf-8", "replace") + "\n" + response.get("Location", "")


def _id_links(note_id: int) -> re.Pattern:
    return re.compile(
        rf"(annotations?/{note_id}/|notes/{note_id}/|annotation-{note_id}\b|"
        rf"[\"']id[\"']:\s*{note_id}\b.{{0,200}}{MARKER})",
        re.S,
    )


@pytest.fixture
def private_world(db):
    curator = CuratorFactory()
    author = AnalystFactory(full_name="Ann Author")
    source = SourceFactory(title="Published brief")
    tracked_update(
        instance=source,
        user=curator,
        data={"visibility": Visibility.PUBLISHED},
        expected_version=None,
    )
    excerpt = ExcerptFactory(source=source, start=0, end=12)
    record = AgreementFactory(title="Agreement with notes")
    evidence_attach(record=record, excerpt=excerpt, user=curator)
    record = record_set_visibility(record=record, user=curator, visibility=Visibility.PUBLISHED)
    public = annotation_create(
        author=author, body="A note for partners", record=record, visibility="partners"
    )
    note = annotation_create(
        author=author,
        body=f"First thought {MARKER}",
        record=record,
        visibility=AnnotationVisibility.PRIVATE,
    )
    note = annotation_update(
        annotation=note, user=author, expected_version=note.version, body=f"Second {MARKER}"
    )
    annotation_create(
        author=author,
        body=f"On the excerpt {MARKER}",
        excerpt=excerpt,
        visibility=AnnotationVisibility.PRIVATE,
    )
    return Targets(note, record, excerpt, source, author), author, curator, public


def _roles(author, curator):
    org_a, org_b = OrganisationFactory(name="Org A"), OrganisationFactory(name="Org B")
    return {
        "anonymous": None,
        "partner A": PartnerFactory(organisation=org_a),
        "partner B": PartnerFactory(organisation=org_b),
        "analyst": AnalystFactory(),
        "curator": curator,
        "admin": AdminFactory(),
        "superuser": AdminFactory(is_superuser=True),
    }


def _leaks(client, url, links, **extra) -> bool:
    """Whether the page at `url` shows the marker, or the note's id in a link, beyond an echo
    of what was asked (the path in a login redirect, the query in a search box)."""
    text = _content(client.get(url, **extra))
    for echo in (url, quote(url), quote(url, safe="")):
        text = text.replace(echo, "")
    if links.search(text):
        return True
    if f"q={MARKER}" not in url:
        return MARKER in text
    decoy = _content(client.get(url.replace(MARKER, DECOY), **extra))
    return text.count(MARKER) > decoy.count(DECOY)


ROLES = ("anonymous", "partner A", "partner B", "analyst", "curator", "admin", "superuser")


# One test per role, so that the sweep's few thousand requests spread over the test workers
# instead of holding one of them for minutes at the end of the run.
@pytest.mark.parametrize("swept_role", ROLES)
def test_a_private_note_reaches_nobody_but_its_author(private_world, swept_role):
    targets, author, curator, _ = private_world
    urls = concrete_urls(targets)
    links = _id_links(targets.note.pk)
    leaks = []
    roles = _roles(author, curator)
    assert set(roles) == set(ROLES)
    for role, user in roles.items():
        if role != swept_role:
            continue
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        token = (
            bearer(make_token(user, write=True))
            if user is not None and PARTNER in user.role_names
            else {}
        )
        for url in urls:
            for extra in ({}, token) if token and url.startswith("/api/") else ({},):
                if _leaks(client, url, links, **extra):
                    leaks.append(f"{role} {'token ' if extra else ''}GET {url}")
    assert not leaks, "private note reached:\n" + "\n".join(leaks)


def test_the_sweep_would_see_the_note_if_it_leaked(private_world):
    """The author's own view of the same URLs shows the note: the sweep reaches it."""
    targets, author, _, _ = private_world
    client = Client(raise_request_exception=False)
    client.force_login(author)
    seen = [url for url in concrete_urls(targets) if MARKER in _content(client.get(url))]
    assert any(url.startswith("/admin/cooperation/annotation/") for url in seen), seen
    assert any("/history/" in url for url in seen), seen
    assert any(url.startswith("/api/v1/annotations/") for url in seen), seen
    assert any(url.startswith("/agreements/") for url in seen), seen
