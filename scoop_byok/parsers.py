"""Request body parsers for the API."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """JSON, with absurdly deep nesting refused as a parse error.

    Python's decoder gives up on very deep nesting with RecursionError,
    which is not a ValueError and would otherwise become a 500.
    """

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None):  # type: ignore[no-untyped-def]
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
