"""Excerpts (spans of a source) and the links that make them evidence for records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cooperation.history import CREATED
from cooperation.models import Excerpt, Record, RecordEvidence, Source
from cooperation.permissions import require
from cooperation.services.common import ensure_live, link_evidence, save_with_history
from cooperation.services.tracked import tracked_delete
from cooperation.text import anchor_quote, build_selectors


@transaction.atomic
def excerpt_create(
    *,
    source: Source,
    start: int,
    end: int,
    user,
    exact: str | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    note: str = "",
) -> Excerpt:
    """The excerpt of `source` at [start, end); an existing live one is reused.

    Selectors computed elsewhere (e.g. in the browser) are verified, never trusted:
    a quote that differs from the text at that position is refused.
    """
    require(user, "excerpt", source)
    try:
        selectors = build_selectors(source.text, int(start), int(end))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"start": str(exc)}) from None
    if exact is not None and exact != selectors.exact:
        raise ValidationError(
            {"exact": "The quote does not match the source text at that position."}
        )
    for name, given, actual in (
        ("prefix", prefix, selectors.prefix),
        ("suffix", suffix, selectors.suffix),
    ):
        # The browser may send a shorter context than we keep; it must still agree.
        if given and not (actual.endswith(given) if name == "prefix" else actual.startswith(given)):
            raise ValidationError({name: f"The {name} does not match the source text."})
    existing = Excerpt.objects.filter(
        source=source, start=selectors.start, end=selectors.end
    ).first()
    if existing:
        return existing
    excerpt = Excerpt(
        source=source,
        start=selectors.start,
        end=selectors.end,
        exact=selectors.exact,
        prefix=selectors.prefix,
        suffix=selectors.suffix,
        note=note,
    )
    save_with_history(excerpt, user=user, kind=CREATED, reason="Created")
    return excerpt


def excerpt_create_from_quote(
    *,
    source: Source,
    exact: str,
    user,
    prefix: str = "",
    suffix: str = "",
    hint: int | None = None,
    note: str = "",
) -> Excerpt:
    """Anchor a TextQuoteSelector in the source and make (or reuse) that excerpt."""
    try:
        start, end = anchor_quote(source.text, exact, prefix, suffix, hint)
    except LookupError as exc:
        raise ValidationError({"exact": f"Cannot place this quote: {exc}."}) from None
    return excerpt_create(source=source, start=start, end=end, user=user, note=note)


@transaction.atomic
def evidence_attach(*, record: Record, excerpt: Excerpt, user, note: str = "") -> RecordEvidence:
    """Make `excerpt` evidence for `record`; attaching it twice changes nothing."""
    require(user, "link_evidence", record)
    ensure_live(record, "This record")
    if excerpt.is_deleted:
        raise ValidationError({"excerpt": "This excerpt is in the trash."})
    return link_evidence(record, excerpt, user=user, note=note)


def evidence_detach(*, link: RecordEvidence, user) -> RecordEvidence:
    """Detach evidence: the link goes to the trash and stays in history."""
    return tracked_delete(instance=link, user=user, reason="Evidence detached")
