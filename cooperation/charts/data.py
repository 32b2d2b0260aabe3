"""What each chart shows, counted over what `user` may read (cooperation.selectors).

Every function takes the reader and returns plain values: labels, counts and the address
of the list whose filters return exactly the counted rows (None where no list filter
can say it). Each costs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from django.db.models import CharField, Count, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat, ExtractYear
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import DealStatus, RecommendationStatus, Severity
from cooperation.models import (
    Agreement,
    Challenge,
    Deal,
    Recommendation,
    RecommendationStatusChange,
)
from cooperation.models.ranks import choice_rank
from cooperation.permissions import sees_internal
from cooperation.selectors import records_visible_to
from cooperation.staff_statements import kept_for_staff
from portal import statements

# The status-over-time chart shows this many years, the current one last.
TIMELINE_YEARS = 10
# The coverage matrix shows at most this many challenges (most severe first) and
# recommendations; the table below it says how many there are in all.
MATRIX_LIMIT = 20
# A neighbourhood graph shows at most this many records in a column.
NEIGHBOURS_LIMIT = 12


def list_url(model, **params) -> str:
    """The web list of `model` filtered by `params` (the FilterSet's own parameter names)."""
    url = reverse(f"cooperation:{model._meta.model_name}_list")
    query = urlencode([(key, value) for key, value in params.items() if value is not None])
    return f"{url}?{query}" if query else url


@dataclass(frozen=True)
class Bar:
    """One mark: what it stands for, how many, and the list of exactly those rows."""

    label: str
    count: int
    url: str | None
    value: str = ""


# -- deals by status ---------------------------------------------------------------------------


def deals_by_status(user) -> list[Bar]:
    """Deals `user` may read, per status, in the order of the choices (one query)."""
    counts = dict(
        records_visible_to(user, Deal).values_list("status").annotate(n=Count("pk")).order_by()
    )
    return [
        Bar(
            label=str(label),
            count=counts.get(value, 0),
            url=list_url(Deal, status=value),
            value=value,
        )
        for value, label in DealStatus.choices
    ]


# -- agreements by year signed -----------------------------------------------------------------


@dataclass(frozen=True)
class YearCounts:
    bars: list[Bar]
    undated: int  # agreements with no signing date: counted apart, not drawn


def agreements_by_year(user) -> YearCounts:
    """Agreements `user` may read, per year signed, every year between the first and last
    (one query). A date known only to the year or month still has its year, so each bar
    links to the list's `signed` range over that year, which returns exactly its rows."""
    rows = (
        records_visible_to(user, Agreement)
        .annotate(year=ExtractYear("signed_on"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict(rows)
    undated = counts.pop(None, 0)
    bars = []
    if counts:
        for year in range(min(counts), max(counts) + 1):
            url = list_url(
                Agreement, signed_after=f"{year:04d}-01-01", signed_before=f"{year:04d}-12-31"
            )
            bars.append(Bar(label=str(year), count=counts.get(year, 0), url=url, value=str(year)))
    return YearCounts(bars=bars, undated=undated)


# -- recommendations by status over time -------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    value: str
    label: str
    cells: list[Bar]  # one a year, oldest first


@dataclass(frozen=True)
class StatusTimeline:
    years: list[int]
    rows: list[StatusRow]
    totals: list[int] = field(default_factory=list)  # recommendations known by each year's end


def _effective_dates(changes: list[tuple], today: date) -> list[date]:
    """When each move of one recommendation happened, in the order they were recorded.

    A move happened on its `happened_on` (the first day of the year or month when known
    only to that precision, which keeps its year) or else on the day it was recorded. A move
    recorded before another is taken to have happened no later than it: the creation row of
    a recommendation entered today, whose next move happened in 2015, counts from 2015.
    """
    days = [min(happened or timezone.localdate(recorded), today) for happened, recorded in changes]
    for index in range(len(days) - 2, -1, -1):
        days[index] = min(days[index], days[index + 1])
    return days


def status_over_time(user, *, years: int = TIMELINE_YEARS) -> StatusTimeline:
    """How many recommendations `user` may read stood in each status at the end of each of
    the last `years` years, read from their status timelines (one query).

    The current year's column is the status now and links to the list by `?status=`; every
    earlier year's cell links to `?status_on=<status>&on=<year>-12-31`, the list filter that
    reads the timeline by the same rule (RecommendationFilterSet.filter_status_on), so each
    cell's list holds exactly the recommendations it counts.
    """
    today = timezone.localdate()
    first_year = today.year - years + 1
    visible = records_visible_to(user, Recommendation).values("pk")
    changes = (
        RecommendationStatusChange.objects.filter(recommendation__in=visible)
        .order_by("recommendation_id", "changed_at", "id")
        .values_list("recommendation_id", "to_status", "happened_on", "changed_at")
    )
    counts: dict[tuple[int, str], int] = {}
    per_recommendation: list[tuple] = []

    def tally(moves):
        if not moves:
            return
        days = _effective_dates([(happened, recorded) for _, happened, recorded in moves], today)
        status_by_year: dict[int, str] = {}
        for (to_status, _, _), day in zip(moves, days, strict=True):
            status_by_year[max(day.year, first_year)] = to_status
        current = None
        for year in range(first_year, today.year + 1):
            current = status_by_year.get(year, current)
            if current is not None:
                counts[(year, current)] = counts.get((year, current), 0) + 1

    last_id = None
    for recommendation_id, to_status, happened, recorded in changes.iterator(chunk_size=2000):
        if recommendation_id != last_id:
            tally(per_recommendation)
            per_recommendation, last_id = [], recommendation_id
        per_recommendation.append((to_status, happened, recorded))
    tally(per_recommendation)

    year_list = list(range(first_year, today.year + 1))
    rows = []
    for value, label in RecommendationStatus.choices:
        cells = []
        for year in year_list:
            if year == today.year:
                url = list_url(Recommendation, status=value)
            else:
                url = list_url(Recommendation, status_on=value, on=f"{year:04d}-12-31")
            cells.append(Bar(label=str(year), count=counts.get((year, value), 0), url=url))
        rows.append(StatusRow(value=value, label=str(label), cells=cells))
    totals = [
        sum(counts.get((year, v), 0) for v in RecommendationStatus.values) for year in year_list
    ]
    return StatusTimeline(years=year_list, rows=rows, totals=totals)


# -- challenges × recommendations --------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    # Challenge rows, most severe first, each with `answers` (how many readable recommendations
    # answer it), `answered_by` (those of them drawn) and `list_url` (the list of all of them).
    challenges: list
    recommendations: list  # Recommendation rows, by title
    pairs: frozenset[tuple[int, int]]  # (challenge id, recommendation id) that answer
    challenge_total: int
    recommendation_total: int

    def answered(self, challenge, recommendation) -> bool:
        return (challenge.pk, recommendation.pk) in self.pairs

    def url_for(self, challenge) -> str:
        """The recommendations answering `challenge`: exactly those its row counts."""
        return challenge.list_url


def coverage(user, *, limit: int = MATRIX_LIMIT) -> Coverage:
    """Which recommendations answer which challenges, among those `user` may read (four
    queries). Rows: the `limit` most severe challenges; columns: the recommendations that
    answer any of them, by title (at most `limit`). Each row counts every readable
    recommendation answering its challenge, drawn or not."""
    challenges_qs = records_visible_to(user, Challenge)
    recommendations_qs = records_visible_to(user, Recommendation)
    links = Recommendation.addresses.through.objects.filter(
        recommendation__in=recommendations_qs.values("pk"),
        challenge__in=challenges_qs.values("pk"),
    )
    challenges = list(
        challenges_qs.annotate(rank=choice_rank("severity", Severity))
        .only("pk", "title", "slug", "severity")
        .order_by("-rank", "title", "pk")[:limit]
    )
    shown = [challenge.pk for challenge in challenges]
    pairs = set(
        links.filter(challenge_id__in=shown).values_list("challenge_id", "recommendation_id")
    )
    answering = {rec_id for _, rec_id in pairs}
    recommendations = list(
        recommendations_qs.filter(pk__in=answering)
        .only("pk", "title", "slug", "status")
        .order_by("title", "pk")[:limit]
    )
    per_challenge: dict[int, int] = {}
    for challenge_id, _ in pairs:
        per_challenge[challenge_id] = per_challenge.get(challenge_id, 0) + 1
    for challenge in challenges:
        challenge.answers = per_challenge.get(challenge.pk, 0)
        challenge.answered_by = [r for r in recommendations if (challenge.pk, r.pk) in pairs]
        challenge.list_url = list_url(Recommendation, addresses=challenge.slug)
    totals = (challenges_qs.count(), recommendations_qs.count())
    return Coverage(
        challenges=challenges,
        recommendations=recommendations,
        pairs=frozenset(pairs),
        challenge_total=totals[0],
        recommendation_total=totals[1],
    )


# -- a record's neighbourhood ------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    key: str  # "challenge-12": unique in one graph
    kind: str  # the model's verbose name: "challenge"
    title: str
    url: str
    status: str = ""  # the status's or severity's label, when the kind has one
    via: tuple[str, ...] = ()  # titles of the drawn records in the column before it linked to it


@dataclass(frozen=True)
class Neighbourhood:
    """Three columns (left, centre, right) of records and the links between them."""

    columns: list[tuple[str, list[Node]]]  # (heading, nodes)
    edges: list[tuple[str, str]]  # (from key, to key)
    more: dict[str, int]  # heading → how many more than are drawn
    centre: str = ""  # the key of the record whose page this is


def _node(record) -> Node:
    meta = record._meta
    display = getattr(record, "get_status_display", None) or getattr(
        record, "get_severity_display", None
    )
    return Node(
        key=f"{meta.model_name}-{record.pk}",
        kind=str(meta.verbose_name),
        title=record.title,
        url=record.get_absolute_url(),
        status=str(display()) if display else "",
    )


def _affected(user, record, challenge_ids) -> tuple[list, list[tuple[str, str]]]:
    """The deals and agreements `user` may read that these challenges (`record`'s, or
    `record` itself) affect, with edges (one query a kind: each record carries the ids of
    the challenges linking to it)."""
    nodes, edges = [], []
    if not challenge_ids:
        return nodes, edges
    for model, field_name in ((Deal, "affects_deals"), (Agreement, "affects_agreements")):
        found = _affected_of_kind(user, record, model, field_name, challenge_ids)
        nodes += found
        name = model._meta.model_name
        # "link id:challenge id" pairs; edges in the order the links were made.
        pairs = sorted(
            (int(link), int(source), target.pk)
            for target in found
            for link, _, source in (
                pair.partition(":") for pair in (target.linking_challenges or "").split(",") if pair
            )
        )
        edges += [(f"challenge-{source}", f"{name}-{target}") for _, source, target in pairs]
    return nodes, edges


def _affected_of_kind(user, record, model, field_name, challenge_ids) -> list:
    """The records of `model` the challenges affect, each annotated `linking_challenges`.
    `challenge_ids` must be every challenge of `record`'s neighbourhood that `user` may
    read (what `_challenges_of` selects), not a part of them: the kept statement reads
    them again by the record's id.

    Building and compiling that statement took about a tenth of a record page (a grouped
    subquery per kind), running it well under a millisecond. For staff it is compiled
    once per kind of page and database (portal/statements.py), with the record's id as
    its value: the challenges are then named by a subquery (a recommendation's, which
    staff read in full, as the page lists them) rather than by a list of ids whose
    length would change the SQL. Staff read every live record (selectors._record_read),
    so nothing in it depends on who they are. Anyone else takes the ordinary path."""
    statement = kept_for_staff(
        user,
        ("neighbourhood", type(record)),
        model,
        lambda: _affected_queryset(
            user, model, field_name, _challenges_of(user, type(record), statements.PK)
        ),
        {"record": statements.PK},
    )
    if statement is not None:
        return statement.rows(record=record.pk)
    return list(_affected_queryset(user, model, field_name, challenge_ids))


def _challenges_of(user, record_model, pk):
    """The ids of the challenges the neighbourhood of record `pk` starts from, as SQL: a
    challenge itself, or the challenges `user` may read that a recommendation answers."""
    if record_model is Challenge:
        return [pk]
    if record_model is Recommendation:
        return _answered(user, pk).values("pk")
    raise TypeError(f"no neighbourhood for a {record_model.__name__}")


def _answered(user, recommendation_pk):
    """The challenges `user` may read that recommendation `recommendation_pk` answers."""
    return records_visible_to(user, Challenge).filter(recommendations=recommendation_pk)


def _affected_queryset(user, model, field_name, challenges):
    through = getattr(Challenge, field_name).through
    column = f"{model._meta.model_name}_id"
    links = through.objects.filter(challenge_id__in=challenges)
    sources = (
        links.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(
            ids=StringAgg(
                Concat(Cast("pk", CharField()), Value(":"), Cast("challenge_id", CharField())),
                delimiter=Value(","),
            )
        )
        .values("ids")
    )
    return (
        records_visible_to(user, model)
        .filter(pk__in=links.values(column))
        .annotate(linking_challenges=Subquery(sources, output_field=CharField()))
        .order_by("title", "pk")
    )


def _capped(heading: str, records: list, more: dict) -> tuple[str, list[Node]]:
    if len(records) > NEIGHBOURS_LIMIT:
        more[heading] = len(records) - NEIGHBOURS_LIMIT
    return heading, [_node(record) for record in records[:NEIGHBOURS_LIMIT]]


def _drawn_edges(columns, edges) -> list[tuple[str, str]]:
    keys = {node.key for _, nodes in columns for node in nodes}
    return [(a, b) for a, b in dict.fromkeys(edges) if a in keys and b in keys]


def _with_via(columns, edges) -> list[tuple[str, list[Node]]]:
    """Each record of the right-hand column names the records it is linked to on its left,
    so the list read aloud says which challenge affects which deal."""
    titles = {node.key: node.title for _, nodes in columns for node in nodes}
    via: dict[str, list[str]] = {}
    for start, end in edges:
        via.setdefault(end, []).append(titles[start])
    *rest, (heading, nodes) = columns
    last = [replace(node, via=tuple(via.get(node.key, ()))) for node in nodes]
    return [*rest, (heading, last)]


def _linked(user, record, name: str) -> list | None:
    """The records of `record`'s relation `name`, when the page loaded them already (in
    title order) and `user` may read every live one; None to query them."""
    cache = getattr(record, "_prefetched_objects_cache", {})
    if name not in cache or not sees_internal(user):
        return None
    # An internal reader may read every live record (records_visible_to), which is what
    # the relation's default manager loaded, in the same (title, pk) order.
    return list(cache[name])


def neighbourhood(user, record) -> Neighbourhood:
    """A recommendation with the challenges it answers and the deals and agreements those
    affect; or a challenge with the recommendations that answer it and the deals and
    agreements it affects. Only records `user` may read, each a link to its page."""
    more: dict[str, int] = {}
    centre = _node(record)
    if isinstance(record, Recommendation):
        challenges = _linked(user, record, "addresses")
        if challenges is None:
            challenges = list(_answered(user, record.pk).order_by("title", "pk"))
        affected, edges = _affected(user, record, [c.pk for c in challenges])
        edges = [(centre.key, f"challenge-{c.pk}") for c in challenges] + edges
        columns = [
            ("Recommendation", [centre]),
            _capped("Challenges it answers", challenges, more),
            _capped("Deals and agreements they affect", affected, more),
        ]
    elif isinstance(record, Challenge):
        recommendations = _linked(user, record, "recommendations")
        if recommendations is None:
            recommendations = list(
                records_visible_to(user, Recommendation)
                .filter(addresses=record)
                .order_by("title", "pk")
            )
        affected, edges = _affected(user, record, [record.pk])
        edges = [(f"recommendation-{r.pk}", centre.key) for r in recommendations] + edges
        columns = [
            _capped("Recommendations that answer it", recommendations, more),
            ("Challenge", [centre]),
            _capped("Deals and agreements it affects", affected, more),
        ]
    else:
        raise TypeError(f"no neighbourhood for a {type(record).__name__}")
    edges = _drawn_edges(columns, edges)
    return Neighbourhood(
        columns=_with_via(columns, edges), edges=edges, more=more, centre=centre.key
    )
