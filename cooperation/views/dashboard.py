"""The dashboard (served at / as "home", see portal/urls.py): where things stand at a glance."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import connection
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.decorators import internal_user_required, partners_to_api_access
from cooperation import selectors
from cooperation.forms.dashboard import DashboardSourceForm
from cooperation.models import RECORD_MODELS, Claim
from cooperation.views.claims import unresolved_count

urlpatterns: list = []

# Geometry of the status chart, in SVG user units (the picture scales to its box).
CHART_LABEL_WIDTH = 150
CHART_BAR_SPACE = 380
CHART_ROW_HEIGHT = 34
CHART_BAR_HEIGHT = 22
CHART_PADDING = 8


def status_chart(statuses: list[dict]) -> dict:
    """Bars for a horizontal bar chart of recommendation statuses, laid out on the server.

    Each bar carries its label and count as text, so the chart reads without colour,
    and links to the list filtered by that status.
    """
    peak = max((row["count"] for row in statuses), default=0)
    list_url = reverse("cooperation:recommendation_list")
    bars = []
    for index, row in enumerate(statuses):
        width = round(CHART_BAR_SPACE * row["count"] / peak) if peak else 0
        y = CHART_PADDING + index * CHART_ROW_HEIGHT
        bars.append(
            {
                **row,
                "y": y,
                "text_y": y + CHART_BAR_HEIGHT / 2 + 5,
                "width": max(width, 2 if row["count"] else 0),
                "count_x": CHART_LABEL_WIDTH + 10 + max(width, 0) + 6,
                "url": f"{list_url}?status={row['value']}",
            }
        )
    return {
        "bars": bars,
        "total": sum(row["count"] for row in statuses),
        "width": CHART_LABEL_WIDTH + 10 + CHART_BAR_SPACE + 50,
        "height": CHART_PADDING * 2 + len(statuses) * CHART_ROW_HEIGHT,
        "bar_x": CHART_LABEL_WIDTH + 10,
        "label_x": CHART_LABEL_WIDTH,
        "bar_height": CHART_BAR_HEIGHT,
    }


# The shared part of the dashboard is kept this long at most, whatever the data stamp says.
SHARED_TIMEOUT_SECONDS = 300


# Claims too: ranking a claim the record doesn't show writes no record row, and the
# dashboard counts the disagreements left unresolved.
STAMPED_MODELS = (*RECORD_MODELS, Claim)


def data_stamp() -> tuple:
    """Changes whenever anything the shared dashboard shows can have changed.

    Every write to a record goes through a service that sets its `updated_at`
    (creates, edits, links, status moves, trash and restore), every claim write sets its
    claim's, and a new row raises the table's highest id; all are read off indexes in one
    query. Today's date
    is part of it because "overdue" moves at midnight.
    """
    parts = ", ".join(
        f"(SELECT MAX(updated_at) FROM {table}), (SELECT MAX(id) FROM {table})"
        for table in (connection.ops.quote_name(m._meta.db_table) for m in STAMPED_MODELS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        stamp = tuple(str(value) for value in cursor.fetchone())
    return (*stamp, timezone.localdate().isoformat())


def shared_context(sources: tuple[int, ...] = ()) -> dict:
    """What every internal user sees alike: counts, the chart, gaps, overdue items, activity;
    with `sources`, of the records those briefs attest (recent activity stays the corpus's).

    At 100,000 records these aggregates are most of the page's cost, so each worker keeps
    them under the data stamp: any write (from any worker or process) makes a new stamp.
    """
    stamp = repr((data_stamp(), sources)).encode()
    key = "dashboard:shared:" + hashlib.sha256(stamp).hexdigest()
    context = cache.get(key)
    if context is None:
        kinds = selectors.record_counts(sources)
        recommendations = next(kind for kind in kinds if kind["key"] == "recommendation")
        unaddressed_count, unaddressed = selectors.unaddressed_challenges(sources=sources)
        overdue_count, overdue = selectors.overdue_recommendations(sources=sources)
        context = {
            "kinds": kinds,
            "chart": status_chart(recommendations["statuses"]),
            "unaddressed": unaddressed,
            "unaddressed_count": unaddressed_count,
            "overdue": overdue,
            "overdue_count": overdue_count,
            "activity": selectors.recent_activity(),
            "disagreements_count": unresolved_count(),
        }
        cache.set(key, context, SHARED_TIMEOUT_SECONDS)
    return context


@require_safe
@partners_to_api_access
@internal_user_required
def dashboard(request):
    """The dashboard; `?source=<id>` (repeatable) narrows it to what those briefs attest."""
    form = DashboardSourceForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        form.offer_options(chosen=form.asked_for())
        context = {"source_form": form, "kinds": [], "mine": []}
        return render(request, "cooperation/dashboard/dashboard.html", context, status=400)
    sources = form.cleaned_data["source"] if form.is_bound else []
    form.offer_options(chosen=sources)
    ids = tuple(sorted(source.pk for source in sources))
    context = {
        **shared_context(ids),
        "mine": selectors.open_items_for(request.user),
        "source_form": form,
        "filtered_by": sources,
        "source_query": "".join(f"&source={pk}" for pk in ids),
    }
    return render(request, "cooperation/dashboard/dashboard.html", context)
