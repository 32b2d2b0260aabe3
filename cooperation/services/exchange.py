"""A JSON export (cooperation/exchange/) written back into a portal, through the services.

One transaction: the file's sources, excerpts, actors, topics and records, each record's
evidence, a recommendation's status timeline and its addressee's responses are written
by the same services people's writes go through (so each has its history row), or,
at the first refusal, nothing is. Refusals are `ExchangeError`, one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from cooperation import precise_dates
from cooperation.choices import BasisKind, ClaimRank, DatePrecision, SourceFormat
from cooperation.exchange import KINDS
from cooperation.exchange.document import ExchangeError
from cooperation.fieldspec import SPECS
from cooperation.models import Actor, Excerpt, Recommendation, Record, Source, Topic
from cooperation.provenance import REASON_MAX, Basis, facts_of, is_empty
from cooperation.services.claim_rows import _demote_preferred, _new_claim
from cooperation.services.claims import _clean_value
from cooperation.services.common import describe_validation_error
from cooperation.services.evidence import evidence_attach, excerpt_create
from cooperation.services.recommendations import (
    recommendation_create,
    recommendation_response_record,
    recommendation_transition,
)
from cooperation.services.sources import source_import, source_metadata_update
from cooperation.services.tags import tag_get_or_create
from cooperation.services.tracked import tracked_create, tracked_update

USER_MODEL = settings.AUTH_USER_MODEL

# What an empty portal holds none of (the users and their tokens may already be there).
CONTENT = (Source, Excerpt, Actor, Topic, *KINDS.values())


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Identifiers in the file that already name something here: "open it / merge" lines.
    suggestions: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def portal_is_empty() -> bool:
    return not any(model.all_objects.exists() for model in CONTENT)


def _day(value: str | None) -> tuple[date, str] | None:
    """An ISO timestamp's local day, as a day-precise date."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).date(), DatePrecision.DAY


def _file_value(value):
    """A value as the file writes it, comparable whether it is a record's or a claim's."""
    return sorted(value, key=repr) if isinstance(value, list) else value


class _Unlinked(Exception):
    """A link claim in the file that names no actor of the file (its text says why)."""


class _Importer:
    def __init__(
        self, *, document: dict, user, reason: str, report: ImportReport, source_name: str
    ):
        self.document, self.user, self.reason, self.report = document, user, reason, report
        # A claim the file gives no usable basis for rests on this judgement.
        self.unstated = Basis.judgement(
            f"Imported from {source_name} without a stated basis"[:REASON_MAX]
        )
        self.sources: dict[int, Source] = {}
        self.excerpts: dict[int, Excerpt] = {}
        self.taxonomy: dict[type, dict[str, object]] = {Actor: {}, Topic: {}}
        self.records: dict[type, dict[str, Record]] = {model: {} for model in KINDS.values()}
        self.where = "the file"

    # -- what the records cite ----------------------------------------------------------------

    def load_sources(self) -> None:
        for item in self.document["sources"]:
            self.where = f"source {item['id']}"
            existing = Source.all_objects.filter(sha256=item["sha256"]).first()
            if existing is not None:  # only with --force: the portal already holds this text
                self.sources[item["id"]] = existing
                self.report.warnings.append(
                    f"source {item['id']} is already here as #{existing.pk}; kept as it is."
                )
                continue
            fmt = item.get("format")
            suffix = ".md" if fmt == SourceFormat.MARKDOWN else ".txt"
            stem = Path(str(item.get("original_filename") or "source")).stem or "source"
            published = item.get("published_on")
            day, precision = precise_dates.parse(published) if published else (None, "")
            source = source_import(
                data=item["text"].encode("utf-8"),
                filename=f"{stem}{suffix}",
                user=self.user,
                title=item["title"],
                publisher=item.get("publisher") or "",
                authors=item.get("authors") or "",
                reference_code=item.get("reference_code") or "",
                published_on=day,
                visibility=item.get("visibility") or "internal",
                keep_original=False,
            )
            wanted = {
                "url": item.get("url") or "",
                "published_on": day,
                "published_on_precision": item.get("published_on_precision", precision) or "",
            }
            changed = {k: v for k, v in wanted.items() if getattr(source, k) != v}
            if changed:
                # The importer found a date in the text nobody gave, or the date is less
                # precise than a day: the file's details win.
                source = source_metadata_update(
                    source=source,
                    user=self.user,
                    data=changed,
                    expected_version=None,
                    reason=self.reason,
                )
            self.sources[item["id"]] = source
            self.report.add("sources")

    def load_excerpts(self) -> None:
        for item in self.document["excerpts"]:
            self.where = f"excerpt {item['id']}"
            self.excerpts[item["id"]] = excerpt_create(
                source=self.sources[item["source"]],
                start=item["start"],
                end=item["end"],
                exact=item["exact"],
                prefix=item.get("prefix") or None,
                suffix=item.get("suffix") or None,
                note=item.get("note") or "",
                user=self.user,
            )
            self.report.add("excerpts")

    def load_taxonomy(self) -> None:
        for model, part in ((Actor, "actors"), (Topic, "topics")):
            table = self.taxonomy[model]
            for item in self.document[part]:
                self.where = f"{model._meta.verbose_name} {item['slug']!r}"
                existing = model.all_objects.filter(slug=item["slug"]).first()
                if existing is not None:  # only with --force
                    table[item["slug"]] = existing
                    continue
                data = {k: item[k] for k in ("slug", "name", "description", "kind") if k in item}
                if model is Topic:
                    data.pop("kind", None)
                table[item["slug"]] = tracked_create(
                    model=model, user=self.user, data=data, reason=self.reason
                )
                self.report.add(part)
                if model is Actor:
                    self._identifiers(item, actor=table[item["slug"]])

    # -- records -----------------------------------------------------------------------------

    def _identifiers(self, item: dict, **target) -> None:
        """Attach the item's identifiers; one that already names something else here is not
        attached but reported as a suggestion (the same thing, from another brief)."""
        from cooperation.services.identifiers import DuplicateIdentifier, identifier_add

        for identifier in item.get("identifiers", []):
            try:
                identifier_add(
                    user=self.user,
                    scheme=identifier["scheme"],
                    value=identifier["value"],
                    url=identifier.get("url") or "",
                    **target,
                )
            except DuplicateIdentifier as exc:
                text = " ".join(exc.messages)
                self.report.suggestions.append(f"{self.where}: {text} (not attached)")
            else:
                self.report.add("identifiers")

    def _target(self, model, slug):
        if model in self.taxonomy:
            return self.taxonomy[model][slug]
        return self.records[model][slug]

    def _data(self, model, item: dict) -> dict:
        """The record's fields as its create service takes them, from the kind's spec."""
        data = {
            "slug": item["slug"],
            "title": item["title"],
            "summary": item.get("summary") or "",
            "visibility": item.get("visibility") or "internal",
            "actors": [self.taxonomy[Actor][slug] for slug in item.get("actors", [])],
            "topics": [self.taxonomy[Topic][slug] for slug in item.get("topics", [])],
            "tags": [self._tag(name) for name in item.get("tags", [])],
        }
        precise = precise_dates.precise_fields(model)
        precisions = {precise_dates.precision_name(name) for name in precise}
        for entry in SPECS[model].fields:
            name = entry.name
            if name not in item or name in precisions:
                continue
            if model is Recommendation and name == "status":
                continue  # the timeline moves it
            field_ = model._meta.get_field(name)
            value = item[name]
            if field_.is_relation and field_.related_model is model:
                continue  # links between records of one kind: set by link_own_kind
            if name == "party_dates":
                data[name] = [
                    {**entry, "party": self.taxonomy[Actor][entry["party"]].pk} for entry in value
                ]
            elif field_.is_relation and field_.related_model._meta.label == USER_MODEL:
                data[name] = self._user(name, value, item)
            elif field_.many_to_many:
                data[name] = [self._target(field_.related_model, slug) for slug in value]
            elif field_.is_relation:
                data[name] = None if value is None else self._target(field_.related_model, value)
            elif name in precise:
                precision_key = precise_dates.precision_name(name)
                if value in (None, ""):
                    data[name], data[precision_key] = None, ""
                else:
                    day, precision = precise_dates.parse(value)
                    data[name] = day
                    data[precision_key] = item.get(precision_key, precision)
            else:
                data[name] = value
        return data

    def _tag(self, name: str):
        """The portal's tag of this name in any case, made when it has none (and counted)."""
        tag, created = tag_get_or_create(user=self.user, name=name)
        if created:
            self.report.add("tags")
        return tag

    def _user(self, name: str, email, item: dict):
        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            self.report.warnings.append(f"{self.where}: no user {email} here; “{name}” left empty.")
        return user

    def _excerpt(self, cited: dict | None) -> Excerpt | None:
        return None if cited is None else self.excerpts[cited["excerpt"]]

    def _recommendation(self, data: dict, item: dict, bases: dict) -> Recommendation:
        first, *later = item["status_history"]
        made = Recommendation._meta.get_field("status").default
        if first["to_status"] != made or first.get("from_status"):
            raise ExchangeError(
                f"{self.where}: its status history must start with the move to {made!r} "
                "that made it."
            )
        recommendation = recommendation_create(
            user=self.user,
            data=data,
            reason=first["note"] or self.reason,
            evidence_excerpt=self._excerpt(first.get("evidence")),
            made_on=first.get("happened_on") or _day(first.get("recorded_at")),
            basis=bases,
        )
        for change in later:
            if (change.get("from_status") or "") != recommendation.status:
                raise ExchangeError(
                    f"{self.where}: its status history moves from "
                    f"{change.get('from_status')!r} while the status is {recommendation.status!r}."
                )
            recommendation_transition(
                recommendation=recommendation,
                to_status=change["to_status"],
                user=self.user,
                note=change["note"],
                evidence_excerpt=self._excerpt(change.get("evidence")),
                evidence_url=change.get("evidence_url") or "",
                # When it happened; a move dated by its recording keeps that day.
                happened_on=change.get("happened_on") or _day(change.get("recorded_at")),
            )
            self.report.add("status changes")
        expected = item.get("status", recommendation.status)
        if expected != recommendation.status:
            raise ExchangeError(
                f"{self.where}: its status history ends at {recommendation.status!r}, "
                f"but its status is {expected!r}."
            )
        for response in item.get("responses", []):
            recommendation_response_record(
                recommendation=recommendation,
                classification=response["classification"],
                responded_on=response["responded_on"],
                user=self.user,
                note=response.get("note") or "",
                evidence_excerpt=self._excerpt(response.get("evidence")),
                evidence_url=response.get("evidence_url") or "",
            )
            self.report.add("responses")
        return recommendation

    # -- claims ------------------------------------------------------------------------------

    def _basis(self, claim: dict) -> Basis:
        """The basis a claim in the file states, or `unstated` when it states none this
        portal can hold (an excerpt the file lacks, a citation without a title…)."""
        kind = claim.get("basis")
        try:
            if kind == BasisKind.BRIEF:
                ids = claim.get("excerpts") or []
                if not ids or any(pk not in self.excerpts for pk in ids):
                    return self.unstated
                basis = Basis.brief(*(self.excerpts[pk] for pk in ids))
            elif kind == BasisKind.PUBLIC_RECORD:
                citation = claim.get("citation") or {}
                accessed = citation.get("accessed")
                basis = Basis.public_record(
                    str(citation.get("title") or "")[:300],
                    publisher=str(citation.get("publisher") or "")[:200],
                    url=str(citation.get("url") or "")[:500],
                    accessed=date.fromisoformat(accessed) if accessed else None,
                )
            elif kind == BasisKind.JUDGEMENT:
                basis = Basis.judgement(str(claim.get("reason") or ""))
            else:
                return self.unstated
        except (TypeError, ValueError, AttributeError):
            return self.unstated
        return self.unstated if basis.problems() else basis

    def _claim_value(self, model, name: str, value):
        """A claimed value as this portal's claims hold it: actor slugs as ids. A link the
        file cannot back (a slug it does not hold, a value not in a link's form) raises
        _Unlinked, saying which."""
        if name == "party_dates":
            if value in (None, ""):  # no dates, as the field keeps them
                return []
            if not isinstance(value, list) or not all(
                isinstance(entry, dict) and "party" in entry for entry in value
            ):
                raise _Unlinked("is not a list of {party, signed_on, ratified_on} entries")
            return [{**entry, "party": self._actor_id(entry["party"])} for entry in value]
        field_ = model._meta.get_field(name)
        if not field_.is_relation or value is None:
            return value
        if field_.many_to_many:
            if not isinstance(value, list):
                raise _Unlinked("is not a list of actors' slugs")
            return sorted(self._actor_id(slug) for slug in value)
        return self._actor_id(value)

    def _actor_id(self, slug) -> int:
        if not isinstance(slug, str):
            raise _Unlinked("names an actor by something other than its slug")
        actor = self.taxonomy[Actor].get(slug)
        if actor is None:
            # One line whatever the file holds: no control characters, at most 60 of them.
            shown = "".join(
                c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in slug[:60]
            )
            shown += "…" if len(slug) > 60 else ""
            raise _Unlinked(f"names an actor the file does not hold (“{shown}”)")
        return actor.pk

    def _claims(self, model, item: dict) -> tuple[dict, list, set]:
        """From the record's `claims` in the file: the basis of each value the record is
        made with (its preferred claim's; `unstated` for a value none backs), and the other
        claims to add beside them (value, basis, rank). A file from before claims has none:
        every value rests on `unstated`."""
        facts = set(facts_of(model))
        bases: dict = {"*": self.unstated}
        later = []
        claims = item.get("claims") or []
        if not isinstance(claims, list):
            raise ExchangeError(f"{self.where}: “claims” must be a list of objects.")
        for claim in claims:
            named = claim.get("field") if isinstance(claim, dict) else None
            if not isinstance(named, str) or named not in facts:  # a list is unhashable
                raise ExchangeError(
                    f"{self.where}: a claim must be an object naming one of its facts "
                    f"({', '.join(sorted(facts))})."
                )
            name = claim["field"]
            try:
                value = self._claim_value(model, name, claim.get("value"))
            except _Unlinked as unlinked:
                warning = f"{self.where}: a claim on {name} {unlinked}; left out."
                self.report.warnings.append(warning)
                continue
            basis = self._basis(claim)
            rank = claim.get("rank")
            if rank == ClaimRank.PREFERRED and name not in bases:
                bases[name] = basis
            elif rank in (ClaimRank.NORMAL, ClaimRank.DEPRECATED) and not is_empty(value):
                later.append((name, value, basis, rank, claim.get("value")))
        # A field whose claims disagree with none preferred: the record's value is made on
        # the basis of the claim that holds it, which then steps down beside the others.
        disputed = set()
        for name in {entry[0] for entry in later} - set(bases):
            shown = _file_value(item.get(name))
            match = next(
                (
                    entry
                    for entry in later
                    if entry[0] == name
                    and entry[3] == ClaimRank.NORMAL
                    and _file_value(entry[4]) == shown
                ),
                None,
            )
            if match is not None:
                bases[name] = match[2]
                later.remove(match)
                disputed.add(name)
        return bases, [entry[:4] for entry in later], disputed

    def load_records(self) -> None:
        items = self.document["records"]
        for kind, model in KINDS.items():  # links point only at kinds created before
            for item in (i for i in items if i["record_type"] == kind):
                self.where = f"{kind} {item['slug']!r}"
                data = self._data(model, item)
                bases, later, disputed = self._claims(model, item)
                if model is Recommendation:
                    record = self._recommendation(data, item, bases)
                else:
                    record = tracked_create(
                        model=model, user=self.user, data=data, reason=self.reason, basis=bases
                    )
                for name in disputed:
                    _demote_preferred(record, name, user=self.user)
                for name, value, basis, rank in later:
                    try:
                        # As claim_add keeps a value: as the field keeps it ("12" is 12),
                        # or not at all (a fraction for a whole number would never match
                        # the record's value once preferred).
                        value = _clean_value(record, name, value)
                    except ValidationError as refusal:
                        self.report.warnings.append(
                            f"{self.where}: a claim on {name} holds a value the field cannot "
                            f"keep ({'; '.join(refusal.messages)}); left out."
                        )
                        continue
                    _new_claim(
                        record,
                        name,
                        value,
                        basis,
                        list(Excerpt.objects.filter(pk__in=basis.excerpt_ids)),
                        user=self.user,
                        rank=rank,
                        reason=self.reason,
                    )
                    self.report.add("claims")
                for link in item.get("evidence", []):
                    evidence_attach(
                        record=record,
                        excerpt=self._excerpt(link),
                        user=self.user,
                        note=link.get("note") or "",
                    )
                    self.report.add("evidence links")
                self._identifiers(item, record=record)
                self.records[model][item["slug"]] = record
                self.report.add(model._meta.verbose_name_plural)

    def link_own_kind(self) -> None:
        """Links between records of one kind (an agreement amending or superseding another),
        set once every record of the kind is made, as one more version of the linking one."""
        for item in self.document["records"]:
            model = KINDS[item["record_type"]]
            names = [
                entry.name
                for entry in SPECS[model].fields
                if model._meta.get_field(entry.name).related_model is model and item.get(entry.name)
            ]
            if not names:
                continue
            self.where = f"{item['record_type']} {item['slug']!r}"
            record = self.records[model][item["slug"]]
            tracked_update(
                instance=record,
                user=self.user,
                data={name: [self.records[model][slug] for slug in item[name]] for name in names},
                expected_version=None,
                reason=self.reason,
            )


