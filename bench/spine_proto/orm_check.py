"""What Django 6.1 and django-simple-history 3.13 really do with the spine (prints findings).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> \
        .venv/bin/python -m bench.spine_proto.orm_check

Runs in one transaction that is rolled back: the prototype's tables are created,
exercised and gone again, so any migrated Contours database *without* them will do
(not one bench/spine_eval.py has built them in: a sequence moved here is not rolled back).
"""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.spine_proto.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.spine_proto import models as m
    from bench.spine_proto.schema import create_tables
    from cooperation.history import CREATED
    from cooperation.models import Actor, Excerpt, Source, Topic
    from cooperation.services.common import save_with_history

    def say(label, value):
        print(f"- {label}: {value}")

    class Rollback(Exception):
        pass

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('spine_proto_record') IS NOT NULL")
        if cursor.fetchone()[0]:
            raise SystemExit(
                "orm_check: this database holds the prototype's tables (spine_eval built "
                "them); run it on a freshly migrated scratch database"
            )
    try:
        with transaction.atomic():
            create_tables()
            user = User.objects.create(email="proto@contours.invalid")
            actor = Actor.objects.create(name="Proto actor", slug="proto-actor", kind="state")
            topic = Topic.objects.create(name="Proto topic", slug="proto-topic")
            text = "India and Japan signed a proto agreement on hypersonic research."
            source = Source.objects.create(title="Proto", text=text, sha256="0" * 64)
            excerpt = Excerpt.objects.create(source=source, start=0, end=5, exact=text[:5])

            say("Deal pk field", f"{m.Deal._meta.pk.name} (parent link: record_ptr)")
            # Ids apart: the kind's own sequence and the spine's.
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('spine_proto_deal', 'id'), 6)")
            deal = m.Deal(
                record_kind="deal",
                title="A deal",
                slug="a-deal",
                kind="acquisition",
                status="proposed",
            )
            with CaptureQueriesContext(connection) as q:
                # The services' own save path: full_clean, save, links, one history row.
                save_with_history(
                    deal,
                    user=user,
                    kind=CREATED,
                    reason="Created",
                    m2m={"actors": [actor], "topics": [topic]},
                )
            say("create: deal.pk / deal.record_id", f"{deal.pk} / {deal.record_id}")
            say(
                "create statements",
                [s["sql"].split(" ")[0] + " " + s["sql"].split('"')[1] for s in q.captured_queries],
            )
            say("Deal.objects.get(pk=7)", m.Deal.objects.get(pk=7).title)
            hist = m.Deal.history.get()
            say(
                "history row",
                f"id={hist.id} record_id={hist.record_id} title={hist.title!r} "
                f"actors={[a.actor_id for a in hist.actors.all()]}",
            )
            link = m.RecordEvidence.objects.create(record=deal, excerpt=excerpt)
            say("evidence.record_id (a Deal given as record)", link.record_id)
            with CaptureQueriesContext(connection) as q:
                found = list(m.Deal.objects.prefetch_related("evidence_links").filter(pk=7))
            say("prefetch evidence_links from deals", len(found[0].evidence_links.all()))
            say("prefetch SQL", [s["sql"] for s in q.captured_queries])
            note = m.Annotation.objects.create(author=user, record=deal, body="hi")
            say(
                "notes on published records (no content type)",
                str(m.Annotation.objects.filter(record__visibility="published").query),
            )
            note = m.Annotation.objects.get(pk=note.pk)
            say("a loaded note's record is the spine row", type(note.record).__name__)
            with CaptureQueriesContext(connection) as q:
                kind_pk = note.record.deal.pk
            say("note.record.deal (down to the kind)", f"{kind_pk}, {len(q)} more query")
            with CaptureQueriesContext(connection) as q:
                m.Deal.all_objects.select_for_update().get(pk=7)
            say("lock SQL", q.captured_queries[0]["sql"])
            with CaptureQueriesContext(connection) as q:
                m.Deal.objects.filter(pk=7).update(title="Renamed", status="signed")
            say("queryset update across both tables", [s["sql"][:60] for s in q.captured_queries])
            try:
                m.Deal.objects.bulk_create(
                    [m.Deal(record_kind="deal", title="b", slug="b", kind="acquisition")]
                )
                say("bulk_create of a kind", "works")
            except ValueError as exc:
                say("bulk_create of a kind", f"refused: {exc}")
            say(
                "partner list SQL",
                str(
                    m.Deal.objects.filter(visibility="published").order_by("title", "pk")[:51].query
                ),
            )
            raise Rollback
    except Rollback:
        print("(rolled back)")


if __name__ == "__main__":
    main()
