"""Notes' Markdown renders to sanitised HTML: formatting kept, anything active made inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from cooperation.markdown import ALLOWED_TAGS, LINK_REL, render_markdown

# Each payload must come out without a tag, attribute or URL that can run script or load
# anything. Sources: the OWASP XSS filter evasion cheat sheet and Markdown-specific tricks.
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1)  )",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/svg+xml,<svg onload=alert(1)>)",
    '[x](https://ok.example" onclick="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](https://evil.example/track.png)",
    '![x](x" onerror="alert(1))',
    "[![x](https://evil.example/a.png)](javascript:alert(1))",
    "```\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<a href='//evil.example'>x</a>",
    "[x](//evil.example/path)",
    '<form action="https://evil.example"><button>go</button></form>',
    '<input autofocus onfocus="alert(1)">',
    '<object data="javascript:alert(1)"></object>',
    "<style>body{display:none}</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href='https://evil.example/'>",
    # Attribute and element breakouts, for text that lands inside attributes or raw-text
    # elements of a page (title, value, textarea, a data- attribute).
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" autofocus onfocus="alert(1)',
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    '<a href="javas&#99;ript:alert(1)">x</a>',
    # Unicode tricks: look-alike brackets, invisible characters, direction overrides.
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "[x](java\u200bscript:alert(1))",
    "[x](\u2028javascript:alert(1))",
    "\u202egnp.exe <img src=x onerror=alert(1)>",
    "<img src=x o\u00adnerror=alert(1)>",
    "[x](javascript\uff1aalert(1))",
]


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_render_markdown_makes_xss_payloads_inert(payload):
    html = str(render_markdown(payload))

    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, html
            assert attrs["rel"] == LINK_REL
            href = attrs.get("href")
            assert href is None or href.startswith(("http://", "https://", "mailto:")), html
        else:
            assert attrs == {}, html


def test_render_markdown_escapes_raw_html_as_text():
    assert render_markdown("<b>bold</b> & <i>x</i>") == (
        "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;</p>"
    )


def test_render_markdown_drops_a_javascript_link_but_keeps_its_text():
    html = render_markdown("see [the brief](javascript:alert(1)) now")

    assert "javascript" not in html
    assert ">the brief</a>" in html


def test_render_markdown_keeps_formatting_and_safe_links():
    html = render_markdown(
        "# Title\n\n**strong** _em_ `code`\n\n> quoted\n\n- one\n- two\n\n"
        "1. first\n\n[site](https://example.org/a?b=1) <mailto:a@example.org>"
    )

    assert "<h3>Title</h3>" in html
    assert "<strong>strong</strong> <em>em</em> <code>code</code>" in html
    assert "<blockquote>" in html
    assert "<ul>" in html and "<ol>" in html and "<li>one</li>" in html
    assert f'<a href="https://example.org/a?b=1" rel="{LINK_REL}">site</a>' in html
    assert 'href="mailto:a@example.org"' in html


def test_render_markdown_demotes_headings_below_the_page_headings():
    html = render_markdown("# one\n\n## two\n\n##### five")

    assert "<h1" not in html and "<h2" not in html
    assert "<h3>one</h3>" in html and "<h4>two</h4>" in html and "<h6>five</h6>" in html


def test_render_markdown_keeps_line_breaks_inside_a_paragraph():
    assert render_markdown("first line\nsecond line") == "<p>first line<br>\nsecond line</p>"


def test_render_markdown_of_nothing_is_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_markdown_filter_renders_sanitised_html_unescaped():
    template = Template("{% load annotations %}{{ body|markdown }}")

    html = template.render(Context({"body": "**hi** <script>x</script>"}))

    assert html == "<p><strong>hi</strong> &lt;script&gt;x&lt;/script&gt;</p>"
