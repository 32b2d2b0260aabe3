"""Notes are Markdown; this renders them to HTML that is safe to put in a page.

Two layers, so one mistake does not open a hole:

1. Python-Markdown runs with its raw-HTML support switched off: `<script>` typed in
   a note comes out as the text "<script>", never as a tag.
2. nh3 (ammonia) then keeps only an allow-list of tags and attributes, and links
   only to http, https and mailto addresses. Anything else (images, styles, event
   handlers, `javascript:` or `data:` URLs) is removed.

Headings are demoted (`#` becomes h3) so a note never outranks the page it sits on.

Where a note is shown shortened (`render_markdown_excerpt`, `markdown_plain_text`), the
Markdown is rendered first and the cut made after a whole word of the result, so a line
never shows raw `**markup**` or a word cut in half.
"""

from __future__ import annotations

from html import unescape

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
# "*" empty: no attribute on every tag (nh3 would otherwise allow lang and title).
ALLOWED_ATTRIBUTES = {"a": {"href"}, "*": set()}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
# The highest heading level a note may use; the page's own h1/h2 stay above it.
TOP_HEADING_LEVEL = 3


class _DemoteHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1].isdecimal():
                level = int(element.tag[1]) + TOP_HEADING_LEVEL - 1
                element.tag = f"h{min(level, 6)}"


class _SafeNotes(Extension):
    """No raw HTML at all (blocks or inline), no images, headings demoted."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # Images are not shown: `![alt](url)` reads as "!" and a link to the picture.
        md.inlinePatterns.deregister("image_link")
        md.inlinePatterns.deregister("image_reference")
        md.inlinePatterns.deregister("short_image_ref")
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 0)


def _converter() -> markdown_lib.Markdown:
    return markdown_lib.Markdown(
        extensions=[_SafeNotes(), "fenced_code", "sane_lists", "nl2br"],
        output_format="html",
    )


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and link schemes of `html`."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        # Relative and protocol-relative links are dropped: only absolute http(s)/mailto.
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )


def render_markdown(text: str | None) -> SafeString:
    """`text` as sanitised HTML, ready for a template."""
    if not text:
        return mark_safe("")
    # A fresh converter per call: Markdown instances keep state between conversions.
    html = _converter().convert(str(text))
    return mark_safe(sanitise(html))  # sanitised by nh3 just above


# -- shortened notes ---------------------------------------------------------------------------
# A note shown in a line (the dashboard, a title, the admin's list) keeps its inline emphasis
# at most; its blocks (paragraphs, lists, headings, code blocks) run on as one line, and links
# keep only their text (the line is usually a link itself, and links do not nest).
EXCERPT_TAGS = frozenset({"em", "strong", "code"})
EXCERPT_WORDS = 30
ELLIPSIS = "…"


def _inline_html(text: str, tags: frozenset[str]) -> str:
    html = _converter().convert(str(text))
    # Blocks are separated by line breaks in Markdown's output: they become spaces.
    html = nh3.clean(
        html,
        tags=set(tags),
        attributes={},
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )
    return " ".join(html.split())


def render_markdown_excerpt(text: str | None, words: int = EXCERPT_WORDS) -> SafeString:
    """The start of a note as one line of safe HTML, cut after a whole word.

    The Markdown is rendered first and the cut made in the HTML, so it never falls inside a
    word, a `**marker**` or a tag: open tags are closed after the ellipsis.
    """
    if not text:
        return mark_safe("")
    html = _inline_html(text, EXCERPT_TAGS)
    cut = Truncator(html).words(words, truncate=ELLIPSIS, html=True)
    return mark_safe(sanitise(cut))  # re-cleaned: only the inline tags above survive


def markdown_plain_text(text: str | None, max_chars: int | None = None) -> str:
    """A note's text without its markup, on one line; cut at a word to `max_chars`."""
    if not text:
        return ""
    plain = unescape(_inline_html(text, frozenset()))
    if max_chars is None or len(plain) <= max_chars:
        return plain
    cut = plain[: max_chars - len(ELLIPSIS) + 1]
    space = cut.rfind(" ")
    # The last whole word; a single word longer than the line is cut where it must be.
    cut = cut[:space] if space > 0 else cut[: max_chars - len(ELLIPSIS)]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS
