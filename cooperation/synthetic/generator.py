"""Synthetic data at scale: briefs, excerpts, records, notes and timelines, written in bulk.

`synthetic_data_generate` is the write path of `manage.py generate_data`. It keeps
every invariant the one-at-a-time services keep, but with `bulk_create` per batch
so 100,000 records take minutes, not hours:

- each excerpt's `exact` is `source.text[start:end]`, with prefix and suffix
  built by `cooperation.text.build_selectors` (and checked by `Excerpt.clean`);
- every tracked row gets exactly `version` history rows, each holding the row's
  state at that version including its many-to-many links, written the way
  `cooperation.history.write_history` writes them (simple-history's models);
- every factual value has its preferred claim, resting on the record's evidence
  (cooperation/services/claims.py);
- a recommendation's status moves only along RECOMMENDATION_TRANSITIONS, one
  RecommendationStatusChange row and one history row per move;
- slugs carry a number past every record already stored, so a second run adds
  more without a clash.

The same seed on the same database state writes the same data.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from accounts.models import User
from accounts.roles import ANALYST
from accounts.services import user_create
from cooperation import choices, precise_dates
from cooperation.history import CHANGED, CREATED
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Claim,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    Topic,
)
from cooperation.provenance import encode, facts_of, is_empty
from cooperation.services.tracked import tracked_create
from cooperation.synthetic.vocabulary import (
    ACTORS,
    AGREEMENT_NOUNS,
    CHALLENGE_NOUNS,
    DEAL_NOUNS,
    RECOMMENDATION_OBJECTS,
    RECOMMENDATION_VERBS,
    SYSTEMS,
    TOPICS,
    Writer,
)
from cooperation.text import build_selectors

MAX_RECORDS = 1_000_000
BATCH_RECORDS = 2_000
# Shares of each kind, as in the curated demo: recommendations and challenges dominate.
KIND_SHARES = ((Agreement, 0.15), (Deal, 0.20), (Challenge, 0.25), (Recommendation, 0.40))
VISIBILITY_SHARES = (
    (choices.Visibility.PUBLISHED, 0.6),
    (choices.Visibility.INTERNAL, 0.3),
    (choices.Visibility.DRAFT, 0.1),
)
RECORDS_PER_SOURCE = 100
PUBLISHERS = ("CENJOWS", "ORF", "JIIA", "MP-IDSA", "Carnegie India")
ANNOTATED_SHARE = 0.3
REPLY_SHARE = 0.4
SYNTHETIC_ANALYSTS = 8
# Timestamps are laid out backwards from a fixed moment, so a seed fixes them too.
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_DAYS = 730
REASON = "Generated"
_S = choices.RecommendationStatus
# The move a recommendation usually makes next; the others happen less often.
_FORWARD = {
    _S.PROPOSED: _S.UNDER_REVIEW,
    _S.UNDER_REVIEW: _S.ACCEPTED,
    _S.ACCEPTED: _S.IN_PROGRESS,
    _S.IN_PROGRESS: _S.IMPLEMENTED,
    _S.REJECTED: _S.UNDER_REVIEW,
    _S.DEFERRED: _S.UNDER_REVIEW,
}
del _S


@dataclass
class GenerationReport:
    sources: int = 0
    excerpts: int = 0
    evidence: int = 0
    claims: int = 0
    annotations: int = 0
    status_changes: int = 0
    records: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        kinds = ", ".join(f"{n:,} {name}" for name, n in self.records.items())
        return (
            f"{sum(self.records.values()):,} records ({kinds}), {self.sources:,} sources, "
            f"{self.excerpts:,} excerpts, {self.evidence:,} evidence links, "
            f"{self.claims:,} claims, "
            f"{self.annotations:,} notes, {self.status_changes:,} status changes"
        )


def _apportion(total: int, shares) -> list[tuple[object, int]]:
    """Split `total` by `shares` exactly (largest remainder), so proportions hold at any N."""
    raw = [(item, total * share) for item, share in shares]
    counts = [[item, int(value)] for item, value in raw]
    left = total - sum(n for _, n in counts)
    order = sorted(range(len(raw)), key=lambda i: raw[i][1] - int(raw[i][1]), reverse=True)
    for i in order[:left]:
        counts[i][1] += 1
    return [(item, n) for item, n in counts]


def _shuffled(rng: random.Random, shares, total: int) -> list:
    items = [item for item, n in _apportion(total, shares) for _ in range(n)]
    rng.shuffle(items)
    return items


def _validate(instance: models.Model) -> None:
    # Field and model validation (Excerpt.clean checks the anchoring). Foreign keys and
    # uniqueness are left to the database: each would cost one query per row, and the
    # generator only ever points at rows it has just written.
    exclude = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


class _Batch:
    """Rows of one kind waiting to be written, with their links and history states."""

    def __init__(self, model):
        self.model = model
        self.rows: list[models.Model] = []
        self.links: list[dict[str, list[int]]] = []
        # Per row, the (kind, reason, when, overrides) of each history row after the first.
        self.later_versions: list[list[tuple[str, str, datetime, dict]]] = []

    def add(self, row, links=None, later_versions=None):
        _validate(row)
        self.rows.append(row)
        self.links.append(links or {})
        self.later_versions.append(later_versions or [])
        return row


def _write(batch: _Batch) -> list:
    """bulk_create the rows, their many-to-many links and their history (with link snapshots)."""
    model = batch.model
    for row in batch.rows:
        if hasattr(row, "refresh_search_documents"):
            row.refresh_search_documents()  # bulk_create skips save(), which folds them
    rows = model.objects.bulk_create(batch.rows)  # records get their spine rows with them
    m2m_fields = {f.name: f for f in model._meta.many_to_many}
    through_rows: dict[str, list[list]] = {}
    for name, m2m in m2m_fields.items():
        through = m2m.remote_field.through
        source_attr = f"{m2m.m2m_field_name()}_id"
        target_attr = f"{m2m.m2m_reverse_field_name()}_id"
        pending = [
            [through(**{source_attr: row.pk, target_attr: pk}) for pk in links.get(name, ())]
            for row, links in zip(rows, batch.links, strict=True)
        ]
        created = iter(through.objects.bulk_create([t for group in pending for t in group]))
        through_rows[name] = [[next(created) for _ in group] for group in pending]
    _write_history(model, rows, batch.later_versions, through_rows)
    return rows


def _write_history(model, rows, later_versions, through_rows) -> None:
    recorder = model._history_recorder
    history_model = model.history.model
    fields = recorder.fields_included(rows[0]) if rows else []
    entries, owners = [], []
    for index, (row, versions) in enumerate(zip(rows, later_versions, strict=True)):
        state = {f.attname: getattr(row, f.attname) for f in fields}
        first = {**state, "version": 1} if versions else state
        if versions:
            first.update(versions[0][3].get("initial", {}))
        entries.append(
            history_model(
                history_date=row.created_at,
                history_type=CREATED,
                history_user=None,
                history_change_reason=REASON,
                **first,
            )
        )
        owners.append(index)
        for number, (kind, reason, when, overrides) in enumerate(versions, start=2):
            values = {k: v for k, v in overrides.items() if k != "initial"}
            entries.append(
                history_model(
                    history_date=when,
                    history_type=kind,
                    history_user=None,
                    history_change_reason=reason[:100],
                    **{**state, **values, "version": number, "updated_at": when},
                )
            )
            owners.append(index)
    entries = history_model.objects.bulk_create(entries)
    for name in recorder.m2m_fields:
        field_obj = model._meta.get_field(name)
        snapshot_model = recorder.m2m_models[field_obj]
        through = field_obj.remote_field.through
        attnames = [f.attname for f in through._meta.fields]
        snapshots = [
            snapshot_model(history_id=entry.pk, **{a: getattr(t, a) for a in attnames})
            for entry, owner in zip(entries, owners, strict=True)
            for t in through_rows[name][owner]
        ]
        snapshot_model.objects.bulk_create(snapshots, batch_size=5_000)


class _Generator:
    def __init__(self, *, seed: int, total: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.writer = Writer(self.rng)
        self.total = total
        self.report = GenerationReport(
            records={m._meta.verbose_name_plural: 0 for m in RECORD_MODELS}
        )
        # Numbers past everything stored: slugs, reference codes and texts never repeat.
        self.record_number = sum(m.all_objects.count() for m in RECORD_MODELS)
        self.source_number = Source.all_objects.count()
        self.actors = self._actors()
        self.topics = self._topics()
        self.analysts = self._analysts()
        # Recent ids of each kind, which typed links in later rows point at.
        self.recent: dict[type, list[int]] = {m: [] for m in RECORD_MODELS}

    # ---- the small shared pools, through the ordinary services ----------------------------

    def _actors(self) -> dict[str, int]:
        existing = dict(Actor.all_objects.values_list("name", "pk"))
        for name, kind in ACTORS:
            if name not in existing:
                slug = slugify(name)[:110]
                if Actor.all_objects.filter(slug=slug).exists():
                    slug = f"{slug}-{Actor.all_objects.count()}"
                actor = tracked_create(
                    model=Actor, user=None, data={"name": name, "slug": slug, "kind": kind}
                )
                existing[name] = actor.pk
        return {name: existing[name] for name, _ in ACTORS}

    def _topics(self) -> dict[str, int]:
        existing = dict(Topic.all_objects.values_list("name", "pk"))
        for name in TOPICS:
            if name not in existing:
                slug = slugify(name)[:110]
                if Topic.all_objects.filter(slug=slug).exists():
                    slug = f"{slug}-{Topic.all_objects.count()}"
                topic = tracked_create(model=Topic, user=None, data={"name": name, "slug": slug})
                existing[name] = topic.pk
        return {name: existing[name] for name in TOPICS}

    def _analysts(self) -> list[User]:
        users = []
        for n in range(1, SYNTHETIC_ANALYSTS + 1):
            email = f"synthetic-analyst-{n}@contours.invalid"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(
                    email=email, password=None, roles=[ANALYST], full_name=f"Synthetic Analyst {n}"
                )
            users.append(user)
        return users

    # ---- helpers ---------------------------------------------------------------------------

    def when(self) -> datetime:
        return ANCHOR - timedelta(seconds=self.rng.randrange(SPAN_DAYS * 86_400))

    def pick(self, pool: dict[str, int], low: int, high: int) -> list[int]:
        names = self.rng.sample(list(pool), self.rng.randint(low, high))
        return sorted(pool[name] for name in names)

    def linked(self, model, low: int, high: int) -> list[int]:
        recent = self.recent[model]
        if not recent:
            return []
        k = min(len(recent), self.rng.randint(low, high))
        return sorted(set(self.rng.sample(recent, k)))

    def remember(self, model, rows) -> None:
        self.recent[model] = (self.recent[model] + [r.pk for r in rows])[-500:]

    def next_slug(self, title: str) -> str:
        self.record_number += 1
        return f"{slugify(title)[:100]}-{self.record_number}"

    # ---- one batch -------------------------------------------------------------------------

    def batch(self, kinds: list) -> None:
        sources = self.sources(max(1, round(len(kinds) / RECORDS_PER_SOURCE)))
        taken: dict[int, dict[int, Excerpt]] = {s.pk: {} for s, _ in sources}
        new_excerpts: list[Excerpt] = []

        def evidence_for() -> list[Excerpt]:
            found = []
            for _ in range(self.rng.choices((1, 2, 3), (60, 30, 10))[0]):
                source, brief = self.rng.choice(sources)
                index = self.rng.randrange(len(brief.sentences))
                excerpt = taken[source.pk].get(index)
                if excerpt is None:
                    sentence = brief.sentences[index]
                    sel = build_selectors(source.text, sentence.start, sentence.end)
                    stamp = self.when()
                    excerpt = Excerpt(
                        source=source,
                        start=sel.start,
                        end=sel.end,
                        exact=sel.exact,
                        prefix=sel.prefix,
                        suffix=sel.suffix,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                    _validate(excerpt)
                    taken[source.pk][index] = excerpt
                    new_excerpts.append(excerpt)
                if excerpt not in found:
                    found.append(excerpt)
            return found

        planned: list[tuple[models.Model, list[Excerpt]]] = []
        for model in (Agreement, Deal, Challenge, Recommendation):
            count = sum(1 for kind in kinds if kind is model)
            if not count:
                continue
            batch = _Batch(model)
            evidence = []
            for _ in range(count):
                getattr(self, f"plan_{model._meta.model_name}")(batch)
                evidence.append(evidence_for())
            rows = _write(batch)
            if model is Recommendation:
                self.write_status_changes(rows, batch)
            self.remember(model, rows)
            planned.extend(zip(rows, evidence, batch.links, strict=True))
            self.report.records[model._meta.verbose_name_plural] += len(rows)
        # Excerpts before the evidence rows that point at them.
        self.flush_excerpts(new_excerpts)
        self.write_evidence(planned)
        self.write_claims(planned)
        self.write_annotations([row for row, *_ in planned])

    def flush_excerpts(self, pending: list[Excerpt]) -> None:
        fresh = [e for e in pending if e.pk is None]
        if fresh:
            batch = _Batch(Excerpt)
            batch.rows = fresh
            batch.links = [{} for _ in fresh]
            batch.later_versions = [[] for _ in fresh]
            _write(batch)
            self.report.excerpts += len(fresh)

    def sources(self, count: int) -> list:
        batch = _Batch(Source)
        briefs = []
        for _ in range(count):
            self.source_number += 1
            number = self.source_number
            actors = self.writer.actors(2)
            topic = self.rng.choice(TOPICS)
            title = f"{actors[0]}–{actors[1]} cooperation in {topic.lower()}: brief {number}"
            reference = f"SYN/{self.seed}/{number}"
            brief = self.writer.brief(
                heading=f"{title} ({reference})", paragraphs=self.rng.randint(20, 40)
            )
            stamp = self.when()
            visibility = self.rng.choices(
                [v for v, _ in VISIBILITY_SHARES], [w for _, w in VISIBILITY_SHARES]
            )[0]
            batch.add(
                Source(
                    title=title,
                    publisher=self.rng.choice(PUBLISHERS),
                    authors=f"Synthetic Author {self.rng.randint(1, 200)}",
                    reference_code=reference,
                    published_on=stamp.date(),
                    text=brief.text,
                    sha256=hashlib.sha256(brief.text.encode()).hexdigest(),
                    format=choices.SourceFormat.TEXT,
                    visibility=visibility,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            briefs.append(brief)
        rows = _write(batch)
        self.report.sources += len(rows)
        return list(zip(rows, briefs, strict=True))

    def common(self, model, title: str) -> dict:
        stamp = self.when()
        return {
            "title": title,
            "slug": self.next_slug(title),
            "summary": self.writer.summary(),
            "visibility": self.rng.choices(
                [v for v, _ in VISIBILITY_SHARES], [w for _, w in VISIBILITY_SHARES]
            )[0],
            "created_at": stamp,
            "updated_at": stamp,
        }

    def base_links(self) -> dict:
        return {"actors": self.pick(self.actors, 1, 4), "topics": self.pick(self.topics, 1, 3)}

    def plan_agreement(self, batch: _Batch) -> None:
        kind = self.rng.choice(choices.AgreementKind.values)
        a1, a2 = self.writer.actors(2)
        topic = self.rng.choice(TOPICS)
        title = f"{a1}–{a2} {AGREEMENT_NOUNS[kind]} on {topic}"
        signed = (ANCHOR - timedelta(days=self.rng.randrange(365 * 15))).date()
        links = self.base_links()
        links["parties"] = sorted({self.actors[a1], self.actors[a2]})
        batch.add(
            Agreement(
                **self.common(Agreement, title),
                kind=kind,
                status=self.rng.choice(choices.AgreementStatus.values),
                # Drawn where it always was (the seed's data stay the same); stored as the
                # first day of what is known (cooperation/precise_dates.py).
                signed_on_precision=(precision := self.rng.choice(choices.DatePrecision.values)),
                signed_on=precise_dates.normalise(signed, precision),
                in_force_on=signed + timedelta(days=self.rng.randrange(400))
                if self.rng.random() < 0.5
                else None,
            ),
            links,
        )

    def plan_deal(self, batch: _Batch) -> None:
        kind = self.rng.choice(choices.DealKind.values)
        supplier, recipient = self.writer.actors(2)
        system = self.rng.choice(SYSTEMS)
        title = f"{system} {DEAL_NOUNS[kind]}: {supplier} to {recipient}"
        start = (ANCHOR - timedelta(days=self.rng.randrange(365 * 10))).date()
        links = self.base_links()
        links["governed_by"] = self.linked(Agreement, 0, 2)
        batch.add(
            Deal(
                **self.common(Deal, title),
                kind=kind,
                status=self.rng.choice(choices.DealStatus.values),
                supplier_id=self.actors[supplier],
                recipient_id=self.actors[recipient],
                system=system,
                period_start=start,
                period_end=start + timedelta(days=self.rng.randrange(60, 3000))
                if self.rng.random() < 0.6
                else None,
            ),
            links,
        )

    def plan_challenge(self, batch: _Batch) -> None:
        category = self.rng.choice(choices.ChallengeCategory.values)
        topic = self.rng.choice(TOPICS)
        a1 = self.writer.actors(1)[0]
        title = f"{CHALLENGE_NOUNS[category]} in {topic.lower()} cooperation with {a1}"
        links = self.base_links()
        links["affects_deals"] = self.linked(Deal, 0, 2)
        links["affects_agreements"] = self.linked(Agreement, 0, 1)
        batch.add(
            Challenge(
                **self.common(Challenge, title),
                category=category,
                severity=self.rng.choice(choices.Severity.values),
            ),
            links,
        )

    def plan_recommendation(self, batch: _Batch) -> None:
        topic = self.rng.choice(TOPICS)
        verb = self.rng.choice(RECOMMENDATION_VERBS)
        title = f"{verb} {self.rng.choice(RECOMMENDATION_OBJECTS).format(topic=topic.lower())}"
        links = self.base_links()
        links["addressed_to"] = self.pick(self.actors, 1, 2)
        links["addresses"] = self.linked(Challenge, 0, 3)
        common = self.common(Recommendation, title)
        moves = self.status_walk(common["created_at"])
        status = moves[-1][1] if moves else choices.RecommendationStatus.PROPOSED
        if moves:
            common["updated_at"] = moves[-1][2]
        owner = self.rng.choice(self.analysts) if self.rng.random() < 0.7 else None
        row = Recommendation(
            **common,
            priority=self.rng.choice(choices.Priority.values),
            owner=owner,
            target_date=(ANCHOR + timedelta(days=self.rng.randrange(-365, 730))).date()
            if self.rng.random() < 0.8
            else None,
            status=status,
            version=1 + len(moves),
        )
        later = [
            (
                CHANGED,
                f"Status {choices.RecommendationStatus(before).label} → "
                f"{choices.RecommendationStatus(after).label}",
                when,
                {"status": after},
            )
            for before, after, when in moves
        ]
        if later:
            # The first version is the recommendation as created, before any move.
            later[0][3]["initial"] = {
                "status": choices.RecommendationStatus.PROPOSED,
                "updated_at": common["created_at"],
            }
        batch.add(row, links, later)
        row._moves = moves

    def status_walk(self, start: datetime) -> list[tuple[str, str, datetime]]:
        """Moves along RECOMMENDATION_TRANSITIONS, most recommendations moving a step or few."""
        steps = self.rng.choices((0, 1, 2, 3, 4, 5), (30, 25, 20, 12, 8, 5))[0]
        status, when, moves = choices.RecommendationStatus.PROPOSED, start, []
        for _ in range(steps):
            allowed = choices.allowed_transitions(status)
            forward = _FORWARD.get(status)
            after = forward if forward in allowed and self.rng.random() < 0.6 else None
            after = after or self.rng.choice(allowed)
            when = when + timedelta(days=self.rng.randint(1, 60))
            moves.append((status, after, when))
            status = after
        return moves

    def write_status_changes(self, rows, batch: _Batch) -> None:
        changes = []
        for row in rows:
            changes.append(
                RecommendationStatusChange(
                    recommendation_id=row.pk,
                    from_status="",
                    to_status=choices.RecommendationStatus.PROPOSED,
                    changed_at=row.created_at,
                    note=REASON,
                )
            )
            for before, after, when in row._moves:
                changes.append(
                    RecommendationStatusChange(
                        recommendation_id=row.pk,
                        from_status=before,
                        to_status=after,
                        changed_by=self.rng.choice(self.analysts),
                        changed_at=when,
                        note=f"Moved to {choices.RecommendationStatus(after).label.lower()} "
                        "after review.",
                    )
                )
        for change in changes:
            _validate(change)
        RecommendationStatusChange.objects.bulk_create(changes, batch_size=5_000)
        self.report.status_changes += len(changes)

    def write_evidence(self, planned) -> None:
        batch = _Batch(RecordEvidence)
        for row, excerpts, _links in planned:
            for excerpt in excerpts:
                batch.add(
                    RecordEvidence(
                        spine_id=row.spine_id,
                        excerpt_id=excerpt.pk,
                        note="Supports the record.",
                        created_at=row.created_at,
                        updated_at=row.created_at,
                    )
                )
        _write(batch)
        self.report.evidence += len(batch.rows)

    def write_claims(self, planned) -> None:
        """Each fact's preferred claim, resting on the record's evidence (as the services
        would refuse a fact without a basis): the synthetic brief "states" it."""
        batch = _Batch(Claim)
        for row, excerpts, links in planned:
            for name in facts_of(type(row)):
                value = sorted(links.get(name, ())) if name in links else encode(row, name)
                if type(row)._meta.get_field(name).many_to_many and name not in links:
                    value = []
                if is_empty(value):
                    continue
                batch.add(
                    Claim(
                        spine_id=row.spine_id,
                        field=name,
                        value=value,
                        rank=choices.ClaimRank.PREFERRED,
                        basis=choices.BasisKind.BRIEF,
                        created_at=row.created_at,
                        updated_at=row.created_at,
                        created_by_id=row.created_by_id,
                        updated_by_id=row.created_by_id,
                    ),
                    links={"excerpts": [e.pk for e in excerpts]},
                )
        _write(batch)
        self.report.claims += len(batch.rows)

    def write_annotations(self, records) -> None:
        visibilities = choices.AnnotationVisibility
        roots = _Batch(Annotation)
        for record in records:
            if self.rng.random() >= ANNOTATED_SHARE:
                continue
            stamp = record.created_at + timedelta(hours=self.rng.randint(1, 500))
            roots.add(
                Annotation(
                    author=self.rng.choice(self.analysts),
                    spine_id=record.spine_id,
                    body=f"**Question:** {self.writer.sentence()}",
                    motivation=self.rng.choice(choices.AnnotationMotivation.values),
                    visibility=self.rng.choices(
                        [visibilities.TEAM, visibilities.PARTNERS, visibilities.PRIVATE],
                        (60, 30, 10),
                    )[0],
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        if not roots.rows:
            return
        written = _write(roots)
        replies = _Batch(Annotation)
        for root in written:
            if root.visibility == visibilities.PRIVATE or self.rng.random() >= REPLY_SHARE:
                continue
            stamp = root.created_at + timedelta(hours=self.rng.randint(1, 100))
            replies.add(
                Annotation(
                    author=self.rng.choice(self.analysts),
                    parent_id=root.pk,
                    spine_id=root.spine_id,
                    body=self.writer.sentence(),
                    visibility=root.visibility,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        if replies.rows:
            _write(replies)
        self.report.annotations += len(written) + len(replies.rows)


def _check_arguments(records, seed) -> None:
    if isinstance(records, bool) or not isinstance(records, int):
        raise ValidationError({"records": "Give a whole number of records."})
    if not 1 <= records <= MAX_RECORDS:
        raise ValidationError({"records": f"Give between 1 and {MAX_RECORDS:,} records."})
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError({"seed": "The seed must be a whole number of 0 or more."})


@transaction.atomic
def synthetic_data_generate(
    *,
    records: int,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    batch_records: int = BATCH_RECORDS,
) -> GenerationReport:
    """Add `records` synthetic records (with sources, evidence, notes and history), all or none.

    `progress(done, total)` is called after each batch.
    """
    _check_arguments(records, seed)
    generator = _Generator(seed=seed, total=records)
    kinds = _shuffled(generator.rng, KIND_SHARES, records)
    done = 0
    for offset in range(0, records, batch_records):
        chunk = kinds[offset : offset + batch_records]
        generator.batch(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, records)
    return generator.report
