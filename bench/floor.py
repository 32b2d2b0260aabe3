"""The machine's floor, measured in the same run as the portal (docs/benchmarks.md).

- `static`: a constant JsonResponse through every middleware: what Django and gunicorn
  cost before any view does anything;
- `raw_sql`: a plain Django view running one raw SQL statement for the partner list's
  first page (the same 50 published recommendations in the same order, their own
  columns only) and answering it as JSON.

No authentication, no throttle: the floor is what any view costs on this machine.
"""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse

PAGE_SIZE = 50
PAGE_SQL = """
SELECT id, slug, title, status, priority, updated_at
  FROM cooperation_recommendation
 WHERE deleted_at IS NULL AND visibility = 'published'
 ORDER BY title, id
 LIMIT %s
"""
_COLUMNS = ("id", "slug", "title", "status", "priority", "updated_at")


def static(request):
    return JsonResponse({"status": "ok", "floor": "static"})


def raw_sql(request):
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, [PAGE_SIZE])
        rows = cursor.fetchall()
    return JsonResponse({"results": [dict(zip(_COLUMNS, row, strict=True)) for row in rows]})
