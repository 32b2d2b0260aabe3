"""Loads the demo brief and its curated records (cooperation/demo/) through the services.

Idempotent by design: the source is found by its SHA-256, everything else by
slug, excerpts by span and evidence links by (record, excerpt). What already
exists is left exactly as it is, so analysts' edits to demo records survive a
second run, and a second run writes nothing at all.

Every factual value a record is created with gets the basis its item names, field by field
(`basis` in cooperation/demo/cenjows_2024.py): excerpts of the brief, a public record from
`CITATIONS`, or a judgement with its reason. `check_bases` refuses, before anything is
written, a value without an entry and an entry without a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.demo import cenjows_2024 as demo
from cooperation.models import (
    Actor,
    Agreement,
    Challenge,
    Deal,
    Recommendation,
    RecordEvidence,
    Source,
    Topic,
)
from cooperation.provenance import FACTS, REASON_MAX, Basis, is_empty
from cooperation.services import (
    evidence_attach,
    excerpt_create,
    recommendation_create,
    source_import,
    tracked_create,
)
from cooperation.services.common import describe_validation_error
from cooperation.text_extraction import extract_text, text_sha256

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
STAGES = ("Source", "Actors", "Topics", "Agreements", "Deals", "Challenges", "Recommendations")
BASIS_FORMS = ("brief", "public_record", "judgement")


class DemoDataError(Exception):
    """The curated data does not fit the brief (a quote not found, a slug unknown)."""


def resolve_evidence(text: str, spec: dict) -> tuple[int, int]:
    """Where an evidence spec ({quote[, occurrence]} or {from, to}) lies in `text`."""
    if "quote" in spec:
        quote, occurrence = spec["quote"], spec.get("occurrence")
        positions = []
        pos = text.find(quote)
        while pos != -1:
            positions.append(pos)
            pos = text.find(quote, pos + 1)
        if not positions:
            raise DemoDataError(f"quote not found in the brief: {quote[:60]!r}")
        if occurrence is None:
            if len(positions) > 1:
                raise DemoDataError(
                    f"quote occurs {len(positions)} times; say which occurrence: {quote[:60]!r}"
                )
            occurrence = 1
        if not 1 <= occurrence <= len(positions):
            raise DemoDataError(f"quote has no occurrence {occurrence}: {quote[:60]!r}")
        start = positions[occurrence - 1]
        return start, start + len(quote)
    start_text, end_text = spec["from"], spec["to"]
    if text.count(start_text) != 1:
        raise DemoDataError(f"'from' text must occur exactly once: {start_text[:60]!r}")
    start = text.index(start_text)
    end_at = text.find(end_text, start + len(start_text))
    if end_at == -1:
        raise DemoDataError(f"'to' text not found after 'from': {end_text[:60]!r}")
    return start, end_at + len(end_text)


def _basis_problem(spec) -> str | None:
    """What is wrong with one field's basis entry, or None."""
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in BASIS_FORMS:
        return f"give one of {', '.join(BASIS_FORMS)} (e.g. {{'judgement': 'why'}})"
    form, value = next(iter(spec.items()))
    if form == "brief" and not (isinstance(value, list) and value):
        return "a brief basis lists the evidence items that state the value"
    if form == "public_record" and value not in demo.CITATIONS:
        return f"no citation {value!r} in CITATIONS"
    if form == "judgement" and not (
        isinstance(value, str) and value.strip() and "\n" not in value and len(value) <= REASON_MAX
    ):
        return f"a judgement gives its reason in one line of at most {REASON_MAX} characters"
    return None


def check_bases(kind: str, item: dict) -> None:
    """Refuse an item whose factual values and basis entries do not match one to one."""
    slug = item["slug"]
    where = "its 'basis' in cooperation/demo/cenjows_2024.py"
    bases = item.get("basis") or {}
    valued = {name for name in FACTS[kind] if not is_empty(item.get(name))}
    missing = sorted(valued - set(bases))
    if missing:
        raise DemoDataError(
            f"{slug}: no basis for {', '.join(missing)}; say where each value comes from in "
            f"{where} (brief, public_record or judgement), or leave the value empty"
        )
    idle = sorted(set(bases) - valued)
    if idle:
        raise DemoDataError(f"{slug}: a basis for {', '.join(idle)}, which holds no value")
    for name, spec in sorted(bases.items()):
        problem = _basis_problem(spec)
        if problem:
            raise DemoDataError(f"{slug}: basis for {name}: {problem}")


