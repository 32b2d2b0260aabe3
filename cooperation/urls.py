"""The analyst workspace's pages. Each block belongs to one views module.

Order matters: fixed paths (board, new, export.csv, import) come before the
`<slug>`/`<pk>` patterns of the same prefix.
"""

from cooperation.views import (
    annotations,
    bulk,
    charts,
    claims,
    dashboard,
    jobs,
    lists,
    lookups,
    notifications,
    reader,
    recommendations,
    records,
    saved_views,
    search,
    sources,
)

app_name = "cooperation"

urlpatterns = [
    # Recommendation tracking: transitions, proposals, responses and the board.
    *recommendations.urlpatterns,
    # Lists, CSV exports, the dashboard and the one search.
    *lists.urlpatterns,
    # Bulk actions on the record lists' selected rows, one service call a row.
    *bulk.urlpatterns,
    *dashboard.urlpatterns,
    # Charts of the corpus, drawn on the server as SVG.
    *charts.urlpatterns,
    *search.urlpatterns,
    # Annotation threads.
    *annotations.urlpatterns,
    # Background jobs (a large import): progress and retry.
    *jobs.urlpatterns,
    # The source reader and evidence from a selection.
    *reader.urlpatterns,
    # A source's details (title, authors, date, …) edited, with history.
    *sources.urlpatterns,
    # JSON lookups for the record forms' pickers and @mention completion.
    *lookups.urlpatterns,
    # Notifications, their settings, and watching a record.
    *notifications.urlpatterns,
    # Saved views: a list's filters under a name, their shareable links (/views/).
    *saved_views.urlpatterns,
    # The record page's claims panel (add, rank) and the list of disagreements.
    *claims.urlpatterns,
    # Record pages, create/edit, history and restore, trash, publishing.
    *records.urlpatterns,
]
