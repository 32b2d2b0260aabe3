"""The change log behind the partners' feed: which API objects changed, in commit order.

Every service write ends in `history.write_history`, whose history row reaches
`record_change` (simple-history's post_create_historical_record signal) in the
service's own transaction: the changed object gets an entry, and so does every object
that reads differently, or whose visibility may differ, because of it (a published
record's notes and the excerpts it cites, records linking to it, a source's excerpts, the
record or actor a claim or an identifier shows on, whatever shows a renamed person's or
organisation's name…).
An entry names the object only; the feed (cooperation/api/changes.py) shows each caller
the object as it then is, through the same selectors the lists use, or a tombstone.

Commit order. A sequence hands out numbers when rows are inserted, not when they
commit: on PostgreSQL a transaction holding seq 10 can commit after another's seq 11,
and a reader that saw 11 and resumed after it would never see 10. So appending takes a
transaction-level advisory lock first, held until commit: entries are numbered and
committed one transaction at a time, and once a reader sees seq n, every entry below n
is committed too. We chose the lock over "serve only entries older than the oldest
in-flight transaction" because the latter needs the xid of every entry and a snapshot
comparison on every read, and writes here are rare (people curating) while reads of the
feed are frequent. To rule out deadlocks, every service takes the same lock before its
first row lock (`tracked.lock`, `save_with_history`): a transaction waiting for it holds
no row locks another writer could be waiting for. SQLite runs one writer at a time and
needs no lock.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Q

from accounts.models import Organisation, User
from accounts.roles import ANALYST, PARTNER
from cooperation import selectors
from cooperation.history import history_m2m_values
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Agreement,
    Annotation,
    Challenge,
    ChangeEntry,
    Claim,
    Deal,
    Excerpt,
    Identifier,
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    Tag,
    Topic,
)

# Any fixed 64-bit number; it names this lock among PostgreSQL advisory locks.
_LOCK_KEY = 0x436F6E746F757273  # "Contours"

# The feed's kinds are the API's resource names (singular), in the API's ids.
MODELS: dict[str, type] = {
    "source": Source,
    "excerpt": Excerpt,
    "actor": Actor,
    "topic": Topic,
    "tag": Tag,
    "agreement": Agreement,
    "deal": Deal,
    "challenge": Challenge,
    "recommendation": Recommendation,
    "annotation": Annotation,
}
KINDS = {model: kind for kind, model in MODELS.items()}


def visible_to(user, kind: str):
    """What `user` may read of `kind`: the selectors the API's lists use, nothing else."""
    model = MODELS[kind]
    if kind == "source":
        return selectors.sources_visible_to(user)
    if kind == "excerpt":
        return selectors.excerpts_visible_to(user)
    if kind == "annotation":
        return selectors.api_annotations_visible_to(user, Annotation.objects.all())
    if kind == "tag":
        return selectors.tags_visible_to(user)
    if model in RECORD_MODELS:
        return selectors.records_visible_to(user, model)
    return model.objects.all()


def serialise_writes() -> None:
    """Take the feed's write lock until this transaction ends (PostgreSQL; see the module doc)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _probe(role: str) -> User:
    """A stand-in reader of one role, to ask what the selectors would show such a user.

    Never saved; its id (0) is nobody's, so it is no note's author and a private note
    stays hidden from it.
    """
    user = User(pk=0, email=f"{role}@probe.invalid", is_active=True)
    user._prefetched_objects_cache = {"groups": Group.objects.filter(name=role)}
    return user


# Ids per `IN (...)`: a change can log tens of thousands of objects (an actor most records
# name, renamed), past what one statement may bind: SQLite allows 32,766 parameters,
# PostgreSQL's server-side binding 65,535.
ID_CHUNK = 10_000


def _readable(user, kind: str, ids: set[int]) -> set[int]:
    ordered = sorted(ids)
    readable = set()
    for start in range(0, len(ordered), ID_CHUNK):
        chunk = ordered[start : start + ID_CHUNK]
        readable |= set(visible_to(user, kind).filter(pk__in=chunk).values_list("pk", flat=True))
    return readable


def _audiences(kind: str, ids: set[int]) -> dict[int, tuple[bool, bool]]:
    """For each id: could (an internal user other than its author, a partner) read it now?"""
    staff = _readable(_probe(ANALYST), kind, ids)
    partners = _readable(_probe(PARTNER), kind, ids)
    return {pk: (pk in staff, pk in partners) for pk in ids}


_KIND_OF_SPINE = {model._meta.model_name: model for model in RECORD_MODELS}


def _record_key(record_kind: str, kind_id: int) -> tuple[str, int] | None:
    """The feed's (kind, id) for a record named by its spine row's kind and id."""
    kind = KINDS.get(_KIND_OF_SPINE.get(record_kind))
    return (kind, kind_id) if kind else None


def _add_records(spines, found) -> None:
    """Each record named by a spine row's (record_kind, kind_id), as the feed names it."""
    for record_kind, kind_id in spines:
        key = _record_key(record_kind, kind_id)
        if key:
            found[key[0]].add(key[1])


