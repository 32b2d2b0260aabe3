"""The curators' admin. Importing this package registers every model admin."""

from . import annotations, records, sources, taxonomy, tracking

__all__ = ["annotations", "records", "sources", "taxonomy", "tracking"]
