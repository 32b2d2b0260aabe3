"""CSV export of a list: the same filters and order, streamed row by row with a header row."""

from __future__ import annotations

import csv
import json

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

# Cells a spreadsheet would run as a formula are prefixed with a quote (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 500


class CSVRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through content negotiation; errors still render readably."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return json.dumps(data).encode("utf-8")


class _Echo:
    def write(self, value):
        return value


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(cell(item) for item in value)
    if isinstance(value, dict):
        # A typed link by its slug, a response by its classification; others by their id.
        for key in ("slug", "excerpt", "classification", "id", "to_status"):
            if value.get(key) is not None:
                return cell(value[key])
        return json.dumps(value, sort_keys=True)
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# Left out of the CSV: every claim is in the JSON export; `provenance` says the shown ones.
_NOT_IN_CSV = {"claims"}


def provenance_cell(provenance: dict) -> str:
    """The `provenance` column: compact JSON, field → {basis, claim, and the excerpt ids,
    the citation's title and URL, or the judgement's reason}; `disputed` when it is."""
    compact = {}
    for name, entry in sorted((provenance or {}).items()):
        item = {"basis": entry["basis"], "claim": entry["id"]}
        if entry.get("excerpts"):
            item["excerpts"] = entry["excerpts"]
        if entry.get("citation"):
            item["citation"] = {k: v for k, v in entry["citation"].items() if v}
        if entry.get("reason"):
            item["reason"] = entry["reason"]
        if entry.get("disputed"):
            item["disputed"] = True
        compact[name] = item
    return json.dumps(compact, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stream_csv(queryset, serializer_class, context: dict, filename: str) -> StreamingHttpResponse:
    fields = serializer_class(context=context).fields
    columns = [
        name for name, field in fields.items() if not field.write_only and name not in _NOT_IN_CSV
    ]
    reads_claims = "provenance" in columns

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow(columns)
        chunk = []
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
            chunk.append(obj)
            if len(chunk) == CHUNK_SIZE:
                yield from _chunk_rows(writer, chunk)
                chunk = []
        yield from _chunk_rows(writer, chunk)

    def _chunk_rows(writer, chunk):
        if reads_claims and chunk:
            from cooperation.api.provenance import read_claims
            from cooperation.api.serializers import readable_sources

            spines = [obj.spine_id for obj in chunk]
            found = read_claims(spines, readable_sources=readable_sources(context.get("request")))
            context["claims_cache"] = {spine: found.get(spine, []) for spine in spines}
        for obj in chunk:
            data = serializer_class(obj, context=context).data
            yield writer.writerow(
                [
                    provenance_cell(data.get(column))
                    if column == "provenance"
                    else cell(data.get(column))
                    for column in columns
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
