"""An export file read back and checked before anything is written.

Every refusal is one line (`ExchangeError`) naming what is wrong: not JSON, another
format or version, a missing part, a reference to something the file does not hold, a
source whose text does not match its SHA-256, an excerpt whose quote is not at its place.
The services check the rest (a choice, a status move) as they write, in one transaction.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError

from cooperation.exchange import FORMAT, KINDS, VERSION
from cooperation.fieldspec import SPECS
from cooperation.models import Actor, Record, Topic
from cooperation.models.taxonomy import clean_tag_name
from cooperation.text_extraction import text_sha256

PARTS = ("records", "excerpts", "sources", "actors", "topics")


class ExchangeError(Exception):
    """The file cannot be imported; the message says why in one line."""


def _name(record: dict) -> str:
    return f"{record.get('record_type', 'record')} {record.get('slug')!r}"


def _items(document: dict, part: str) -> list[dict]:
    items = document.get(part)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ExchangeError(f"“{part}” must be a list of objects.")
    return items


def _require(item: dict, where: str, **types) -> None:
    for key, kind in types.items():
        if not isinstance(item.get(key), kind) or isinstance(item.get(key), bool):
            raise ExchangeError(f"{where}: “{key}” is missing or not {kind.__name__}.")


def parse(text: str | bytes, *, name: str = "the file") -> dict:
    """The document in `text`, its shape and every reference in it checked."""
    try:
        document = json.loads(text)
    except UnicodeDecodeError:
        raise ExchangeError(f"{name} is not UTF-8 text, so not an export.") from None
    except json.JSONDecodeError as exc:
        raise ExchangeError(
            f"{name} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:
        raise ExchangeError(f"{name} nests its JSON too deeply to be an export.") from None
    except ValueError:  # what else json.loads raises: a number past int()'s digit limit
        raise ExchangeError(f"{name} holds a number too long to read, so not an export.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExchangeError(f"{name} is not a Contours export (no “format”: “{FORMAT}”).")
    if document.get("version") != VERSION:
        raise ExchangeError(
            f"{name} is version {document.get('version')!r} of the export; "
            f"this portal reads version {VERSION}."
        )
    check(document)
    return document


def read(path: str | Path) -> dict:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise ExchangeError(f"{path} is a directory, not an export file.") from None
    except OSError as exc:
        raise ExchangeError(f"{path}: cannot read it ({exc.strerror}).") from None
    return parse(data, name=str(path))


def _unique(items: list[dict], key: str, what: str) -> dict:
    table = {}
    for item in items:
        value = item[key]
        if value in table:
            raise ExchangeError(f"{what} {value!r} appears twice.")
        table[value] = item
    return table


def check(document: dict) -> None:
    """Every part present and shaped, every reference resolved within the file."""
    parts = {part: _items(document, part) for part in PARTS}
    for source in parts["sources"]:
        _require(source, "a source", id=int, title=str, text=str, sha256=str)
        if text_sha256(source["text"]) != source["sha256"]:
            raise ExchangeError(
                f"source {source['id']}: its text does not match its SHA-256 (changed or cut)."
            )
    sources = _unique(parts["sources"], "id", "source")
    for excerpt in parts["excerpts"]:
        _require(excerpt, "an excerpt", id=int, source=int, start=int, end=int, exact=str)
        source = sources.get(excerpt["source"])
        if source is None:
            raise ExchangeError(
                f"excerpt {excerpt['id']} quotes source {excerpt['source']}, "
                "which the file does not hold."
            )
        if source["text"][excerpt["start"] : excerpt["end"]] != excerpt["exact"]:
            raise ExchangeError(
                f"excerpt {excerpt['id']}: its quote is not at {excerpt['start']}–{excerpt['end']} "
                f"of source {excerpt['source']}."
            )
    excerpts = _unique(parts["excerpts"], "id", "excerpt")
    for part, model in (("actors", Actor), ("topics", Topic)):
        for item in parts[part]:
            _require(item, f"an item of “{part}”", slug=str, name=str)
        _unique(parts[part], "slug", model._meta.verbose_name)
    for actor in parts["actors"]:
        check_identifiers(actor, f"actor {actor.get('slug')!r}")
    taxonomy = {
        Actor: {item["slug"] for item in parts["actors"]},
        Topic: {item["slug"] for item in parts["topics"]},
    }
    slugs: dict[type, set[str]] = {model: set() for model in KINDS.values()}
    for record in parts["records"]:
        _require(record, "a record", record_type=str, slug=str, title=str)
        model = KINDS.get(record["record_type"])
        if model is None:
            known = ", ".join(KINDS)
            raise ExchangeError(f"{_name(record)}: unknown record_type (not one of {known}).")
        if record["slug"] in slugs[model]:
            raise ExchangeError(f"{_name(record)} appears twice.")
        slugs[model].add(record["slug"])
    for record in parts["records"]:
        _check_record(record, excerpts, taxonomy, slugs)


def _check_record(record: dict, excerpts: dict, taxonomy: dict, slugs: dict) -> None:
    name = _name(record)
    model = KINDS[record["record_type"]]
    links = {"actors": Actor, "topics": Topic}
    for entry in SPECS[model].fields:
        field = model._meta.get_field(entry.name)
        if field.is_relation and field.related_model in (Actor, Topic, *KINDS.values()):
            links[entry.name] = field.related_model
    for key, target in links.items():
        many = key in ("actors", "topics") or model._meta.get_field(key).many_to_many
        # A link the file leaves out is no link (a file from before the field existed).
        value = record.get(key, [] if many else None)
        values = value if many else ([] if value is None else [value])
        if many and not isinstance(value, list):
            raise ExchangeError(f"{name}: “{key}” must be a list of slugs.")
        known = taxonomy[target] if target in taxonomy else slugs[target]
        for slug in values:
            if not isinstance(slug, str) or slug not in known:
                what = target._meta.verbose_name
                raise ExchangeError(
                    f"{name}: “{key}” names {what} {slug!r}, which the file does not hold."
                )
            order = list(KINDS.values())
            if target is model:
                continue  # an agreement amending another: linked once both are made
            if issubclass(target, Record) and order.index(target) >= order.index(model):
                raise ExchangeError(f"{name}: “{key}” cannot link to a {target._meta.model_name}.")
    dated = record.get("party_dates", [])
    if not isinstance(dated, list) or not all(
        isinstance(entry, dict) and entry.get("party") in record.get("parties", ())
        for entry in dated
    ):
        raise ExchangeError(
            f"{name}: “party_dates” must be a list of objects, each naming one of its parties."
        )
    tags = record.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ExchangeError(f"{name}: “tags” must be a list of tag names.")
    for tag in tags:
        try:
            clean_tag_name(tag)
        except ValidationError as exc:
            raise ExchangeError(f"{name}: tag {tag!r}: {' '.join(exc.messages)}") from None
    check_identifiers(record, name)
    cited = [(item, "evidence") for item in _list(record, "evidence", name)]
    if model is KINDS["recommendation"]:
        timeline = _list(record, "status_history", name)
        if not timeline:
            raise ExchangeError(f"{name}: its “status_history” is empty.")
        for change in timeline:
            _require(change, f"{name}'s status history", to_status=str, note=str)
        responses = _list(record, "responses", name)
        for response in responses:
            _require(response, f"{name}'s responses", classification=str, responded_on=str)
        cited += [(item.get("evidence"), "status_history") for item in timeline]
        cited += [(item.get("evidence"), "responses") for item in responses]
    for item, where in cited:
        if item is None:
            continue
        excerpt = item.get("excerpt") if isinstance(item, dict) else item
        if not isinstance(excerpt, int) or excerpt not in excerpts:
            raise ExchangeError(
                f"{name}: its “{where}” cites excerpt {excerpt!r}, which the file does not hold."
            )


def check_identifiers(item: dict, name: str) -> None:
    """An optional list of {scheme, value, url}, each valid for its scheme."""
    from cooperation.identifiers import clean_identifier

    for identifier in _list(item, "identifiers", name):
        _require(identifier, f"{name}'s identifiers", scheme=str, value=str)
        try:
            clean_identifier(identifier["scheme"], identifier["value"], identifier.get("url") or "")
        except ValidationError as exc:
            raise ExchangeError(f"{name}: identifier: {' '.join(exc.messages)}") from None


def _list(record: dict, key: str, name: str) -> list:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ExchangeError(f"{name}: “{key}” must be a list of objects.")
    return value
