"""SVG drawing for the charts: each function takes what `data.py` computed and returns
markup ready for a template, laid out on the server in SVG user units (the picture scales
to its box, static/css/charts.css).

Every piece of text is escaped here (`_text`), titles and labels alike, so a record's
title can never become markup. Each chart is an `<svg role="group">` with a `<title>` and a
`<desc>` that say what it shows; each mark is an `<a>` to the list of its rows, and says
its label and count as text, so nothing is told by colour alone. A group, not an image:
an image's children are hidden from screen readers, and its links would be focusable yet
nameless (axe's nested-interactive, tests/browser/test_accessibility.py).
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from cooperation.charts.data import Bar, Coverage, Neighbourhood, StatusTimeline

FONT_PX = 14
CHAR_PX = 7.4  # an average character of the chart's font, to fit labels without measuring


def _text(value) -> str:
    """Text or an attribute value, escaped for XML (quotes included)."""
    return escape(str(value), quote=True)


def _fit(text: str, room_px: float) -> str:
    """`text` cut (after a whole word where it can) to fit `room_px`, with an ellipsis."""
    chars = max(int(room_px / CHAR_PX), 4)
    if len(text) <= chars:
        return text
    cut = text[: chars - 1]
    if " " in cut[chars // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def _n(value: float) -> str:
    """A coordinate: whole numbers without a decimal point."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _svg(ident: str, width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    return mark_safe(
        f'<svg class="chart" role="group" aria-labelledby="{ident}-title {ident}-desc" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{_text(title)}</title>'
        f'<desc id="{ident}-desc">{_text(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _link(url: str | None, inner: str, tooltip: str) -> str:
    """A mark: a link to its list when there is one, with a tooltip naming label and count."""
    hint = f"<title>{_text(tooltip)}</title>"
    if url is None:
        return f'<g class="mark">{hint}{inner}</g>'
    return f'<a href="{_text(url)}">{hint}{inner}</a>'


def _listing(bars: list[Bar]) -> str:
    return "; ".join(f"{bar.label} {bar.count}" for bar in bars)


# -- horizontal bars (a count per category) ----------------------------------------------------

LABEL_W, BAR_SPACE, ROW_H, BAR_H, PAD = 180, 360, 34, 22, 8


def horizontal_bars(bars: list[Bar], *, ident: str, title: str, noun: str) -> SafeString:
    """One bar a category, its label left and its count right of it."""
    peak = max((bar.count for bar in bars), default=0)
    total = sum(bar.count for bar in bars)
    body = []
    for index, bar in enumerate(bars):
        y = PAD + index * ROW_H
        width = round(BAR_SPACE * bar.count / peak) if peak else 0
        width = max(width, 2 if bar.count else 0)
        text_y = y + BAR_H / 2 + 5
        inner = (
            f'<text x="{LABEL_W}" y="{_n(text_y)}" text-anchor="end">'
            f"{_text(_fit(bar.label, LABEL_W - 8))}</text>"
            f'<rect class="bar" x="{LABEL_W + 10}" y="{y}" width="{width}" height="{BAR_H}"/>'
            f'<text x="{LABEL_W + 16 + width}" y="{_n(text_y)}">{bar.count}</text>'
        )
        body.append(_link(bar.url, inner, f"{bar.label}: {bar.count} {noun}"))
    desc = f"{total} {noun}: {_listing(bars)}."
    height = PAD * 2 + len(bars) * ROW_H
    return _svg(ident, LABEL_W + 10 + BAR_SPACE + 60, height, title, desc, body)


# -- columns (a count per year) ----------------------------------------------------------------

COL_W, COL_SPACE, COL_H, AXIS_H, TOP = 40, 8, 160, 28, 24


