"""The API's request parser."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with two more refusals instead of a 500 or an unbounded read.

    - JSON nested deeper than Python's stack is a 400: `json.loads` raises RecursionError
      on a body like `[[[[…` a few thousand levels deep, which DRF lets through.
    - A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (cooperation/api/errors.py). DRF
      reads the request as a stream, which Django does not limit (only `request.body` and
      forms are), so the limit would hold for some requests and not others.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and stream is not None:
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise RequestDataTooBig("Request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE.")
            stream = io.BytesIO(data)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
