"""The recommendations board: what RecommendationFilterSet keeps, one column per status.

A read built on a FilterSet, so it sits above `filtersets.py` (which itself asks
`selectors.py` what a reader may see): the imports go one way.
"""

from __future__ import annotations

from django.utils import timezone

from cooperation.choices import (
    CLOSED_RECOMMENDATION_STATUSES,
    RANKS,
    Priority,
    RecommendationStatus,
)
from cooperation.filtersets import RecommendationFilterSet
from cooperation.models import Recommendation


def recommendation_board(params, *, limit: int | None = None):
    """The recommendations `params` filter to (RecommendationFilterSet), one column per status.

    Returns the filterset (for its form) and the columns in RecommendationStatus order,
    each with its count and its first `limit` cards (all without a limit), high
    priority first, then by target date. One query.
    """
    filterset = RecommendationFilterSet(
        params or None, queryset=Recommendation.objects.select_related("owner")
    )
    today = timezone.localdate()
    priority_rank = RANKS[Priority]
    columns = {value: [] for value in RecommendationStatus.values}
    for recommendation in filterset.qs:
        recommendation.is_overdue = (
            recommendation.target_date is not None
            and recommendation.target_date < today
            and recommendation.status not in CLOSED_RECOMMENDATION_STATUSES
        )
        columns[recommendation.status].append(recommendation)
    for cards in columns.values():
        cards.sort(
            key=lambda r: (
                -priority_rank.get(r.priority, -1),
                r.target_date is None,
                r.target_date or today,
                r.title.casefold(),
                r.pk,
            )
        )
    return filterset, [
        {
            "status": value,
            "label": label,
            "count": len(columns[value]),
            "cards": columns[value][:limit],
            "more": max(0, len(columns[value]) - limit) if limit is not None else 0,
            # Moving here closes the recommendation, which needs evidence (the services).
            "closing": value in CLOSED_RECOMMENDATION_STATUSES,
        }
        for value, label in RecommendationStatus.choices
    ]
