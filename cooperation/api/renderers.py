"""DRF's JSONRenderer, writing with orjson: the same JSON, several times faster.

A partner list page is some 200 kB of JSON; DRF's renderer (the standard library's
json.dumps) spent about 2 ms of each page writing it, orjson about a tenth of that
(docs/benchmarks.md). The output is what DRF writes: compact, UTF-8 rather than \\u
escapes, U+2028 and U+2029 escaped so the text is also JavaScript, and anything orjson
does not know itself (dates and times, decimals, lazy translations, querysets) handed
to DRF's own encoder. Anything orjson refuses (an integer beyond 64 bits, a lone
surrogate, a type neither knows) and any pretty-printing request (`; indent=2`) goes
through DRF's renderer unchanged, so its answer, or its error, is DRF's. (The API holds
no floats: a NaN, which DRF refuses and orjson writes as null, cannot arise.)
tests/api/test_renderers.py holds the two renderers to the same text.
"""

from __future__ import annotations

import orjson
from rest_framework import renderers

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
_LINE_SEPARATOR = "\u2028".encode()
_PARAGRAPH_SEPARATOR = "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        encoder = self.encoder_class()
        try:
            text = orjson.dumps(data, default=encoder.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80" in text:
            text = text.replace(_LINE_SEPARATOR, b"\\u2028").replace(
                _PARAGRAPH_SEPARATOR, b"\\u2029"
            )
        return text
