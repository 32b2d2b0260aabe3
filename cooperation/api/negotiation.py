"""DRF's content negotiation, with the two commonest answers found without parsing.

Nearly every API request sends no Accept header, `*/*`, or exactly the first renderer's
media type (`application/json`); for those DRF's answer is always the first renderer and
its media type, but finding it (parsing the header, ordering by precedence, matching
every renderer) cost ~40 µs of a detail's CPU. Any other header, and a format suffix,
take DRF's own path unchanged. tests/api/test_negotiation.py holds the two to the same
answers.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if renderers and format_suffix is None and self.settings.URL_FORMAT_OVERRIDE is None:
            first = renderers[0]
            # A media type with parameters does not match */* in DRF: its own path.
            if ";" not in first.media_type and request.META.get("HTTP_ACCEPT") in (
                None,
                "*/*",
                first.media_type,
            ):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
