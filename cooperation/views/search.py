"""One search across records, sources, excerpts and notes, grouped by kind.

Each group runs `cooperation.search.search` (ranked full-text on PostgreSQL, the
fallback on SQLite) and shows its count and best matches. Snippets come from
PostgreSQL's ts_headline where available; elsewhere the matching words are found
in Python. Either way the text is escaped first and only our own markers become
<mark>, so nothing a user typed into a note can turn into markup here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db.models import CharField, QuerySet
from django.db.models.functions import Left
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from accounts.decorators import internal_user_required
from cooperation.markdown import markdown_plain_text
from cooperation.models import (
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    Source,
)
from cooperation.models.search import SEARCH_CONFIG, SOURCE_TEXT_INDEXED_CHARS
from cooperation.search import normalise_query, order_by_rank, search, uses_postgres
from cooperation.selectors import annotations_visible_to

HITS_PER_GROUP = 5
SNIPPET_CHARS = 220
# Markers ts_headline puts around matches: control characters no text of ours contains,
# so escaping the text leaves them in place to become <mark> afterwards.
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_OPERATORS = {"or", "and", "not"}


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    snippet_field: str
    list_url_name: str = ""

    def base_queryset(self, request) -> QuerySet:
        return _BASES[self.key](request)


_BASES = {
    "agreement": lambda request: Agreement.objects.all(),
    "deal": lambda request: Deal.objects.all(),
    "challenge": lambda request: Challenge.objects.all(),
    "recommendation": lambda request: Recommendation.objects.all(),
    "source": lambda request: Source.objects.defer("text", "furniture"),
    "excerpt": lambda request: Excerpt.objects.select_related("source").defer(
        "source__text", "source__furniture"
    ),
    "annotation": lambda request: annotations_visible_to(
        request.user,
        Annotation.objects.select_related("author", "excerpt__source")
        .defer("excerpt__source__text", "excerpt__source__furniture")
        .select_related("spine"),
    ),
}

GROUPS = (
    Group("agreement", "Agreements", "summary", "cooperation:agreement_list"),
    Group("deal", "Deals", "summary", "cooperation:deal_list"),
    Group("challenge", "Challenges", "summary", "cooperation:challenge_list"),
    Group("recommendation", "Recommendations", "summary", "cooperation:recommendation_list"),
    Group("source", "Sources", "text", "cooperation:source_list"),
    Group("excerpt", "Excerpts (evidence)", "exact"),
    Group("annotation", "Notes", "body", "cooperation:annotation_list"),
)


def query_words(q: str) -> list[str]:
    """The words to highlight: what was typed, less excluded words and search operators."""
    words = []
    for token in q.split():
        if token.startswith("-"):
            continue
        words += [w for w in _WORD.findall(token) if w.lower() not in _OPERATORS]
    return words


def _marked(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


def highlight(text: str, words: list[str]) -> SafeString:
    """`text` escaped, every word starting with a query word wrapped in <mark>."""
    if not words:
        return escape(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    return _marked(pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text))


def snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """A window of `text` around its first matching word, with the matches highlighted."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    positions = [lowered.find(w.lower()) for w in words]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    if start:
        # Begin at a word: the space before the cut, or the cut itself in a very long word.
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    window = text[start : start + width]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) else ""
    return highlight(prefix + window + suffix, words)


def _with_snippet_source(queryset: QuerySet, group: Group, q: str, postgres: bool) -> QuerySet:
    field = group.snippet_field
    expression = Left(field, SOURCE_TEXT_INDEXED_CHARS) if field == "text" else field
    # A note's snippet is cut from its text without Markdown markup (in _hit), never from
    # the raw Markdown that ts_headline would cut mid-marker.
    if postgres and group.key != "annotation":
        headline = SearchHeadline(
            expression,
            SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch"),
            config=SEARCH_CONFIG,
            start_sel=START,
            stop_sel=STOP,
            max_words=30,
            min_words=12,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
        return queryset.annotate(search_headline=headline)
    # SQLite: enough of a long text to find the first match in Python.
    return queryset.annotate(snippet_text=Left(expression, 20_000, output_field=CharField()))


@dataclass
class Hit:
    title: SafeString
    url: str
    snippet: SafeString
    context: str = ""


def _hit(group: Group, obj, words: list[str]) -> Hit:
    if hasattr(obj, "search_headline"):
        text = _marked(" ".join((obj.search_headline or "").split()))
    elif group.key == "annotation":
        text = snippet(markdown_plain_text(obj.snippet_text), words)
    else:
        text = snippet(obj.snippet_text or "", words)
    if group.key == "excerpt":
        return Hit(highlight(f"Passage in {obj.source.title}", words), obj.get_absolute_url(), text)
    if group.key == "annotation":
        on = ""
        if obj.spine_id:
            on = f"{obj.spine.kind_label}: {obj.spine.title}"
        elif obj.excerpt_id:
            on = f"Passage in {obj.excerpt.source.title}"
        author = obj.author.full_name or obj.author.email
        return Hit(escape(f"Note by {author}"), obj.get_absolute_url(), text, on)
    context = ""
    if group.key == "source":
        context = " · ".join(x for x in (obj.publisher, obj.reference_code) if x)
    return Hit(highlight(obj.title, words), obj.get_absolute_url(), text, context)


@require_safe
@internal_user_required
def search_view(request):
    q = normalise_query(request.GET.get("q"))
    groups = []
    total = 0
    if q:
        words = query_words(q)
        postgres = None
        for group in GROUPS:
            matches = search(group.base_queryset(request), q)
            if postgres is None:
                postgres = uses_postgres(matches)
            count = matches.count()
            hits = []
            if count:
                best = order_by_rank(_with_snippet_source(matches, group, q, postgres))
                hits = [_hit(group, obj, words) for obj in best[:HITS_PER_GROUP]]
            total += count
            list_url = ""
            if group.list_url_name and count > len(hits):
                list_url = f"{reverse(group.list_url_name)}?{urlencode({'q': q})}"
            groups.append({"group": group, "count": count, "hits": hits, "list_url": list_url})
    context = {"q": q, "groups": groups, "total": total}
    return render(request, "cooperation/search/search.html", context)


urlpatterns = [
    path("search/", search_view, name="search"),
]