def columns(bars: list[Bar], *, ident: str, title: str, noun: str, note: str = "") -> SafeString:
    """One column a year, oldest left, its count above it and the year below; with many
    years only every few years are labelled under the axis (each column's tooltip and
    the table still name its year)."""
    peak = max((bar.count for bar in bars), default=0)
    every = max(1, -(-len(bars) * 5 // 80))  # about 16 labels at most
    body = []
    base = TOP + COL_H
    for index, bar in enumerate(bars):
        x = PAD + index * (COL_W + COL_SPACE)
        height = round(COL_H * bar.count / peak) if peak else 0
        height = max(height, 2 if bar.count else 0)
        centre = x + COL_W / 2
        inner = (
            f'<rect class="bar" x="{x}" y="{base - height}" width="{COL_W}" height="{height}"/>'
            f'<text x="{_n(centre)}" y="{base - height - 6}" text-anchor="middle">'
            f"{bar.count}</text>"
        )
        if index % every == 0:
            inner += (
                f'<text x="{_n(centre)}" y="{base + 20}" text-anchor="middle">'
                f"{_text(bar.label)}</text>"
            )
        body.append(_link(bar.url, inner, f"{bar.label}: {bar.count} {noun}"))
    width = PAD * 2 + max(len(bars), 1) * (COL_W + COL_SPACE)
    body.insert(0, f'<line class="axis" x1="{PAD}" y1="{base}" x2="{width - PAD}" y2="{base}"/>')
    total = sum(bar.count for bar in bars)
    desc = f"{total} {noun}" + (f": {_listing(bars)}" if bars else "") + "." + note
    return _svg(ident, width, base + AXIS_H + PAD, title, desc, body)


# -- small multiples (a status's count at each year's end) ------------------------------------

SM_LABEL_W, SM_CELL_W, SM_ROW_H, SM_BAR_H = 130, 46, 62, 34


def small_multiples(timeline: StatusTimeline, *, ident: str, title: str) -> SafeString:
    """One row a status, named on its left; in it one small column a year with its count
    above, so each status is read by its place and its name, not its colour."""
    peak = max((cell.count for row in timeline.rows for cell in row.cells), default=0)
    body = []
    for row_index, row in enumerate(timeline.rows):
        top = PAD + row_index * SM_ROW_H
        base = top + SM_ROW_H - 10
        body.append(
            f'<text x="{SM_LABEL_W - 8}" y="{base - 4}" text-anchor="end">'
            f"{_text(_fit(row.label, SM_LABEL_W - 12))}</text>"
            f'<line class="axis" x1="{SM_LABEL_W}" y1="{base}" '
            f'x2="{SM_LABEL_W + len(row.cells) * SM_CELL_W}" y2="{base}"/>'
        )
        for index, cell in enumerate(row.cells):
            x = SM_LABEL_W + index * SM_CELL_W + 6
            height = round(SM_BAR_H * cell.count / peak) if peak else 0
            height = max(height, 2 if cell.count else 0)
            centre = x + (SM_CELL_W - 12) / 2
            inner = (
                f'<rect class="bar status-{_text(row.value)}" x="{x}" y="{base - height}" '
                f'width="{SM_CELL_W - 12}" height="{height}"/>'
                f'<text class="small" x="{_n(centre)}" y="{base - height - 4}" '
                f'text-anchor="middle">{cell.count}</text>'
            )
            now = index == len(row.cells) - 1
            when = "now" if now else f"at the end of {cell.label}"
            body.append(_link(cell.url, inner, f"{row.label} {when}: {cell.count}"))
    axis_y = PAD + len(timeline.rows) * SM_ROW_H + 16
    for index, year in enumerate(timeline.years):
        centre = SM_LABEL_W + index * SM_CELL_W + SM_CELL_W / 2
        label = "now" if index == len(timeline.years) - 1 else f"’{year % 100:02d}"
        body.append(
            f'<text class="small" x="{_n(centre)}" y="{axis_y}" text-anchor="middle">'
            f"{_text(label)}</text>"
        )
    latest = [(row.label, row.cells[-1].count) for row in timeline.rows if row.cells]
    desc = (
        f"Recommendations in each status at the end of each year from {timeline.years[0]} "
        f"to {timeline.years[-1]}; now: "
        + "; ".join(f"{label} {count}" for label, count in latest)
        + "."
    )
    width = SM_LABEL_W + len(timeline.years) * SM_CELL_W + PAD
    return _svg(ident, width, axis_y + PAD, title, desc, body)


# -- the coverage matrix -----------------------------------------------------------------------

MX_LABEL_W, MX_CELL, MX_HEAD_H, MX_COUNT_W = 230, 26, 150, 50


def matrix(data: Coverage, *, ident: str, title: str) -> SafeString:
    """Challenges down the side, recommendations across the top (names slanted); a ticked
    square where a recommendation answers a challenge, links to the recommendations
    answering that challenge; each row ends with that number."""
    columns_x = MX_LABEL_W + 8
    body = []
    for index, rec in enumerate(data.recommendations):
        x = columns_x + index * MX_CELL + MX_CELL / 2
        y = MX_HEAD_H - 6
        name = _text(_fit(rec.title, MX_HEAD_H * 1.3))
        body.append(
            f'<a href="{_text(rec.get_absolute_url())}"><title>{_text(rec.title)}</title>'
            f'<text class="small" transform="translate({_n(x)} {y}) rotate(-50)">{name}</text></a>'
        )
    count_x = columns_x + len(data.recommendations) * MX_CELL + 10
    body.append(f'<text class="small" x="{count_x}" y="{MX_HEAD_H - 6}">answers</text>')
    for row, challenge in enumerate(data.challenges):
        y = MX_HEAD_H + row * MX_CELL
        url = data.url_for(challenge)
        body.append(
            f'<a href="{_text(challenge.get_absolute_url())}"><title>{_text(challenge.title)} '
            f"({_text(challenge.get_severity_display())})</title>"
            f'<text x="{MX_LABEL_W}" y="{y + 18}" text-anchor="end">'
            f"{_text(_fit(challenge.title, MX_LABEL_W - 8))}</text></a>"
        )
        for col, rec in enumerate(data.recommendations):
            x = columns_x + col * MX_CELL
            if data.answered(challenge, rec):
                inner = (
                    f'<rect class="cell on" x="{x + 2}" y="{y + 2}" width="{MX_CELL - 4}" '
                    f'height="{MX_CELL - 4}"/>'
                    f'<text class="tick" x="{_n(x + MX_CELL / 2)}" y="{y + 18}" '
                    f'text-anchor="middle">✓</text>'
                )
                tooltip = f"“{rec.title}” answers “{challenge.title}”"
                body.append(_link(url, inner, tooltip))
            else:
                body.append(
                    f'<rect class="cell off" x="{x + 2}" y="{y + 2}" width="{MX_CELL - 4}" '
                    f'height="{MX_CELL - 4}"/>'
                )
        inner = f'<text x="{count_x}" y="{y + 18}">{challenge.answers}</text>'
        noun = "recommendation" if challenge.answers == 1 else "recommendations"
        body.append(_link(url, inner, f"{challenge.title}: {challenge.answers} {noun}"))
    unanswered = sum(1 for challenge in data.challenges if not challenge.answers)
    desc = (
        f"{len(data.challenges)} of {data.challenge_total} challenges down the side, "
        f"{len(data.recommendations)} recommendations answering them across the top; "
        f"{len(data.pairs)} links; {unanswered} of these challenges have no recommendation."
    )
    width = count_x + MX_COUNT_W
    height = MX_HEAD_H + max(len(data.challenges), 1) * MX_CELL + PAD
    return _svg(ident, width, height, title, desc, body)


# -- a record's neighbourhood ------------------------------------------------------------------

GR_NODE_W, GR_NODE_H, GR_GAP, GR_COL_GAP, GR_HEAD = 230, 44, 10, 70, 28


def graph(data: Neighbourhood, *, ident: str, title: str) -> SafeString:
    """Three columns of records, each a box linking to its page and naming its kind (and
    status or severity) in words; lines join the records that are linked."""
    tallest = max((len(nodes) for _, nodes in data.columns), default=1) or 1
    height = GR_HEAD + tallest * (GR_NODE_H + GR_GAP) + PAD
    places: dict[str, tuple[float, float]] = {}
    boxes, heads = [], []
    for col, (heading, nodes) in enumerate(data.columns):
        x = PAD + col * (GR_NODE_W + GR_COL_GAP)
        more = data.more.get(heading)
        head = heading + (f" (+{more} more)" if more else "")
        heads.append(
            f'<text class="small heading" x="{x}" y="{GR_HEAD - 10}">'
            f"{_text(_fit(head, GR_NODE_W + GR_COL_GAP - 10))}</text>"
        )
        offset = (tallest - len(nodes)) * (GR_NODE_H + GR_GAP) / 2
        if not nodes:
            boxes.append(f'<text class="small" x="{x}" y="{_n(GR_HEAD + offset + 20)}">None</text>')
        for row, node in enumerate(nodes):
            y = GR_HEAD + offset + row * (GR_NODE_H + GR_GAP)
            places[node.key] = (x, y)
            kind = node.kind.capitalize() + (f" · {node.status}" if node.status else "")
            here = " centre" if node.key == data.centre else ""
            classes = f"node kind-{_text(node.key.split('-')[0])}{here}"
            inner = (
                f'<rect class="{classes}" x="{x}" y="{_n(y)}" '
                f'width="{GR_NODE_W}" height="{GR_NODE_H}" rx="4"/>'
                f'<text class="small" x="{x + 8}" y="{_n(y + 16)}">'
                f"{_text(_fit(kind, GR_NODE_W - 16))}</text>"
                f'<text x="{x + 8}" y="{_n(y + 35)}">'
                f"{_text(_fit(node.title, GR_NODE_W - 16))}</text>"
            )
            tooltip = f"{node.kind.capitalize()}: {node.title}" + (" (this page)" if here else "")
            boxes.append(_link(node.url, inner, tooltip))
    lines = []
    for start, end in data.edges:
        (x1, y1), (x2, y2) = places[start], places[end]
        lines.append(
            f'<line class="edge" x1="{x1 + GR_NODE_W}" y1="{_n(y1 + GR_NODE_H / 2)}" '
            f'x2="{x2}" y2="{_n(y2 + GR_NODE_H / 2)}"/>'
        )
    counts = "; ".join(f"{heading}: {len(nodes)}" for heading, nodes in data.columns)
    desc = f"{counts}; {len(data.edges)} links between them."
    width = PAD * 2 + len(data.columns) * GR_NODE_W + (len(data.columns) - 1) * GR_COL_GAP
    return _svg(ident, width, height, title, desc, heads + lines + boxes)