def check_all_bases() -> None:
    # The curated records of each kind, by the model name FACTS uses.
    for kind, items in (
        ("agreement", demo.AGREEMENTS),
        ("deal", demo.DEALS),
        ("challenge", demo.CHALLENGES),
        ("recommendation", demo.RECOMMENDATIONS),
    ):
        for item in items:
            check_bases(kind, item)


@dataclass
class StageCount:
    created: int = 0
    present: int = 0


@dataclass
class DemoReport:
    stages: dict[str, StageCount] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(stage.created for stage in self.stages.values())


class DemoLoader:
    def __init__(self, *, user=None, progress: Callable[[str], None] = lambda line: None):
        self.user = user
        self.progress = progress
        self.report = DemoReport()
        self.actors: dict[str, Actor] = {}
        self.topics: dict[str, Topic] = {}
        self.records: dict[type, dict[str, object]] = {}

    # -- plumbing -------------------------------------------------------------------------

    def _stage(self, name: str) -> StageCount:
        return self.report.stages.setdefault(name, StageCount())

    def _done(self, name: str) -> None:
        stage = self._stage(name)
        self.progress(
            f"[{STAGES.index(name) + 1}/{len(STAGES)}] {name}: "
            f"{stage.created} created, {stage.present} already present"
        )

    def _existing(self, model, stage: str, slug: str):
        # all_objects: a demo record an analyst moved to the trash stays there.
        existing = model.all_objects.filter(slug=slug).first()
        if existing is not None:
            self._stage(stage).present += 1
        return existing

    def _create(self, model, stage: str, data: dict, excerpts: list | None = None, basis=None):
        self._stage(stage).created += 1
        if model is Recommendation:
            # The timeline's first row cites the words of the brief that propose it.
            return recommendation_create(
                user=self.user,
                data=data,
                reason=f"Proposed in {demo.SOURCE['reference_code']}",
                evidence_excerpt=excerpts[0] if excerpts else None,
                # Made in the talk the brief records, not on the day the demo is loaded.
                made_on=demo.SOURCE["published_on"],
                basis=basis,
            )
        return tracked_create(
            model=model, user=self.user, data=data, reason=self.reason, basis=basis
        )

    def _lookup(self, table: dict, slugs: list[str], what: str) -> list:
        try:
            return [table[slug] for slug in slugs]
        except KeyError as exc:
            raise DemoDataError(f"unknown {what} slug {exc.args[0]!r}") from None

    # -- stages ---------------------------------------------------------------------------

    def load_source(self) -> Source:
        path = DEMO_DIR / demo.SOURCE["filename"]
        data = path.read_bytes()
        digest = text_sha256(extract_text(data, path.name).text)
        existing = Source.all_objects.filter(sha256=digest).first()
        if existing is not None:
            self._stage("Source").present += 1
        else:
            self._stage("Source").created += 1
            existing = source_import(
                data=data,
                filename=path.name,
                user=self.user,
                title=demo.SOURCE["title"],
                publisher=demo.SOURCE["publisher"],
                authors=demo.SOURCE["authors"],
                reference_code=demo.SOURCE["reference_code"],
                published_on=demo.SOURCE["published_on"],
                visibility=Visibility.PUBLISHED,
            )
        self._done("Source")
        self.reason = f"Curated from {demo.SOURCE['reference_code']} (demo brief)"
        return existing

    def load_taxonomy(self) -> None:
        for model, stage, items, table in (
            (Actor, "Actors", demo.ACTORS, self.actors),
            (Topic, "Topics", demo.TOPICS, self.topics),
        ):
            for item in items:
                table[item["slug"]] = self._existing(model, stage, item["slug"]) or self._create(
                    model, stage, dict(item)
                )
            self._done(stage)

    def _excerpts(self, source: Source, slug: str, specs: list[dict]) -> list:
        if not specs:
            raise DemoDataError(f"{slug} has no evidence")
        return [
            excerpt_create(source=source, start=start, end=end, user=self.user)
            for start, end in (resolve_evidence(source.text, spec) for spec in specs)
        ]

    def _bases(self, source: Source, item: dict) -> dict[str, Basis]:
        """field → Basis, from the item's `basis` (check_bases has vouched for its shape).

        A brief basis's words become excerpts here; the claims service makes them evidence
        for the record too (the passages a value rests on support the record).
        """
        bases = {}
        for name, spec in item.get("basis", {}).items():
            form, value = next(iter(spec.items()))
            if form == "brief":
                bases[name] = Basis.brief(*self._excerpts(source, item["slug"], value))
            elif form == "public_record":
                bases[name] = Basis.public_record(**demo.CITATIONS[value])
            else:
                bases[name] = Basis.judgement(value)
        return bases

    def _load_kind(self, source: Source, model, stage: str, items: list[dict], extra) -> dict:
        """Create the records of one kind that are missing; existing ones are left alone.

        Evidence is attached only to records created now, so evidence an analyst
        detached from a demo record stays detached.
        """
        table = self.records.setdefault(model, {})
        for item in items:
            record = self._existing(model, stage, item["slug"])
            if record is None:
                excerpts = self._excerpts(source, item["slug"], item["evidence"])
                data = {
                    "slug": item["slug"],
                    "title": item["title"],
                    "summary": item["summary"],
                    "visibility": Visibility.PUBLISHED,
                    "actors": self._lookup(self.actors, item["actors"], "actor"),
                    "topics": self._lookup(self.topics, item["topics"], "topic"),
                    **extra(item),
                }
                basis = self._bases(source, item)
                record = self._create(model, stage, data, excerpts, basis)
                for excerpt in excerpts:
                    evidence_attach(record=record, excerpt=excerpt, user=self.user)
            table[item["slug"]] = record
        self._done(stage)
        return table

    def load_records(self, source: Source) -> None:
        actor = self.actors.get
        agreements = self._load_kind(
            source,
            Agreement,
            "Agreements",
            demo.AGREEMENTS,
            lambda item: {
                "kind": item["kind"],
                "status": item["status"],
                "signed_on": item["signed_on"],
                "signed_on_precision": item["signed_on_precision"],
                "in_force_on": item["in_force_on"],
                "parties": self._lookup(self.actors, item["parties"], "actor"),
            },
        )
        deals = self._load_kind(
            source,
            Deal,
            "Deals",
            demo.DEALS,
            lambda item: {
                "kind": item["kind"],
                "status": item["status"],
                "supplier": actor(item["supplier"]) if item["supplier"] else None,
                "recipient": actor(item["recipient"]) if item["recipient"] else None,
                "system": item["system"],
                "period_start": item["period_start"],
                "period_end": item["period_end"],
                "governed_by": self._lookup(agreements, item["governed_by"], "agreement"),
                # SIPRI's fields: only what the brief says (no numbers, years or values).
                "weapon_category": item.get("weapon_category", ""),
            },
        )
        challenges = self._load_kind(
            source,
            Challenge,
            "Challenges",
            demo.CHALLENGES,
            lambda item: {
                "category": item["category"],
                "severity": item["severity"],
                "affects_deals": self._lookup(deals, item["affects_deals"], "deal"),
                "affects_agreements": self._lookup(
                    agreements, item["affects_agreements"], "agreement"
                ),
            },
        )
        for item in demo.RECOMMENDATIONS:
            if item["status"] != RecommendationStatus.PROPOSED:
                raise DemoDataError(
                    f"{item['slug']}: a brief can only propose; later statuses need a transition"
                )
        self._load_kind(
            source,
            Recommendation,
            "Recommendations",
            demo.RECOMMENDATIONS,
            lambda item: {
                "priority": item["priority"],
                "addressed_to": self._lookup(self.actors, item["addressed_to"], "actor"),
                "addresses": self._lookup(challenges, item["addresses"], "challenge"),
            },
        )

    @transaction.atomic
    def run(self) -> DemoReport:
        """Load everything or nothing."""
        # Counted, not tallied: the claims service links a brief basis's passages too.
        links_before = RecordEvidence.all_objects.count()
        try:
            check_all_bases()  # before anything is written
            source = self.load_source()
            self.load_taxonomy()
            self.load_records(source)
        except ValidationError as exc:
            raise DemoDataError(describe_validation_error(exc)) from None
        links = RecordEvidence.all_objects.count() - links_before
        self._stage("Evidence links").created = links
        self.progress(
            f"Evidence: {links} new link{'s' if links != 1 else ''}; "
            f"{source.excerpts.count()} excerpts of the brief in all"
        )
        return self.report
