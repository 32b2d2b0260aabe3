"""Loads the demo brief and its curated records (cooperation/demo/) through the services.

Idempotent by design: the source is found by its SHA-256, everything else by
slug, excerpts by span and evidence links by (record, excerpt). What already
exists is left exactly as it is, so analysts' edits to demo records survive a
second run, and a second run writes nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from cooperation.choices import Visibility
from cooperation.demo import cenjows_2024 as demo
from cooperation.models import Actor, Agreement, Challenge, Deal, Recommendation, Source, Topic
from cooperation.services import (
    evidence_attach,
    excerpt_create,
    recommendation_record_initial_status,
    source_import,
    tracked_create,
)
from cooperation.services.common import describe_validation_error
from cooperation.services.sources import text_sha256

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


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

    def _done(self, index: int, total: int, name: str) -> None:
        stage = self._stage(name)
        self.progress(
            f"[{index}/{total}] {name}: {stage.created} created, {stage.present} already present"
        )

    def _get_or_create(self, model, stage: str, slug: str, data: dict):
        # all_objects: a demo record an analyst moved to the trash stays there.
        existing = model.all_objects.filter(slug=slug).first()
        if existing is not None:
            self._stage(stage).present += 1
            return existing, False
        instance = tracked_create(
            model=model,
            user=self.user,
            data={"slug": slug, **data},
            reason="Loaded from demo brief",
        )
        self._stage(stage).created += 1
        return instance, True

    def _lookup(self, table: dict, slugs: list[str], what: str) -> list:
        try:
            return [table[slug] for slug in slugs]
        except KeyError as exc:
            raise DemoDataError(f"unknown {what} slug {exc.args[0]!r}") from None

    # -- stages ---------------------------------------------------------------------------

    def load_source(self) -> Source:
        path = DEMO_DIR / demo.SOURCE["filename"]
        data = path.read_bytes()
        existing = Source.all_objects.filter(sha256=text_sha256(data.decode("utf-8-sig"))).first()
        if existing is not None:
            self._stage("Source").present += 1
            return existing
        self._stage("Source").created += 1
        return source_import(
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

    def load_taxonomy(self) -> None:
        for item in demo.ACTORS:
            data = {k: v for k, v in item.items() if k != "slug"}
            self.actors[item["slug"]], _ = self._get_or_create(Actor, "Actors", item["slug"], data)
        for item in demo.TOPICS:
            data = {k: v for k, v in item.items() if k != "slug"}
            self.topics[item["slug"]], _ = self._get_or_create(Topic, "Topics", item["slug"], data)

    def _record_data(self, item: dict, extra: dict) -> dict:
        return {
            "title": item["title"],
            "summary": item["summary"],
            "visibility": Visibility.PUBLISHED,
            "actors": self._lookup(self.actors, item["actors"], "actor"),
            "topics": self._lookup(self.topics, item["topics"], "topic"),
            **extra,
        }

    def _attach_evidence(self, source: Source, record, specs: list[dict]) -> list:
        if not specs:
            raise DemoDataError(f"{record.slug} has no evidence")
        excerpts = []
        for spec in specs:
            start, end = resolve_evidence(source.text, spec)
            excerpt = excerpt_create(source=source, start=start, end=end, user=self.user)
            evidence_attach(record=record, excerpt=excerpt, user=self.user)
            excerpts.append(excerpt)
        return excerpts

    def load_records(self, source: Source) -> None:
        agreements = self.records.setdefault(Agreement, {})
        for item in demo.AGREEMENTS:
            extra = {
                "kind": item["kind"],
                "status": item["status"],
                "signed_on": item["signed_on"],
                "signed_on_precision": item["signed_on_precision"],
                "in_force_on": item["in_force_on"],
                "parties": self._lookup(self.actors, item["parties"], "actor"),
            }
            record, _ = self._get_or_create(
                Agreement, "Agreements", item["slug"], self._record_data(item, extra)
            )
            self._attach_evidence(source, record, item["evidence"])
            agreements[item["slug"]] = record

        deals = self.records.setdefault(Deal, {})
        for item in demo.DEALS:
            extra = {
                "kind": item["kind"],
                "status": item["status"],
                "supplier": self.actors.get(item["supplier"]) if item["supplier"] else None,
                "recipient": self.actors.get(item["recipient"]) if item["recipient"] else None,
                "system": item["system"],
                "period_start": item["period_start"],
                "period_end": item["period_end"],
                "governed_by": self._lookup(agreements, item["governed_by"], "agreement"),
            }
            record, _ = self._get_or_create(
                Deal, "Deals", item["slug"], self._record_data(item, extra)
            )
            self._attach_evidence(source, record, item["evidence"])
            deals[item["slug"]] = record

        challenges = self.records.setdefault(Challenge, {})
        for item in demo.CHALLENGES:
            extra = {
                "category": item["category"],
                "severity": item["severity"],
                "affects_deals": self._lookup(deals, item["affects_deals"], "deal"),
                "affects_agreements": self._lookup(
                    agreements, item["affects_agreements"], "agreement"
                ),
            }
            record, _ = self._get_or_create(
                Challenge, "Challenges", item["slug"], self._record_data(item, extra)
            )
            self._attach_evidence(source, record, item["evidence"])
            challenges[item["slug"]] = record

        for item in demo.RECOMMENDATIONS:
            if item["status"] != "proposed":
                raise DemoDataError(
                    f"{item['slug']}: a brief can only propose; later statuses need a transition"
                )
            extra = {
                "priority": item["priority"],
                "addressed_to": self._lookup(self.actors, item["addressed_to"], "actor"),
                "addresses": self._lookup(challenges, item["addresses"], "challenge"),
            }
            record, created = self._get_or_create(
                Recommendation, "Recommendations", item["slug"], self._record_data(item, extra)
            )
            excerpts = self._attach_evidence(source, record, item["evidence"])
            if created:
                recommendation_record_initial_status(
                    recommendation=record,
                    user=self.user,
                    note=f"Proposed in {source.reference_code or source.title}.",
                    evidence_excerpt=excerpts[0],
                )

    @transaction.atomic
    def run(self) -> DemoReport:
        """Load everything or nothing."""
        try:
            source = self.load_source()
            self._done(1, 4, "Source")
            self.load_taxonomy()
            self._done(2, 4, "Actors")
            self._done(2, 4, "Topics")
            self.load_records(source)
            for name in ("Agreements", "Deals", "Challenges", "Recommendations"):
                self._done(3, 4, name)
            self.progress(f"[4/4] Evidence: {source.excerpts.count()} excerpts of the brief")
        except ValidationError as exc:
            raise DemoDataError(describe_validation_error(exc)) from None
        return self.report
