"""Record, source and recommendation services ask the one permission table.

Each service below is run by a curator (who may do all of it) with its row of
cooperation.permissions.PERMISSIONS emptied: it must refuse. A service that checked a
permission of its own would go ahead. And the role grid: what `may()` says of a role is
what the service does for it.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from cooperation import permissions
from cooperation.choices import Visibility, allowed_transitions
from cooperation.models import Agreement, Source
from cooperation.services import (
    common,
    evidence_attach,
    evidence_detach,
    excerpt_create,
    recommendation_response_record,
    recommendation_transition,
    record_merge,
    record_publish,
    record_unpublish,
    source_import,
    status_proposal_create,
    status_proposal_decide,
    tracked_create,
    tracked_delete,
    tracked_restore_version,
    tracked_undelete,
    tracked_update,
)
from tests.factories import (
    TEST_BASIS,
    AdminFactory,
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    ExcerptFactory,
    PartnerFactory,
    RecommendationFactory,
    SourceFactory,
)


def _edit(user):
    record = AgreementFactory()
    return tracked_update(
        instance=record, user=user, data={"summary": "New"}, expected_version=None
    )


def _create(user):
    return tracked_create(
        model=Agreement,
        user=user,
        data={"title": "T", "slug": "t-1", "kind": "agreement", "status": "signed"},
        basis=TEST_BASIS,
    )


def _trash(user):
    return tracked_delete(instance=AgreementFactory(), user=user)


def _untrash(user):
    record = AgreementFactory()
    tracked_delete(instance=record, user=None)
    return tracked_undelete(instance=record, user=user)


def _restore(user):
    record = AgreementFactory()
    tracked_update(instance=record, user=None, data={"summary": "New"}, expected_version=None)
    first = record.history.order_by("history_id").first()
    return tracked_restore_version(instance=record, history_id=first.history_id, user=user)


def _publish(user):
    return record_publish(record=AgreementFactory(), user=user)


def _unpublish(user):
    record = record_publish(record=AgreementFactory(), user=None)
    return record_unpublish(record=record, user=user)


def _publish_by_edit(user):
    record = AgreementFactory()
    return tracked_update(
        instance=record, user=user, data={"visibility": Visibility.PUBLISHED}, expected_version=None
    )


def _merge(user):
    return record_merge(keep=AgreementFactory(), duplicate=AgreementFactory(), user=user)


def _link(user):
    return evidence_attach(record=AgreementFactory(), excerpt=ExcerptFactory(), user=user)


def _unlink(user):
    link = evidence_attach(record=AgreementFactory(), excerpt=ExcerptFactory(), user=None)
    return evidence_detach(link=link, user=user)


def _excerpt(user):
    return excerpt_create(source=SourceFactory(), start=0, end=5, user=user)


def _import(user):
    return source_import(data=b"A brief about ports.", filename="b.txt", user=user)


def _import_published(user):
    return source_import(
        data=b"A published brief.", filename="p.txt", user=user, visibility=Visibility.PUBLISHED
    )


def _transition(user):
    recommendation = RecommendationFactory()
    return recommendation_transition(
        recommendation=recommendation,
        to_status=allowed_transitions(recommendation.status)[0],
        user=user,
        note="Moved.",
        evidence_url="https://example.org/report",
    )


def _propose(user):
    recommendation = RecommendationFactory()
    return status_proposal_create(
        recommendation=recommendation,
        to_status=allowed_transitions(recommendation.status)[0],
        user=user,
        note="Please.",
        evidence_url="https://example.org/report",
    )


def _decide(user):
    recommendation = RecommendationFactory()
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=allowed_transitions(recommendation.status)[0],
        user=AnalystFactory(),
        note="Please.",
        evidence_url="https://example.org/report",
    )
    return status_proposal_decide(proposal=proposal, user=user, approve=False)


def _respond(user):
    return recommendation_response_record(
        recommendation=RecommendationFactory(),
        classification="accepted",
        responded_on=datetime.date(2026, 1, 1),
        user=user,
    )


# service → the (kind, action) rows of the table it must ask.
SERVICES = {
    "create": (_create, [("record", "create")]),
    "edit": (_edit, [("record", "edit")]),
    "trash": (_trash, [("record", "delete")]),
    "untrash": (_untrash, [("record", "untrash")]),
    "restore": (_restore, [("record", "restore")]),
    "publish": (_publish, [("record", "publish")]),
    "unpublish": (_unpublish, [("record", "unpublish")]),
    "publish_by_edit": (_publish_by_edit, [("record", "publish")]),
    "merge": (_merge, [("record", "merge")]),
    "link": (_link, [("record", "link_evidence")]),
    "unlink": (_unlink, [("item", "delete")]),
    "excerpt": (_excerpt, [("source", "excerpt")]),
    "import": (_import, [("source", "create")]),
    "import_published": (_import_published, [("source", "publish")]),
    "transition": (_transition, [("record", "transition")]),
    "propose": (_propose, [("record", "propose")]),
    "decide": (_decide, [("record", "decide")]),
    "respond": (_respond, [("record", "respond")]),
}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_curator_may_until_the_table_says_no(db, monkeypatch, name):
    service, rows = SERVICES[name]
    assert service(CuratorFactory()) is not None
    for row in rows:
        monkeypatch.setitem(permissions.PERMISSIONS, row, [])
    with pytest.raises(PermissionDenied):
        service(CuratorFactory())


# What each role may do, as the services must do it (the role table in accounts/roles.py).
ROLE_GRID = {
    "partner": set(),
    "analyst": {"create", "edit", "link", "excerpt", "import", "propose", "respond"},
    "curator": set(SERVICES),
    "admin": set(SERVICES),
}
FACTORIES = {
    "partner": PartnerFactory,
    "analyst": AnalystFactory,
    "curator": CuratorFactory,
    "admin": AdminFactory,
}


@pytest.mark.parametrize("role", sorted(ROLE_GRID))
def test_each_role_may_what_the_grid_says(db, role):
    wrong = []
    for name, (service, _rows) in sorted(SERVICES.items()):
        try:
            service(FACTORIES[role]())
            allowed = True
        except PermissionDenied:
            allowed = False
        if allowed != (name in ROLE_GRID[role]):
            wrong.append(f"{role} {name}: {'allowed' if allowed else 'refused'}")
    assert not wrong, "\n".join(wrong)


def test_services_have_no_permission_check_of_their_own():
    # `holds()` is the one reading of the role table; the old `authorize()` is gone.
    assert not hasattr(common, "authorize")


def test_may_ignores_state_and_can_does_not(db):
    curator = CuratorFactory()
    record = tracked_delete(instance=AgreementFactory(), user=None)
    assert permissions.may(curator, "edit", record)
    assert not permissions.can(curator, "edit", record)
    assert permissions.can(curator, "untrash", record)
    assert permissions.may(curator, "create", Source)
