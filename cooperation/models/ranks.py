"""Sort ranks of ordered choices (priority, severity): low → high, not alphabetical.

One expression serves the FilterSets' ordering and the expression indexes that
answer it: PostgreSQL uses an expression index only when the query repeats the
indexed expression exactly.
"""

from django.db.models import Case, IntegerField, Value, When


def choice_rank(field: str, choices) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(rank)) for rank, value in enumerate(choices.values)),
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )
