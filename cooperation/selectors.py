"""Reads: what pages, the admin and commands ask of the database."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse

from accounts.roles import INTERNAL_ROLES, is_internal
from cooperation.choices import AnnotationVisibility, RecommendationStatus, Visibility
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Annotation,
    Excerpt,
    Recommendation,
    Record,
    RecordEvidence,
    Source,
    Topic,
)

# Titles at least this similar (0–1, after normalising) are offered as possible duplicates.
DUPLICATE_SIMILARITY = 0.88
_NOISE = re.compile(r"[^a-z0-9 ]+")
_STOPWORDS = {"the", "a", "an", "of", "for", "and", "on", "concerning", "between", "to", "in"}


def home_summary() -> dict:
    records = []
    for model in RECORD_MODELS:
        counts = model.objects.aggregate(
            total=Count("pk"), published=Count("pk", filter=Q(visibility=Visibility.PUBLISHED))
        )
        meta = model._meta
        records.append(
            {
                "label": meta.verbose_name_plural.capitalize(),
                "total": counts["total"],
                "published": counts["published"],
                "admin_url": reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            }
        )
    by_status = dict(
        Recommendation.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {
        "records": records,
        "recommendation_statuses": [
            {"value": value, "label": label, "count": by_status.get(value, 0)}
            for value, label in RecommendationStatus.choices
        ],
        "sources": Source.objects.annotate(
            excerpt_count=Count("excerpts", filter=Q(excerpts__deleted_at__isnull=True))
        ).order_by("-published_on", "title")[:20],
        "actors": Actor.objects.count(),
        "topics": Topic.objects.count(),
        "annotations": Annotation.objects.count(),
    }


def annotations_visible_to(user, queryset=None):
    """The notes `user` may read: everything but other people's private notes.

    Partners see only notes marked for partners (the API applies this for them).
    """
    queryset = Annotation.objects.all() if queryset is None else queryset
    if not is_internal(user):
        return queryset.filter(visibility=AnnotationVisibility.PARTNERS)
    return queryset.exclude(~Q(author=user), visibility=AnnotationVisibility.PRIVATE)


def internal_users():
    """Active analysts, curators and admins: who may own a recommendation."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=INTERNAL_ROLES) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "email")
    )


def normalised_title(title: str) -> str:
    words = _NOISE.sub(" ", title.casefold().replace("-", " ")).split()
    return " ".join(w for w in words if w not in _STOPWORDS)


@dataclass(frozen=True)
class DuplicateCandidate:
    first: Record
    second: Record
    similarity: float


def duplicate_candidates(model: type[Record], *, threshold: float = DUPLICATE_SIMILARITY):
    """Pairs of live records of one kind whose titles read as the same thing.

    Quadratic in the number of records of a kind, which is fine for curation
    lists of thousands; exact normalised matches are found first, cheaply.
    """
    records = list(model.objects.only("pk", "title", "slug").order_by("pk"))
    keys = [(record, normalised_title(record.title)) for record in records]
    pairs = []
    for i, (first, first_key) in enumerate(keys):
        for second, second_key in keys[i + 1 :]:
            if first_key == second_key:
                score = 1.0
            else:
                score = difflib.SequenceMatcher(None, first_key, second_key).ratio()
            if score >= threshold:
                pairs.append(DuplicateCandidate(first, second, round(score, 3)))
    return sorted(pairs, key=lambda p: -p.similarity)


# ---- What each user may read (the API applies these; partners see published things only) ----


def records_visible_to(user, model: type[Record]):
    """Live records of `model` the user may read: everything internal, or published only."""
    queryset = model.objects.all()
    if is_internal(user):
        return queryset
    return queryset.filter(visibility=Visibility.PUBLISHED)


def sources_visible_to(user):
    """Partners read published sources only; a source's full text is never shown by accident."""
    if is_internal(user):
        return Source.objects.all()
    return Source.objects.filter(visibility=Visibility.PUBLISHED)


def _evidence_for_published_records():
    """Live evidence links whose record is live and published, across the four kinds."""
    condition = Q()
    for model in RECORD_MODELS:
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model.objects.filter(visibility=Visibility.PUBLISHED).values("pk"),
        )
    return RecordEvidence.objects.filter(condition)


def excerpts_visible_to(user):
    """Partners read an excerpt when its source is published or it backs a published record.

    The quote a published record cites is part of that record; the rest of an
    unpublished brief is not.
    """
    if is_internal(user):
        return Excerpt.objects.all()
    return Excerpt.objects.filter(
        Q(source__visibility=Visibility.PUBLISHED, source__deleted_at__isnull=True)
        | Q(pk__in=_evidence_for_published_records().values("excerpt_id"))
    )


def api_annotations_visible_to(user, queryset=None):
    """`annotations_visible_to`, and for partners only notes on things they can see."""
    queryset = annotations_visible_to(user, queryset)
    if is_internal(user):
        return queryset
    on_visible = Q(excerpt__in=excerpts_visible_to(user).values("pk"))
    for model in RECORD_MODELS:
        on_visible |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=records_visible_to(user, model).values("pk"),
        )
    return queryset.filter(on_visible)
