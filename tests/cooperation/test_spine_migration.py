"""Migrations 0015–0017 move every attachment from a generic relation to the record spine.

The data is built at 0014 with the historical models, the way the portal stored it then
(records of every kind, live and trashed; evidence links, live and detached; notes on
records and on excerpts, replies; notifications and watches; the history rows of links
and notes), migrated forward, and every attachment must name the same record as before.
Runs on SQLite and on PostgreSQL. docs/decisions/0002-thin-record-spine.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.cooperation.migrating import latest_of, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cooperation", "0014_saved_views")]
AFTER = [("cooperation", "0017_record_spine_links")]
KINDS = ("agreement", "deal", "challenge", "recommendation")
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def _build(apps) -> dict:
    ContentType = apps.get_model("contenttypes", "ContentType")
    User = apps.get_model("accounts", "User")
    Source = apps.get_model("cooperation", "Source")
    Excerpt = apps.get_model("cooperation", "Excerpt")
    Evidence = apps.get_model("cooperation", "RecordEvidence")
    HistoricalEvidence = apps.get_model("cooperation", "HistoricalRecordEvidence")
    Annotation = apps.get_model("cooperation", "Annotation")
    HistoricalAnnotation = apps.get_model("cooperation", "HistoricalAnnotation")
    Notification = apps.get_model("cooperation", "Notification")
    Watch = apps.get_model("cooperation", "Watch")

    user = User.objects.create(email="migrate@example.org", full_name="Migrating analyst")
    source = Source.objects.create(title="A brief", text="India and Japan agree. " * 20)
    excerpts = [
        Excerpt.objects.create(
            source=source, start=i * 23, end=i * 23 + 21, exact="India and Japan agree"
        )
        for i in range(6)
    ]
    extra = {
        "agreement": {"kind": "declaration"},
        "deal": {"kind": "acquisition"},
        "challenge": {"category": "policy"},
        "recommendation": {},
    }
    expected: dict = {
        "evidence": {},
        "notes": {},
        "notifications": {},
        "watches": {},
        "history": {},
        "records": {},
    }
    for n, kind in enumerate(KINDS):
        model = apps.get_model("cooperation", kind)
        content_type = ContentType.objects.get_for_model(model)
        # Ids that collide across kinds (each kind starts again), as partners hold them.
        for i in range(3):
            record = model.objects.create(
                title=f"{kind} {i}",
                slug=f"{kind}-{i}",
                visibility=["draft", "internal", "published"][i],
                deleted_at=NOW if i == 2 and kind == "deal" else None,
                **extra[kind],
            )
            expected["records"][(kind, record.pk)] = record
            link = Evidence.objects.create(
                content_type=content_type,
                object_id=record.pk,
                excerpt=excerpts[(n + i) % 6],
                deleted_at=NOW if i == 1 else None,
            )
            expected["evidence"][link.pk] = (kind, record.pk)
            HistoricalEvidence.objects.create(
                id=link.pk,
                content_type=content_type,
                object_id=record.pk,
                excerpt=link.excerpt,
                history_date=NOW,
                history_type="+",
                version=1,
                created_at=NOW,
                updated_at=NOW,
                note="",
            )
            note = Annotation.objects.create(
                author=user, content_type=content_type, object_id=record.pk, body=f"On {kind} {i}"
            )
            reply = Annotation.objects.create(
                author=user,
                content_type=content_type,
                object_id=record.pk,
                parent=note,
                body="A reply",
            )
            for one in (note, reply):
                expected["notes"][one.pk] = (kind, record.pk)
                HistoricalAnnotation.objects.create(
                    id=one.pk,
                    author=user,
                    content_type=content_type,
                    object_id=record.pk,
                    body=one.body,
                    history_date=NOW,
                    history_type="+",
                    version=1,
                    created_at=NOW,
                    updated_at=NOW,
                    motivation="comment",
                    visibility="team",
                    resolved=False,
                )
                expected["history"][one.pk] = (kind, record.pk)
            told = Notification.objects.create(
                recipient=user,
                kind="change",
                content_type=content_type,
                object_id=record.pk,
                created_at=NOW,
            )
            expected["notifications"][told.pk] = (kind, record.pk)
            watch = Watch.objects.create(user=user, content_type=content_type, object_id=record.pk)
            expected["watches"][watch.pk] = (kind, record.pk)
    on_excerpt = Annotation.objects.create(author=user, excerpt=excerpts[0], body="On a passage")
    expected["excerpt_note"] = on_excerpt.pk
    # A notification about a record that no longer exists (a generic key could hold one).
    Notification.objects.create(
        recipient=user,
        kind="change",
        content_type=ContentType.objects.get_for_model(apps.get_model("cooperation", "deal")),
        object_id=999_999,
        created_at=NOW,
    )
    return expected


def test_forward_migration_moves_every_attachment_to_the_same_record():
    """…and stops, naming them, at evidence links that name no record."""
    latest = latest_of()
    try:
        old = migrate_to(BEFORE)
        expected = _build(old)
        # An evidence link naming no record stops the migration, naming it, changing nothing.
        Evidence = old.get_model("cooperation", "RecordEvidence")
        dangling = Evidence.objects.create(
            content_type=old.get_model("contenttypes", "ContentType").objects.get_for_model(
                old.get_model("cooperation", "deal")
            ),
            object_id=424242,
            excerpt=Evidence.objects.first().excerpt,
        )
        with pytest.raises(
            RuntimeError,
            match=rf"1 recordevidence row\(s\) point at no record \(ids \[{dangling.pk}\]\)",
        ):
            migrate_to([("cooperation", "0016_record_spine_fill")])
        dangling.delete()
        with connection.cursor() as cursor:  # 0016 was rolled back whole: no spine row
            cursor.execute("SELECT COUNT(*) FROM cooperation_recordspine")
            assert cursor.fetchone() == (0,)
        new = migrate_to(AFTER)

        Spine = new.get_model("cooperation", "RecordSpine")
        spine_of = {(s.record_kind, s.kind_id): s for s in Spine.objects.all()}
        assert set(spine_of) == set(expected["records"])
        for (kind, pk), before in expected["records"].items():
            spine = spine_of[(kind, pk)]
            record = new.get_model("cooperation", kind).objects.get(pk=pk)
            assert record.spine_id == spine.pk
            assert (spine.title, spine.slug, spine.visibility, spine.deleted_at) == (
                before.title,
                before.slug,
                before.visibility,
                before.deleted_at,
            )

        def named(model_name, pk):
            row = (
                new.get_model("cooperation", model_name).objects.select_related("spine").get(pk=pk)
            )
            return (row.spine.record_kind, row.spine.kind_id)

        for pk, target in expected["evidence"].items():
            assert named("RecordEvidence", pk) == target
        for pk, target in expected["notes"].items():
            assert named("Annotation", pk) == target
        for pk, target in expected["notifications"].items():
            assert named("Notification", pk) == target
        for pk, target in expected["watches"].items():
            assert named("Watch", pk) == target
        History = new.get_model("cooperation", "HistoricalAnnotation")
        for pk, target in expected["history"].items():
            row = History.objects.get(id=pk)
            spine = Spine.objects.get(pk=row.spine_id)
            assert (spine.record_kind, spine.kind_id) == target
        excerpt_note = new.get_model("cooperation", "Annotation").objects.get(
            pk=expected["excerpt_note"]
        )
        assert excerpt_note.spine_id is None and excerpt_note.excerpt_id is not None
        # The notification about no record went, as its record's deletion would have taken it.
        assert new.get_model("cooperation", "Notification").objects.count() == len(
            expected["notifications"]
        )
    finally:
        migrate_to(latest)