def _spine_record(instance, found) -> None:
    """The record `instance` belongs to (through its spine), if it belongs to one and the
    write saving it has not logged that record already (`logged_with`)."""
    if instance.spine_id is None or instance.spine_id == _LOGGED_WITH.get():
        return
    record_key = _record_key(instance.spine.record_kind, instance.spine.kind_id)
    if record_key:
        found[record_key[0]].add(record_key[1])


def _excerpt_dependents(ids, found) -> None:
    """An excerpt's notes (their visibility follows it), the records citing it, and the
    recommendations whose timeline cites it (a status move's or a response's
    `evidence_excerpt`, shown to partners only while they may read the excerpt)."""
    found["annotation"] |= set(
        Annotation.all_objects.filter(excerpt__in=ids).values_list("pk", flat=True)
    )
    _add_records(
        RecordEvidence.all_objects.filter(excerpt__in=ids).values_list(
            "spine__record_kind", "spine__kind_id"
        ),
        found,
    )
    for timeline in (RecommendationStatusChange, RecommendationResponse):
        found["recommendation"] |= set(
            timeline.objects.filter(evidence_excerpt__in=ids).values_list(
                "recommendation_id", flat=True
            )
        )


def _record_dependents(record, found) -> None:
    model = type(record)
    # Notes on it: a partner reads them only while the record is published.
    found["annotation"] |= set(
        Annotation.all_objects.filter(spine_id=record.spine_id).values_list("pk", flat=True)
    )
    # The excerpts it cites: a partner reads an unpublished source's excerpt while a
    # published record cites it (and their notes with them).
    excerpts = set(
        RecordEvidence.all_objects.filter(spine_id=record.spine_id).values_list(
            "excerpt", flat=True
        )
    )
    found["excerpt"] |= excerpts
    found["annotation"] |= set(
        Annotation.all_objects.filter(excerpt__in=excerpts).values_list("pk", flat=True)
    )
    # Records linking to it, and records it links to, show its name and only while visible.
    for field in model._meta.many_to_many:
        if field.related_model in RECORD_MODELS:
            found[KINDS[field.related_model]] |= set(
                getattr(record, field.name).values_list("pk", flat=True)
            )
    for relation in model._meta.related_objects:
        if relation.many_to_many and relation.related_model in RECORD_MODELS:
            found[KINDS[relation.related_model]] |= set(
                relation.related_model.all_objects.filter(
                    **{relation.field.name: record.pk}
                ).values_list("pk", flat=True)
            )


def _tags_then_and_now(instance) -> set[int]:
    """The tags `instance` (a record or a note) carries, and carried before this write: a tag
    a partner could read only through it appears or goes with it. Its newest history row is
    this write's; the one before holds what it carried until now."""
    rows = list(instance.history.order_by("-history_id")[:2])
    then = {pk for row in rows for pk in history_m2m_values(row, "tags")}
    return then | set(instance.tags.values_list("pk", flat=True))


def _taxonomy_dependents(instance, found) -> None:
    """Records (and, for a tag, notes) that show this actor's, topic's or tag's name."""
    if isinstance(instance, Tag):
        found["annotation"] |= set(
            Annotation.all_objects.filter(tags=instance.pk).values_list("pk", flat=True)
        )
    for model in RECORD_MODELS:
        for field in [*model._meta.many_to_many, *model._meta.fields]:
            if field.is_relation and field.related_model is type(instance):
                found[KINDS[model]] |= set(
                    model.all_objects.filter(**{field.name: instance.pk}).values_list(
                        "pk", flat=True
                    )
                )


def _changed(instance, *fields) -> bool:
    """Whether this write changed any of `fields`: its history row (the newest) against the
    one before. Only a change of what shows a name is worth an entry for everything showing
    it: a password reset or a role given changes none of it."""
    rows = list(instance.history.order_by("-history_id")[:2])
    if len(rows) < 2:
        return False  # created: nothing shows the name yet
    now, then = rows
    return now.history_type == "-" or any(getattr(now, f) != getattr(then, f) for f in fields)


