"""The charts page (/charts/, linked from the dashboard): the corpus drawn, each chart over
what the reader may read, each mark a link to the list of its rows (cooperation/charts/)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from accounts.decorators import internal_user_required
from cooperation.charts import data, svg


@require_safe
@internal_user_required
def charts(request):
    user = request.user
    timeline = data.status_over_time(user)
    coverage = data.coverage(user)
    years = data.agreements_by_year(user)
    deals = data.deals_by_status(user)
    undated = (
        f" {years.undated} agreement{'s' if years.undated != 1 else ''} with no signing date"
        " not drawn."
        if years.undated
        else ""
    )
    context = {
        "timeline": timeline,
        "timeline_svg": svg.small_multiples(
            timeline, ident="chart-timeline", title="Recommendations by status over time"
        ),
        "coverage": coverage,
        "coverage_svg": svg.matrix(
            coverage, ident="chart-coverage", title="Which recommendations answer which challenges"
        ),
        "years": years,
        "years_svg": svg.columns(
            years.bars,
            ident="chart-years",
            title="Agreements by year signed",
            noun="agreements",
            note=undated,
        ),
        "deals": deals,
        "deals_total": sum(bar.count for bar in deals),
        "deals_svg": svg.horizontal_bars(
            deals, ident="chart-deals", title="Deals by status", noun="deals"
        ),
    }
    return render(request, "cooperation/charts/charts.html", context)


urlpatterns = [path("charts/", charts, name="charts")]
