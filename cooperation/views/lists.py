"""Lists of every record kind, sources and notes: filters, search, order, pages, CSV.

Each list is one `ListSpec`: the model's FilterSet (the same class the API uses),
the queryset with what its rows show already joined or prefetched, the table's
columns and the CSV columns. The page and the export run the very same FilterSet
over the very same queryset, so the export is exactly the filtered, ordered list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.forms import MultiWidget, NullBooleanSelect, TextInput
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.decorators import internal_user_required
from cooperation import exports
from cooperation.choices import CLOSED_RECOMMENDATION_STATUSES
from cooperation.exchange import KINDS as JSON_EXPORT_KINDS
from cooperation.exchange import export as exchange_export
from cooperation.filtersets import (
    AgreementFilterSet,
    AnnotationFilterSet,
    ChallengeFilterSet,
    DealFilterSet,
    RecommendationFilterSet,
    SearchFilterSet,
    SourceFilterSet,
)
from cooperation.models import (
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationResponse,
    Source,
)
from cooperation.permissions import may
from cooperation.selectors import annotations_visible_to
from cooperation.views import bulk, saved_views

PAGE_SIZES = (10, 25, 50, 100)
RESPONSE_ORDER = ("responded_on", "id")
DEFAULT_PAGE_SIZE = 25
# Query-string keys that belong to the page, not to the FilterSet.
PAGE_PARAMS = ("page", "per_page")


@dataclass(frozen=True)
class Header:
    """A table column heading; `order` names the FilterSet ordering parameter that sorts it."""

    label: str
    order: str = ""
    numeric: bool = False


@dataclass(frozen=True)
class ListSpec:
    key: str  # the model name in URL names: cooperation:<key>_list, <key>_export
    path: str  # URL prefix: "agreements"
    filterset_class: type[SearchFilterSet]
    queryset: Callable[[object], QuerySet]  # request -> base queryset
    headers: tuple[Header, ...]
    export_columns: list[exports.Column]
    noun: str  # singular, lower case
    noun_plural: str
    title: str
    create_url_name: str = ""
    create_model: str = ""  # "app.model": the create link shows when the table allows it
    # Filters the API and links use but the page does not offer as a control (their
    # choices would be every row of a large table); a value given in the URL still applies.
    hidden_filters: tuple[str, ...] = ()
    extra_context: dict = field(default_factory=dict)

    @property
    def row_template(self) -> str:
        return f"cooperation/lists/rows/{self.key}.html"


def _live_count(through_model, target: str, counted: str) -> Coalesce:
    """Live rows linked through an m2m table, counted in a subquery (no join fan-out)."""
    links = (
        through_model.objects.filter(**{target: OuterRef("pk"), f"{counted}__deleted_at": None})
        .order_by()
        .values(target)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(links, output_field=IntegerField()), 0)


def _record_prefetch(qs: QuerySet, *relations: str) -> QuerySet:
    return qs.prefetch_related("actors", "topics", "tags", *relations)


def _agreements(request) -> QuerySet:
    return _record_prefetch(Agreement.objects.all(), "parties", "amends", "supersedes")


def _deals(request) -> QuerySet:
    return _record_prefetch(Deal.objects.select_related("supplier", "recipient"), "governed_by")


def _challenges(request) -> QuerySet:
    return _record_prefetch(
        Challenge.objects.all(), "affects_deals", "affects_agreements"
    ).annotate(
        recommendation_count=_live_count(
            Recommendation.addresses.through, "challenge", "recommendation"
        )
    )


def _recommendations(request) -> QuerySet:
    overdue = Q(target_date__lt=timezone.localdate()) & ~Q(
        status__in=CLOSED_RECOMMENDATION_STATUSES
    )
    return _record_prefetch(
        Recommendation.objects.select_related("owner"),
        "addressed_to",
        "addresses",
        Prefetch("responses", queryset=RecommendationResponse.objects.order_by(*RESPONSE_ORDER)),
    ).annotate(is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()))


def _sources(request) -> QuerySet:
    live_excerpts = (
        Excerpt.objects.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # The full text can run to megabytes; a list never needs it.
    return Source.objects.defer("text", "furniture").annotate(
        excerpt_count=Coalesce(Subquery(live_excerpts, output_field=IntegerField()), 0)
    )


def _annotations(request) -> QuerySet:
    qs = (
        Annotation.objects.select_related("author", "excerpt__source", "spine")
        .defer("excerpt__source__text", "excerpt__source__furniture")
        .prefetch_related("tags")
    )
    return annotations_visible_to(request.user, qs)


_RECORD_HEADERS_END = (Header("Visibility", "visibility"), Header("Updated", "updated"))


def _record_spec(
    key: str,
    plural: str,
    filterset_class: type[SearchFilterSet],
    queryset: Callable[[object], QuerySet],
    headers: tuple[Header, ...],
    export_columns: list[exports.Column],
) -> ListSpec:
    """A record kind's list: its path, nouns, title and create link all follow from its name."""
    return ListSpec(
        key=key,
        path=plural,
        filterset_class=filterset_class,
        queryset=queryset,
        headers=(*headers, *_RECORD_HEADERS_END),
        export_columns=export_columns,
        noun=key,
        noun_plural=plural,
        title=plural.capitalize(),
        create_url_name=f"cooperation:{key}_create",
        create_model=f"cooperation.{key}",
    )


