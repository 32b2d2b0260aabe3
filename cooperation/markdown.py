"""Notes are Markdown; this renders them to HTML that is safe to put in a page.

Two layers, so one mistake does not open a hole:

1. Python-Markdown runs with its raw-HTML support switched off: `<script>` typed in
   a note comes out as the text "<script>", never as a tag.
2. nh3 (ammonia) then keeps only an allow-list of tags and attributes, and links
   only to http, https and mailto addresses. Anything else (images, styles, event
   handlers, `javascript:` or `data:` URLs) is removed.

Headings are demoted (`#` becomes h3) so a note never outranks the page it sits on.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
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
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1].isdigit():
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
