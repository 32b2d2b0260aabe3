"""A source's details, edited in the workspace (cooperation.services.source_metadata_update)."""

from __future__ import annotations

import re
from datetime import date

from django import forms

from cooperation.choices import DatePrecision
from cooperation.forms.common import add_service_errors
from cooperation.models import Source

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(text: str) -> tuple[date | None, str]:
    """ "2015", "2015-12" or "2015-12-12" as (date, precision); "" as (None, "").

    Raises ValueError for anything else, impossible dates included.
    """
    text = text.strip()
    if not text:
        return None, ""
    match = _PARTIAL_DATE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = match.groups()
    value = date(int(year), int(month or 1), int(day or 1))
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return value, precision


def format_partial_date(value: date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{value:%Y-%m}"
    return value.isoformat()


class SourceMetadataForm(forms.Form):
    """Title, authors, publisher, date (as precise as the brief), reference and URL.

    `expected_version` is the version the person opened; the service refuses the save
    (ConflictError) when someone saved in between, as the record forms do.
    """

    title = forms.CharField(max_length=Source._meta.get_field("title").max_length)
    authors = forms.CharField(
        max_length=Source._meta.get_field("authors").max_length, required=False
    )
    publisher = forms.CharField(
        max_length=Source._meta.get_field("publisher").max_length, required=False
    )
    published = forms.CharField(
        label="Date",
        required=False,
        max_length=10,
        help_text="As precise as the brief: 2015, 2015-12 or 2015-12-12.",
    )
    reference_code = forms.CharField(
        label="Reference",
        max_length=Source._meta.get_field("reference_code").max_length,
        required=False,
    )
    url = forms.URLField(
        label="URL",
        max_length=Source._meta.get_field("url").max_length,
        required=False,
        assume_scheme="https",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)

    @classmethod
    def for_source(cls, source: Source, **kwargs) -> SourceMetadataForm:
        initial = {name: getattr(source, name) for name in ("title", "authors", "publisher")}
        initial.update(
            reference_code=source.reference_code,
            url=source.url,
            published=format_partial_date(source.published_on, source.published_on_precision),
            expected_version=source.version,
        )
        return cls(initial=initial, **kwargs)

    def clean_published(self) -> tuple[date | None, str]:
        try:
            return parse_partial_date(self.cleaned_data["published"])
        except ValueError:
            raise forms.ValidationError(
                "Enter a year (2015), a month (2015-12) or a day (2015-12-12).", code="invalid"
            ) from None

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in ("title", "authors", "publisher", "reference_code", "url")
        }
        data["published_on"], data["published_on_precision"] = self.cleaned_data["published"]
        return data

    def add_service_errors(self, exc) -> None:
        add_service_errors(
            self,
            exc,
            field_map={"published_on": "published", "published_on_precision": "published"},
        )