SPECS: dict[str, ListSpec] = {
    spec.key: spec
    for spec in (
        _record_spec(
            "agreement",
            "agreements",
            AgreementFilterSet,
            _agreements,
            (
                Header("Title", "title"),
                Header("Kind", "kind"),
                Header("Status", "status"),
                Header("Parties"),
                Header("Signed", "signed"),
            ),
            exports.AGREEMENT_COLUMNS,
        ),
        _record_spec(
            "deal",
            "deals",
            DealFilterSet,
            _deals,
            (
                Header("Title", "title"),
                Header("Kind", "kind"),
                Header("Status", "status"),
                Header("Supplier → recipient"),
                Header("Period starts", "period_start"),
            ),
            exports.DEAL_COLUMNS,
        ),
        _record_spec(
            "challenge",
            "challenges",
            ChallengeFilterSet,
            _challenges,
            (
                Header("Title", "title"),
                Header("Category", "category"),
                Header("Severity", "severity"),
                Header("Recommendations", numeric=True),
            ),
            exports.CHALLENGE_COLUMNS,
        ),
        _record_spec(
            "recommendation",
            "recommendations",
            RecommendationFilterSet,
            _recommendations,
            (
                Header("Title", "title"),
                Header("Status", "status"),
                Header("Priority", "priority"),
                Header("Owner"),
                Header("Target date", "target_date"),
                Header("Addressed to"),
            ),
            exports.RECOMMENDATION_COLUMNS,
        ),
        ListSpec(
            key="source",
            path="sources",
            filterset_class=SourceFilterSet,
            queryset=_sources,
            headers=(
                Header("Title", "title"),
                Header("Publisher"),
                Header("Reference"),
                Header("Published", "published"),
                Header("Excerpts", numeric=True),
                Header("Visibility"),
            ),
            export_columns=exports.SOURCE_COLUMNS,
            noun="source",
            noun_plural="sources",
            title="Sources",
            create_url_name="cooperation:source_import",
            create_model="cooperation.source",
        ),
        ListSpec(
            key="annotation",
            path="notes",
            filterset_class=AnnotationFilterSet,
            queryset=_annotations,
            headers=(
                Header("Note"),
                Header("On"),
                Header("Author"),
                Header("Kind"),
                Header("Visible to"),
                Header("Resolved"),
                Header("Written", "created"),
            ),
            export_columns=exports.ANNOTATION_COLUMNS,
            noun="note",
            noun_plural="notes",
            title="Notes",
            hidden_filters=("excerpt",),
        ),
    )
}


# -- shared by the page and the export ------------------------------------------------------


def filtered(spec: ListSpec, request) -> SearchFilterSet:
    """The spec's FilterSet bound to the query string (page keys left out)."""
    data = request.GET.copy()
    for key in PAGE_PARAMS:
        data.pop(key, None)
    return spec.filterset_class(data=data, queryset=spec.queryset(request), request=request)


def _ordering_params(filterset: SearchFilterSet) -> set[str]:
    ordering = filterset.filters.get("ordering")
    return set(ordering.param_map) if ordering is not None else set()


def page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _query(params, **changes) -> str:
    """The current query string with some keys replaced (None drops a key)."""
    data = params.copy()
    for key, value in changes.items():
        data.pop(key, None)
        if value is not None:
            data[key] = value
    encoded = data.urlencode()
    return f"?{encoded}" if encoded else "?"


def _sort_headers(spec: ListSpec, filterset: SearchFilterSet, params) -> list[dict]:
    """Each heading with, when the FilterSet can order by it, a link and its aria-sort state."""
    allowed = _ordering_params(filterset)
    current = (params.get("ordering") or "").split(",")[0].strip()
    headers = []
    for header in spec.headers:
        entry = {"label": header.label, "numeric": header.numeric, "sort": None}
        if header.order and header.order in allowed:
            if current == header.order:
                state, next_order = "ascending", f"-{header.order}"
            elif current == f"-{header.order}":
                state, next_order = "descending", header.order
            else:
                state, next_order = "none", header.order
            entry["sort"] = {
                "state": state,
                "url": _query(params, ordering=next_order, page=None),
                "next": "descending" if next_order.startswith("-") else "ascending",
            }
        headers.append(entry)
    return headers


