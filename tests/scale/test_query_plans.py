"""On PostgreSQL at a realistic volume, every list query is answered from an index.

The lists (web and API) run a selector's queryset through the model's FilterSet and
take one page. Here each is EXPLAINed with a page LIMIT for every filter of every
FilterSet (found generically in `base_filters`, with a sample value per filter type),
for `q`, for every ordering in both directions, and as an internal user and as a
partner (the visibility restriction); no plan may scan a big table sequentially.

Not covered: the API's keyset pagination (cooperation/api/pagination.py) re-orders
the list with NULLS FIRST on ascending keys (NULLS LAST on descending), the opposite
of a b-tree's default, so PostgreSQL can use none of these indexes for it and sorts
the whole filtered set; that file belongs to another part of the work (reported).

The volume is inserted with bulk_create (no services: 20,000 rows a table through the
services would take minutes), then ANALYZEd so the planner sees it.
"""

from __future__ import annotations

import datetime
import itertools
import re

import django_filters
import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from simple_history.utils import bulk_create_with_history

from accounts.roles import is_internal
from cooperation import choices, selectors
from cooperation.filtersets import FILTERSETS
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    Topic,
)
from cooperation.views.lists import SPECS
from tests.factories import SourceFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
    pytest.mark.django_db,
    # The volume is written straight into the tables (bulk_create), facts without claims.
    pytest.mark.unbacked_facts,
]

ROWS = 20_000
PAGE = 25
ACTORS = 200
EXCERPTS_PER_SOURCE = 200
BIG_MODELS = (*RECORD_MODELS, Excerpt, Annotation, RecommendationStatusChange)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def _big_tables() -> set[str]:
    tables = set()
    for model in BIG_MODELS:
        tables.add(model._meta.db_table)
        history = getattr(model, "history", None)
        if history is not None:
            tables.add(history.model._meta.db_table)
    return tables


def _cycle(values, i):
    return values[i % len(values)]


def _dates(i: int) -> datetime.date:
    return datetime.date(2000, 1, 1) + datetime.timedelta(days=i % 9000)


def _record_fields(model, i: int) -> dict:
    fields = {
        "title": f"{model.__name__} {i:05d} on semiconductors and maritime security",
        "slug": f"{model._meta.model_name}-{i}",
        "summary": "Cooperation the brief describes.",
        "visibility": _cycle(choices.Visibility.values, i),
    }
    for field in model._meta.concrete_fields:
        if field.choices and field.name not in fields:
            fields[field.name] = _cycle([value for value, _ in field.choices], i)
    for name in ("signed_on", "in_force_on", "period_start", "target_date"):
        if any(f.name == name for f in model._meta.concrete_fields):
            fields[name] = _dates(i)
    return fields


@pytest.fixture
def volume(db, curator, analyst):
    return build_volume(curator, analyst)


def build_volume(curator, analyst) -> dict:
    """ROWS of every big table, linked the way real data is, then ANALYZEd."""
    actors = Actor.objects.bulk_create(
        Actor(name=f"Actor {i}", slug=f"actor-{i}", kind=choices.ActorKind.STATE)
        for i in range(ACTORS)
    )
    topics = Topic.objects.bulk_create(
        Topic(name=f"Topic {i}", slug=f"topic-{i}") for i in range(ACTORS)
    )
    records = {}
    for model in RECORD_MODELS:
        objs = []
        for i in range(ROWS):
            obj = model(**_record_fields(model, i))
            if model is Deal:
                obj.supplier, obj.recipient = _cycle(actors, i), _cycle(actors, i + 1)
            if model is Recommendation:
                obj.owner = analyst if i % 2 else curator
            objs.append(obj)
        bulk_create_with_history(objs, model, batch_size=5000)
        records[model] = list(model.objects.order_by("pk"))
        for name in ("actors", "topics"):
            through = getattr(model, name).through
            targets = actors if name == "actors" else topics
            column = f"{name[:-1]}_id"
            through.objects.bulk_create(
                (
                    through(**{f"{model._meta.model_name}_id": r.pk, column: _cycle(targets, i).pk})
                    for i, r in enumerate(records[model])
                ),
                batch_size=5000,
            )
    _link(Agreement.parties, records[Agreement], actors)
    _link(Deal.governed_by, records[Deal], records[Agreement])
    _link(Challenge.affects_deals, records[Challenge], records[Deal])
    _link(Challenge.affects_agreements, records[Challenge], records[Agreement])
    _link(Recommendation.addressed_to, records[Recommendation], actors)
    # Every other challenge is addressed (twice); the rest are not.
    _link(Recommendation.addresses, records[Recommendation], records[Challenge][::2] * 2)

    # Briefs of EXCERPTS_PER_SOURCE excerpts each; half of them published.
    word = "India and Japan agree. "
    sources = [
        SourceFactory(
            text=f"Brief {n}. " + word * EXCERPTS_PER_SOURCE,
            visibility=_cycle([choices.Visibility.PUBLISHED, choices.Visibility.INTERNAL], n),
        )
        for n in range(ROWS // EXCERPTS_PER_SOURCE)
    ]
    excerpts = Excerpt.objects.bulk_create(
        (
            Excerpt(
                source=source,
                start=len(f"Brief {n}. ") + i * len(word),
                end=len(f"Brief {n}. ") + (i + 1) * len(word) - 2,
                exact=word[:-2],
            )
            for n, source in enumerate(sources)
            for i in range(EXCERPTS_PER_SOURCE)
        ),
        batch_size=5000,
    )
    # One evidence link per record: without them the evidence table's estimate comes from
    # whatever earlier tests left in its pages, and the plans of the source filters with it.
    RecordEvidence.objects.bulk_create(
        (
            RecordEvidence(
                excerpt=_cycle(excerpts, i),
                spine_id=record.spine_id,
            )
            for model in RECORD_MODELS
            for i, record in enumerate(records[model])
        ),
        batch_size=5000,
    )
    Annotation.objects.bulk_create(
        (
            Annotation(
                author=analyst if i % 2 else curator,
                body=f"Note {i} on maritime security",
                visibility=_cycle(choices.AnnotationVisibility.values, i),
                motivation=_cycle(choices.AnnotationMotivation.values, i),
                resolved=bool(i % 3 == 0),
                **(
                    {"excerpt": excerpts[i]}
                    if i % 2
                    else {"spine_id": records[Agreement][i].spine_id}
                ),
            )
            for i in range(ROWS)
        ),
        batch_size=5000,
    )
    RecommendationStatusChange.objects.bulk_create(
        (
            RecommendationStatusChange(
                recommendation=r, from_status="", to_status="proposed", note="Created"
            )
            for r in records[Recommendation]
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "analyst": analyst,
        "sources": sources,
        "excerpts": excerpts,
        "actors": actors,
        "records": records,
    }


def _link(manager, rows, targets) -> None:
    through = manager.through
    fields = [f for f in through._meta.concrete_fields if f.is_relation]
    own, other = fields[0].attname, fields[1].attname
    through.objects.bulk_create(
        (through(**{own: r.pk, other: _cycle(targets, i + 1).pk}) for i, r in enumerate(rows)),
        batch_size=5000,
    )


# -- what is explained -----------------------------------------------------------------------


def _sample_values(name: str, flt, request) -> list[dict]:
    """Query-string data that makes `flt` filter, one dict per case."""
    if isinstance(flt, django_filters.OrderingFilter):
        return [{name: f"{sign}{param}"} for param in flt.param_map for sign in ("", "-")]
    if isinstance(flt, django_filters.DateFromToRangeFilter):
        return [{f"{name}_after": "2010-01-01", f"{name}_before": "2010-03-31"}]
    if isinstance(flt, django_filters.DateFilter):
        return [{name: "2010-06-30"}]
    if isinstance(flt, django_filters.BooleanFilter):
        return [{name: "true"}, {name: "false"}]
    if isinstance(flt, django_filters.ModelMultipleChoiceFilter):
        obj = flt.get_queryset(request).order_by("pk").first()
        if obj is None:
            return []  # nothing this caller may name (a partner's owner/author filters)
        return [{name: str(getattr(obj, flt.field.to_field_name or "pk"))}]
    if isinstance(flt, django_filters.MultipleChoiceFilter):
        return [{name: flt.extra["choices"][0][0]}]
    if name == "q":
        return [{name: "maritime security"}]
    if name == "identifier":  # cooperation.filtersets.IdentifierFilter: <scheme>:<value>
        return [{name: "wikidata:Q42"}]
    if isinstance(flt, django_filters.CharFilter):
        return [{name: "Centre"}]
    raise AssertionError(f"no sample value for {type(flt).__name__} {name}: teach _sample_values")


def _bases(model, user, request):
    """The queryset each list starts from: the web list's spec and the API's selector."""
    bases = []
    for spec in SPECS.values():
        if spec.filterset_class is FILTERSETS[model] and is_internal(user):
            bases.append(("web", spec.queryset(request)))
    if model in RECORD_MODELS:
        bases.append(("api", selectors.records_visible_to(user, model)))
    elif model is Source:
        bases.append(("api", selectors.sources_visible_to(user)))
    elif model is Excerpt:
        bases.append(("api", selectors.excerpts_visible_to(user)))
    elif model is Annotation:
        bases.append(("api", selectors.api_annotations_visible_to(user)))
    else:
        bases.append(("api", model.objects.all()))
    return bases


def _plans(user):
    request = RequestFactory().get("/")
    request.user = user
    for model, filterset_class in FILTERSETS.items():
        cases = [{}]
        for name, flt in filterset_class.base_filters.items():
            cases += _sample_values(name, flt, request)
        for (where, base), data in itertools.product(_bases(model, user, request), cases):
            query = QueryDict(mutable=True)
            for key, value in data.items():
                query.appendlist(key, value)
            filterset = filterset_class(query, queryset=base, request=request)
            assert filterset.is_valid(), (model.__name__, data, filterset.errors)
            plan = filterset.qs[:PAGE].explain()
            yield f"{where} {model.__name__} {data}", plan


def _page_reads(volume):
    """The big-table reads of record pages: versions (history) and a status timeline."""
    for model in RECORD_MODELS:
        record = volume["records"][model][ROWS // 2]
        rows = model.history.filter(id=record.pk).select_related("history_user")
        yield f"{model.__name__} history", rows.order_by("history_id").explain()
    recommendation = volume["records"][Recommendation][ROWS // 2]
    timeline = recommendation.status_changes.select_related("changed_by")
    yield "status timeline", timeline.order_by("changed_at", "id").explain()
    notes = selectors.annotations_on(volume["records"][Agreement][ROWS // 2], volume["analyst"])
    yield "notes on a record", notes.explain()


# One test: building the volume takes most of its time, so it is built once.
def test_every_list_filter_search_order_and_page_read_uses_an_index(volume, curator, partner):
    big = _big_tables()
    # The check is not vacuous: an unindexed filter over a big table is caught.
    unindexed = Agreement.objects.filter(summary__contains="brief").order_by("summary")
    unindexed = unindexed[:PAGE].explain()
    assert Agreement._meta.db_table in SEQ_SCAN.findall(unindexed), unindexed
    scans = []
    for user in (curator, partner):
        for label, plan in _plans(user):
            tables = set(SEQ_SCAN.findall(plan)) & big
            if tables:
                scans.append(f"{user.email} {label}: {sorted(tables)}\n{plan}")
    for label, plan in _page_reads(volume):
        if tables := set(SEQ_SCAN.findall(plan)) & big:
            scans.append(f"{label}: {sorted(tables)}\n{plan}")
    assert not scans, f"{len(scans)} plans scan a big table:\n\n" + "\n\n".join(scans)
