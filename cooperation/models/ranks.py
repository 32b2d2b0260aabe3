"""Sort ranks of ordered choices (priority, severity): low → high, not alphabetical.

One expression serves the FilterSets' ordering and the expression indexes that
answer it: PostgreSQL uses an expression index only when the query repeats the
indexed expression exactly.
"""

from django.db.models import Case, IntegerField, Value, When

from cooperation.choices import RANKS


def choice_rank(field: str, choices) -> Case:
    """`field`'s rank in `choices` (cooperation.choices.RANKS); an unknown value sorts last."""
    ranks = RANKS[choices]
    return Case(
        *(When(**{field: value}, then=Value(rank)) for value, rank in ranks.items()),
        default=Value(len(ranks)),
        output_field=IntegerField(),
    )