def _named_by(users, found) -> None:
    """What shows these users' display names: the notes they wrote, the recommendations they
    own, moved or recorded a response on, and the records carrying claims they made."""
    found["annotation"] |= set(
        Annotation.all_objects.filter(author__in=users).values_list("pk", flat=True)
    )
    # Each a subquery of its own: one join across both timelines would multiply their rows.
    found["recommendation"] |= set(
        Recommendation.all_objects.filter(
            Q(owner__in=users)
            | Q(
                pk__in=RecommendationStatusChange.objects.filter(changed_by__in=users).values(
                    "recommendation_id"
                )
            )
            | Q(
                pk__in=RecommendationResponse.objects.filter(recorded_by__in=users).values(
                    "recommendation_id"
                )
            )
        ).values_list("pk", flat=True)
    )
    _add_records(
        Claim.all_objects.filter(created_by__in=users)
        .values_list("spine__record_kind", "spine__kind_id")
        .distinct(),
        found,
    )


def dependents(instance) -> dict[str, set[int]]:
    """The objects, by kind, that may read differently or change visibility after `instance`
    changed; `instance` itself included when it is one of the feed's kinds."""
    found: dict[str, set[int]] = defaultdict(set)
    model = type(instance)
    kind = KINDS.get(model)
    if kind:
        found[kind].add(instance.pk)
    if model in RECORD_MODELS:
        _record_dependents(instance, found)
        found["tag"] |= _tags_then_and_now(instance)
    elif model is Annotation:
        found["tag"] |= _tags_then_and_now(instance)
    elif model is Source:
        excerpts = Excerpt.all_objects.filter(source=instance).values("pk")
        found["excerpt"] |= {row["pk"] for row in excerpts}
        _excerpt_dependents(excerpts, found)  # as a subquery: a brief may have thousands
    elif model is Excerpt:
        _excerpt_dependents([instance.pk], found)
    elif model is RecordEvidence:
        _spine_record(instance, found)
        found["excerpt"].add(instance.excerpt_id)
        _excerpt_dependents([instance.excerpt_id], found)
    elif model in (Claim, Identifier):
        # They show with their record (claims, provenance, identifiers) or their actor,
        # whose own rows a claim or an identifier leaves alone.
        _spine_record(instance, found)
        if getattr(instance, "actor_id", None):
            found["actor"].add(instance.actor_id)
    elif model is RecommendationResponse:
        # Shown in the recommendation's `responses`; saving one leaves its row alone.
        found["recommendation"].add(instance.recommendation_id)
    elif model in (Actor, Topic, Tag):
        _taxonomy_dependents(instance, found)
    elif model is User and _changed(instance, "full_name", "organisation_id"):
        _named_by(User.objects.filter(pk=instance.pk), found)
    elif model is Organisation and _changed(instance, "name"):
        # A member without a name of their own is shown by their organisation's
        # (serializers.display_name).
        _named_by(User.objects.filter(organisation=instance, full_name=""), found)
    return found


# The claims a record write saves (services/claim_rows.claims_after_write) show on that
# record, whose own history row the same write logged a moment before: they need no entry
# of their own (one per claim, each costing the audience queries).
_LOGGED_WITH: ContextVar[int | None] = ContextVar("contours_logged_with", default=None)


@contextmanager
def logged_with(spine_id: int):
    """Rows saved inside show on the record of `spine_id`, already logged by this write."""
    token = _LOGGED_WITH.set(spine_id)
    try:
        yield
    finally:
        _LOGGED_WITH.reset(token)


def on_history_row(sender, instance, **kwargs) -> None:
    """simple-history wrote a history row for `instance`: log the change (apps.py)."""
    record_change(instance)


def record_change(instance) -> None:
    """Append entries for `instance` and what depends on it, in the caller's transaction."""
    found = {kind: ids for kind, ids in dependents(instance).items() if ids}
    if not found:
        return
    with transaction.atomic():
        serialise_writes()
        entries = []
        for kind in MODELS:  # a fixed order, so one change always logs alike
            ids = found.get(kind)
            if not ids:
                continue
            audiences = _audiences(kind, ids)
            for pk in sorted(ids):
                staff, partners = audiences[pk]
                entries.append(ChangeEntry(kind=kind, object_id=pk, staff=staff, partners=partners))
        ChangeEntry.objects.bulk_create(entries, batch_size=1000)


def seed() -> int:
    """One entry per existing object (run once, when the log is created): a client that
    follows the feed from its start reads everything there was before the log, too."""
    count = 0
    # Run by migration 0008, when kinds added later (tags, 0013) have no table yet: those
    # start empty, and their rows are logged as they are written.
    tables = set(connection.introspection.table_names())
    with transaction.atomic():
        serialise_writes()
        for kind, model in MODELS.items():
            if model._meta.db_table not in tables:
                continue
            ids = set(model.objects.values_list("pk", flat=True))
            audiences = _audiences(kind, ids)
            entries = [
                ChangeEntry(kind=kind, object_id=pk, staff=a[0], partners=a[1])
                for pk, a in sorted(audiences.items())
            ]
            ChangeEntry.objects.bulk_create(entries, batch_size=1000)
            count += len(entries)
    return count