@transaction.atomic
def records_import(
    *,
    document: dict,
    user=None,
    force: bool = False,
    reason: str = "Imported",
    source_name: str = "a JSON export",
) -> ImportReport:
    """Write a checked export document (cooperation.exchange.document.parse) into the portal.

    Refused unless the portal holds no sources, excerpts, actors, topics or records, or
    `force`: then sources, actors and topics already here (same text, same slug) are used
    as they are, and a record whose slug is taken is refused. All or nothing.
    """
    if not force and not portal_is_empty():
        raise ExchangeError(
            "the portal already holds records or sources; import into an empty portal "
            "(or pass --force to add to this one)."
        )
    report = ImportReport()
    importer = _Importer(
        document=document, user=user, reason=reason, report=report, source_name=source_name
    )
    try:
        importer.load_sources()
        importer.load_excerpts()
        importer.load_taxonomy()
        importer.load_records()
        importer.link_own_kind()
    except ValidationError as exc:
        raise ExchangeError(f"{importer.where}: {describe_validation_error(exc)}") from None
    except (KeyError, TypeError, ValueError, AttributeError, ObjectDoesNotExist) as exc:
        # A value of the wrong type or a reference the checks let through: still one line.
        raise ExchangeError(f"{importer.where}: bad value ({type(exc).__name__}: {exc}).") from None
    return report
