"""The analyst workspace's pages. Each block belongs to one views module."""

from cooperation.views import (
    annotations,
    dashboard,
    lists,
    reader,
    recommendations,
    records,
    search,
)

app_name = "cooperation"

# Lists, CSV exports, the dashboard and the one search (views/lists.py, dashboard.py, search.py).
list_patterns = [
    *lists.urlpatterns,
    *dashboard.urlpatterns,
    *search.urlpatterns,
]

# Record pages, create/edit forms, history and restore (views/records.py).
record_patterns = [*records.urlpatterns]

# Recommendation transitions, proposals and the board (views/recommendations.py).
recommendation_patterns = [*recommendations.urlpatterns]

# Annotation threads (views/annotations.py).
annotation_patterns = [*annotations.urlpatterns]

# The source reader and evidence from a selection (views/reader.py).
reader_patterns = [*reader.urlpatterns]

urlpatterns = [
    *list_patterns,
    *record_patterns,
    *recommendation_patterns,
    *annotation_patterns,
    *reader_patterns,
]
