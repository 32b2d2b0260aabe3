"""The precision kept beside a date (cooperation/precise_dates.py)."""

from django.db import models

from cooperation.choices import DatePrecision


def precision(what: str) -> models.CharField:
    """`<date>_precision`: year, month or day; blank for a day, as before it was kept."""
    return models.CharField(
        max_length=8,
        choices=DatePrecision,
        blank=True,
        help_text=f"How much of the {what} is known (a brief often gives only a year).",
    )