def _prepare_form(form, spec: ListSpec) -> list[str]:
    """Accessible widgets: a search box for `q`, date pickers with a label on each end.

    Returns the errors of the values the form does not show (ordering, hidden filters).
    """
    hidden_errors = []
    for name in ("ordering", *spec.hidden_filters):
        if form.fields.pop(name, None) is not None and name in form.errors:
            hidden_errors += [
                f"{name.replace('_', ' ').capitalize()}: {e}" for e in form.errors[name]
            ]
    for name, form_field in form.fields.items():
        widget = form_field.widget
        if name == "q":
            widget.input_type = "search"
        if isinstance(widget, NullBooleanSelect):
            widget.choices = (("unknown", "Any"), ("true", "Yes"), ("false", "No"))
        if name in form.errors:
            widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}_error"})
        if isinstance(widget, MultiWidget):
            label = str(form_field.label or name.replace("_", " ").capitalize())
            for sub, end in zip(widget.widgets, ("from", "to"), strict=False):
                if isinstance(sub, TextInput):
                    sub.input_type = "date"
                sub.attrs["aria-label"] = f"{label} {end}"
    return hidden_errors


def _active_filters(filterset: SearchFilterSet) -> bool:
    """Whether any filter besides the search box is set (the filter panel then starts open)."""
    return any(
        any(value.strip() for value in values)
        for key, values in filterset.data.lists()
        if key not in ("q", "ordering")
    )


# -- views ----------------------------------------------------------------------------------


@require_safe
@internal_user_required
def list_view(request, *, key: str):
    spec = SPECS[key]
    filterset = filtered(spec, request)
    form = filterset.form
    rows = filterset.qs  # validates the form; invalid fields are left out and shown as errors
    hidden_errors = _prepare_form(form, spec)
    per_page = page_size(request)
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    export_params = params.copy()
    for key_ in PAGE_PARAMS:
        export_params.pop(key_, None)
    create_url = ""
    if spec.create_url_name and may(request.user, "create", apps.get_model(spec.create_model)):
        create_url = reverse(spec.create_url_name)
    context = {
        "spec": spec,
        "filterset": filterset,
        "form": form,
        "search_field": form["q"],
        "other_fields": [form[name] for name in form.fields if name != "q"],
        "filters_active": _active_filters(filterset),
        "hidden_errors": hidden_errors,
        "page_obj": page,
        "rows": page.object_list,
        "headers": _sort_headers(spec, filterset, params),
        "ordering": params.get("ordering", ""),
        "hidden_values": [
            (name, value) for name in spec.hidden_filters for value in params.getlist(name)
        ],
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "previous_url": _query(params, page=page.previous_page_number())
        if page.has_previous()
        else "",
        "next_url": _query(params, page=page.next_page_number()) if page.has_next() else "",
        "export_url": reverse(f"cooperation:{spec.key}_export")
        + (f"?{export_params.urlencode()}" if export_params else ""),
        "json_export_url": reverse(f"cooperation:{spec.key}_json_export")
        + (f"?{export_params.urlencode()}" if export_params else "")
        if spec.key in JSON_EXPORT_KINDS
        else "",
        "clear_url": reverse(f"cooperation:{spec.key}_list"),
        "create_url": create_url,
        **_bulk_context(request, spec),
        # The "Saved views" menu and its "Save this view" form (views/saved_views.py).
        **saved_views.menu_context(request, spec.key),
        "today": timezone.localdate(),
        **spec.extra_context,
    }
    return render(request, "cooperation/lists/list.html", context)


def _bulk_context(request, spec: ListSpec) -> dict:
    """The bulk-action form of a record list, when the user may take any action on it."""
    model = bulk.KINDS.get(spec.key)
    if model is None or not bulk.offered_actions(request.user, model):
        return {}
    form = bulk.BulkForm(user=request.user, model=model, auto_id="id_bulk_%s")
    return {"bulk_form": form, "bulk_url": reverse(f"cooperation:{spec.key}_bulk")}


@require_safe
@internal_user_required
def export_view(request, *, key: str):
    spec = SPECS[key]
    filterset = filtered(spec, request)
    # Chunked iteration keeps memory flat on long exports; prefetches run once per chunk.
    rows = filterset.qs.iterator(chunk_size=500)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.csv_response(spec.export_columns, rows, f"contours-{spec.path}-{stamp}.csv")


@require_safe
@internal_user_required
def json_export_view(request, *, key: str):
    """The filtered list as the records' JSON export (cooperation/exchange/export.py): each
    record with its evidence, timeline and responses, then the sources they cite."""
    spec = SPECS[key]
    filterset = filtered(spec, request)
    rows = filterset.qs  # an invalid filter is left out, as the page and the CSV leave it
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exchange_export.response(request.user, [rows], f"contours-{spec.path}-{stamp}.json")


def _urls() -> list:
    patterns = []
    for spec in SPECS.values():
        patterns += [
            path(f"{spec.path}/", list_view, {"key": spec.key}, name=f"{spec.key}_list"),
            path(
                f"{spec.path}/export.csv", export_view, {"key": spec.key}, name=f"{spec.key}_export"
            ),
        ]
        if spec.key in JSON_EXPORT_KINDS:
            patterns.append(
                path(
                    f"{spec.path}/export.json",
                    json_export_view,
                    {"key": spec.key},
                    name=f"{spec.key}_json_export",
                )
            )
    return patterns


urlpatterns = _urls()
