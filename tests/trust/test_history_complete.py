"""History is complete and nothing is hard-deleted, whichever way a write comes in.

The tests here enumerate instead of listing by hand: every model of the project's apps,
every admin registered on the site and every action it offers, every DELETE route of the
API and every delete view of the workspace. A new model, admin action or delete route
without history (or with a hard delete) fails them until it is covered.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import ERROR, get_messages
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ApiToken, Organisation, User
from accounts.roles import ANALYST
from accounts.services import api_token_create, user_update
from cooperation.api.urls import router
from cooperation.choices import RecommendationStatus
from cooperation.models import (
    SEARCH_TERM_MODELS,
    Actor,
    Agreement,
    Annotation,
    Challenge,
    ChangeEntry,
    Claim,
    Deal,
    Excerpt,
    IdempotencyKey,
    Job,
    Notification,
    NotificationSettings,
    Recommendation,
    RecommendationStatusChange,
    RecordEvidence,
    RecordSpine,
    SavedView,
    Source,
    StatusProposal,
    Tag,
    Topic,
    Watch,
)
from cooperation.models.base import Tracked
from cooperation.services import (
    annotation_create,
    annotation_resolve,
    evidence_attach,
    record_publish,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from cooperation.services.saved_views import saved_view_create
from cooperation.services.tags import tag_create
from tests.api.conftest import client_for
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    AnalystFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    OrganisationFactory,
    PartnerFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "cooperation"}
# Models whose rows are not kept in simple-history, and why nothing is lost.
NO_OWN_HISTORY = {
    RecordSpine: (
        "a projection, not data anyone edits: each row holds a record's kind, id and copies "
        "of its title, slug, visibility and deletion, written by Record.save() in the same "
        "transaction as the record's own write (which keeps its history row); no admin page "
        "shows it"
    ),
    RecommendationStatusChange: (
        "append-only: each row *is* the record of one status move, written once by "
        "recommendation_transition (which also writes the recommendation's history row) "
        "and never changed or deleted"
    ),
    IdempotencyKey: (
        "API bookkeeping, not data anyone edits: each row is the stored answer to a POST, "
        "written in the same transaction as that POST's write (which keeps its own history), "
        "and deleted once it expires; no admin page shows or edits it"
    ),
    Job: (
        "the worker's account of a background job (state, progress, message), written by "
        "the task and its services; the source it makes keeps its own history, and no "
        "admin page shows or edits a job"
    ),
    ChangeEntry: (
        "append-only: the change feed's log (cooperation/changes.py) names what a service "
        "write changed, in that write's transaction (which keeps its own history row); no "
        "admin page shows or edits it"
    ),
    Notification: (
        "a message to one person about a write that keeps its own history (a note, a "
        "record's change, a status move), written in that write's transaction by "
        "services/notifications.py; only its read/e-mailed times change after"
    ),
    Watch: (
        "a person's own choice to hear of a record's changes, not data about the record; "
        "toggled from the record page and removed when they stop watching"
    ),
    NotificationSettings: (
        "a person's own e-mail choice and @handle, changed only by them on their notifications page"
    ),
    **dict.fromkeys(
        SEARCH_TERM_MODELS,
        "a projection, not data anyone edits: a record's words with their ranks for one-word "
        "searches, written by PostgreSQL's trigger whenever the record's stored document "
        "changes (which keeps its own history row); no admin page shows them",
    ),
}


def _project_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith("Historical")
    ]


def _history_count(obj) -> int:
    return type(obj).history.filter(**{obj._meta.pk.attname: obj.pk}).count()


def _row_counts() -> dict[type, int]:
    """Every row of every project model (the trash included) and of the role groups; not
    the records' words, which the trigger rewrites as a record's text changes (an edit that
    drops a word drops its row: nothing anyone wrote is lost)."""
    models = [m for m in _project_models() if m not in SEARCH_TERM_MODELS]
    return {model: model._base_manager.count() for model in [*models, Group]}


def _assert_nothing_hard_deleted(before: dict[type, int]) -> None:
    after = _row_counts()
    shrunk = {m.__name__: (before[m], after[m]) for m in before if after[m] < before[m]}
    assert not shrunk, f"rows were hard-deleted (before, after): {shrunk}"


def _superuser() -> User:
    return UserFactory(roles=[], is_superuser=True, email="root@example.org")


# ---- every model people edit keeps history --------------------------------------------------


def test_every_project_model_keeps_history():
    missing = [
        model.__name__
        for model in _project_models()
        if model not in NO_OWN_HISTORY and not hasattr(model, "_history_recorder")
    ]
    assert not missing, f"models without history: {missing}"
    for model in NO_OWN_HISTORY:
        # The exemption holds only while no one can edit those rows.
        request = RequestFactory().get("/")
        request.user = User(is_superuser=True, is_active=True, is_staff=True)
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue  # not in the admin at all
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_every_tracked_model_is_soft_deleted():
    tracked = [m for m in _project_models() if issubclass(m, Tracked)]
    assert {Agreement, Deal, Challenge, Recommendation, Source, Excerpt, Actor, Topic} <= set(
        tracked
    )
    assert {Annotation, RecordEvidence} <= set(tracked)
    for model in tracked:
        assert hasattr(model, "all_objects"), model
        assert model._meta.get_field("deleted_at").null, model


# ---- every admin action: one history row per object, no hard delete -------------------------


def _annotation(superuser):
    return annotation_create(author=superuser, body="A note", record=AgreementFactory())


def _proposal(superuser):
    return status_proposal_create(
        recommendation=RecommendationFactory(),
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=AnalystFactory(),
        note="Tabled in committee",
    )


def _saved_view(superuser):
    return saved_view_create(
        user=superuser, list_key="deal", name=f"View {SavedView.all_objects.count()}", query=""
    )


def _token(superuser):
    return api_token_create(user=PartnerFactory(), name="t", actor=superuser)[0]


# One way to make a live object of each model an admin is registered for.
MAKERS: dict[type, Callable] = {
    Agreement: lambda su: AgreementFactory(),
    Deal: lambda su: DealFactory(),
    Challenge: lambda su: ChallengeFactory(),
    Recommendation: lambda su: RecommendationFactory(),
    Source: lambda su: SourceFactory(),
    Excerpt: lambda su: ExcerptFactory(),
    Actor: lambda su: ActorFactory(),
    Topic: lambda su: TopicFactory(),
    Tag: lambda su: tag_create(user=su, name=f"Tag {Tag.all_objects.count() + 1}"),
    Annotation: _annotation,
    StatusProposal: _proposal,
    RecommendationStatusChange: lambda su: RecommendationFactory().status_changes.get(),
    User: lambda su: AnalystFactory(),
    Organisation: lambda su: OrganisationFactory(),
    ApiToken: _token,
    Group: lambda su: Group.objects.get(name=ANALYST),
    SavedView: lambda su: _saved_view(su),
    # A record made through the services claims its facts (the factory's judgement).
    Claim: lambda su: Claim.objects.filter(spine_id=ChallengeFactory().spine_id).get(),
}


class Scenario:
    """Objects to select for one action, the POST it needs, and who must gain a history row."""

    def __init__(self, selected, *, affected=None, post=None, query=""):
        self.selected = selected
        self.affected = affected if affected is not None else selected
        self.post = post or {}
        self.query = query


def _two(model, su):
    return [MAKERS[model](su), MAKERS[model](su)]


def _trashed(model, su):
    objs = _two(model, su)
    for obj in objs:
        tracked_delete(instance=obj, user=su)
    return Scenario([type(o).all_objects.get(pk=o.pk) for o in objs], query="?trash=deleted")


def _published(model, su):
    return Scenario([record_publish(record=r, user=su) for r in _two(model, su)])


def _approved(model, su):
    proposals = _two(model, su)
    return Scenario(proposals, affected=[*proposals, *(p.recommendation for p in proposals)])


def _resolved(model, su):
    return Scenario([annotation_resolve(annotation=a, user=su) for a in _two(model, su)])


def _deactivated(model, su):
    return Scenario(
        [user_update(user=u, data={"is_active": False}, actor=su) for u in _two(model, su)]
    )


SCENARIOS: dict[str, Callable] = {
    "move_to_trash": lambda model, su: Scenario(_two(model, su)),
    "restore_from_trash": _trashed,
    "publish": lambda model, su: Scenario(_two(model, su)),
    "unpublish": _published,
    "merge_duplicates": lambda model, su: Scenario(_two(model, su)),
    "change_status": lambda model, su: Scenario(
        _two(model, su),
        post={"apply": "1", "to_status": RecommendationStatus.UNDER_REVIEW, "note": "Tabled"},
    ),
    "approve": _approved,
    "decline": lambda model, su: Scenario(_two(model, su)),
    "resolve": lambda model, su: Scenario(_two(model, su)),
    "reopen": _resolved,
    "hide": lambda model, su: Scenario(_two(model, su)),
    "revoke_selected": lambda model, su: Scenario(_two(model, su)),
    "deactivate_selected": lambda model, su: Scenario(_two(model, su)),
    "reactivate_selected": _deactivated,
}
# Admins of other packages' models, and why their actions are left as they are.
FOREIGN_ADMINS = {
    "axes": "django-axes' lockout log; deleting an attempt is how an admin lifts a lockout",
}


def _admins() -> list:
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label not in FOREIGN_ADMINS
    ]


def test_only_the_lockout_log_is_left_out_of_these_checks():
    labels = {model._meta.app_label for model in admin.site._registry}
    assert labels - PROJECT_APPS - {"auth"} == set(FOREIGN_ADMINS)


@pytest.mark.parametrize("model", [model for model, _ in _admins()], ids=lambda m: m._meta.label)
def test_every_admin_action_writes_one_history_row_per_object_and_deletes_nothing(client, model):
    su = _superuser()
    client.force_login(su)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = su
    actions = model_admin.get_actions(request)
    assert "delete_selected" not in actions, f"{model.__name__} offers a hard delete"
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for name in actions:
        assert name in SCENARIOS, f"{model.__name__}.{name}: add a scenario to this test"
        scenario = SCENARIOS[name](model, su)
        before_rows = _row_counts()
        before = {(type(o), o.pk): _history_count(o) for o in scenario.affected}

        response = client.post(
            changelist + scenario.query,
            {
                "action": name,
                "_selected_action": [o.pk for o in scenario.selected],
                **scenario.post,
            },
        )

        assert response.status_code in (200, 302), f"{model.__name__}.{name}"
        errors = [m.message for m in get_messages(response.wsgi_request) if m.level == ERROR]
        assert not errors, f"{model.__name__}.{name}: {errors}"
        for obj in scenario.affected:
            gained = _history_count(obj) - before[(type(obj), obj.pk)]
            assert gained == 1, f"{model.__name__}.{name}: {obj!r} gained {gained} history rows"
        _assert_nothing_hard_deleted(before_rows)


@pytest.mark.parametrize("model", [model for model, _ in _admins()], ids=lambda m: m._meta.label)
def test_admin_delete_page_deletes_nothing(client, model):
    su = _superuser()
    client.force_login(su)
    obj = MAKERS[model](su)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    delete_url = reverse(f"{prefix}_delete", args=[obj.pk])
    before_rows = _row_counts()
    before_history = _history_count(obj) if hasattr(model, "history") else None

    for method in (client.get, client.post):
        response = method(delete_url, {"post": "yes"})
        assert response.status_code in (302, 403), (model.__name__, response.status_code)

    _assert_nothing_hard_deleted(before_rows)
    fresh = model._base_manager.get(pk=obj.pk)
    assert getattr(fresh, "deleted_at", None) is None
    if before_history is not None:
        assert _history_count(obj) == before_history
    change_page = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
    assert change_page.status_code == 200
    assert delete_url not in change_page.text


def test_admin_restore_brings_back_an_earlier_version_of_every_tracked_model(client):
    su = _superuser()
    client.force_login(su)
    covered = set()
    for model, model_admin in _admins():
        if not issubclass(model, Tracked) or model_admin.revert_disabled(
            type("R", (), {"user": su})()
        ):
            continue
        obj = MAKERS[model](su)
        field = next(f for f in ("title", "name", "note") if hasattr(obj, f))
        first = obj.history.order_by("history_id").first()
        original = getattr(obj, field)
        changed = tracked_update(
            instance=obj,
            user=su,
            data={field: original + " (edited)"},
            expected_version=obj.version,
        )
        assert getattr(changed, field) != original
        count = _history_count(obj)

        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
            args=[obj.pk, first.history_id],
        )
        assert client.post(url).status_code == 302

        restored = model.all_objects.get(pk=obj.pk)
        assert getattr(restored, field) == original, model.__name__
        assert _history_count(obj) == count + 1, model.__name__
        covered.add(model)
    assert covered == {
        Agreement,
        Deal,
        Challenge,
        Recommendation,
        Source,
        Excerpt,
        Actor,
        Topic,
        Tag,
    }


# ---- every delete route of the API and the workspace soft-deletes -----------------------------


API_MAKERS = {
    "excerpts": lambda su: ExcerptFactory(),
    "actors": lambda su: ActorFactory(),
    "topics": lambda su: TopicFactory(),
    "agreements": lambda su: AgreementFactory(),
    "deals": lambda su: DealFactory(),
    "challenges": lambda su: ChallengeFactory(),
    "recommendations": lambda su: RecommendationFactory(),
    "annotations": _annotation,
}


@pytest.mark.parametrize(
    "prefix",
    [prefix for prefix, viewset, _ in router.registry if hasattr(viewset, "destroy")],
)
def test_every_api_delete_moves_to_the_trash(prefix):
    su = _superuser()
    obj = API_MAKERS[prefix](su)
    api = client_for(su)
    path = f"/api/v1/{prefix}/{obj.pk}/"
    before_rows, before_history = _row_counts(), _history_count(obj)

    etag = api.get(path)["ETag"]
    response = api.delete(path, HTTP_IF_MATCH=etag)

    assert response.status_code == 204, response.content
    _assert_nothing_hard_deleted(before_rows)
    trashed = type(obj).all_objects.get(pk=obj.pk)
    assert trashed.deleted_at is not None and trashed.deleted_by == su
    assert _history_count(obj) == before_history + 1
    assert trashed.history.first().history_type == "-"


def _web_routes(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _web_routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def _record_delete(kind_model):
    def run(client, su):
        record = MAKERS[kind_model](su)
        kind = kind_model._meta.model_name
        url = reverse(f"cooperation:{kind}_delete", args=[record.slug])
        return record, client.post(url, {"expected_version": record.version})

    return run


def _evidence_detach(kind_model):
    def run(client, su):
        record = MAKERS[kind_model](su)
        link = evidence_attach(record=record, excerpt=ExcerptFactory(), user=su)
        kind = kind_model._meta.model_name
        url = reverse(f"cooperation:{kind}_evidence_detach", args=[record.slug, link.pk])
        return link, client.post(url)

    return run


def _note_delete(client, su):
    note = _annotation(su)
    return note, client.post(reverse("cooperation:annotation_delete", args=[note.pk]))


def _saved_view_delete(client, su):
    view = _saved_view(su)
    return view, client.post(reverse("cooperation:savedview_delete", args=[view.token]))


WEB_DELETES = {
    **{
        f"cooperation:{m._meta.model_name}_delete": _record_delete(m)
        for m in (Agreement, Deal, Challenge, Recommendation)
    },
    **{
        f"cooperation:{m._meta.model_name}_evidence_detach": _evidence_detach(m)
        for m in (Agreement, Deal, Challenge, Recommendation)
    },
    "cooperation:annotation_delete": _note_delete,
    "cooperation:savedview_delete": _saved_view_delete,
}


def test_every_web_delete_route_is_covered_here():
    routes = {
        name
        for name in _web_routes()
        if not name.startswith("admin:") and ("delete" in name or "detach" in name)
    }
    assert routes == set(WEB_DELETES)


@pytest.mark.parametrize("route", sorted(WEB_DELETES))
def test_every_web_delete_moves_to_the_trash(client, route):
    su = _superuser()
    client.force_login(su)
    before_rows = _row_counts()

    obj, response = WEB_DELETES[route](client, su)

    assert response.status_code == 302
    _assert_nothing_hard_deleted(before_rows)
    trashed = type(obj).all_objects.get(pk=obj.pk)
    assert trashed.deleted_at is not None
    assert trashed.history.first().history_type == "-"
