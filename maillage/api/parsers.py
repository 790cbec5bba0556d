"""Request body parsers that answer a French 400 on any unreadable body (never a 500, never an
English parser message)."""

import codecs
import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

NOT_JSON = "Le corps de la requête n'est pas un JSON valide (UTF-8, sans NaN ni Infinity)."


def _refuse_constant(name):
    raise ValueError(name)


class SafeJSONParser(JSONParser):
    """JSON, strict: malformed text, non-UTF-8 bytes, NaN/Infinity, integers of thousands of
    digits and nesting deeper than the interpreter allows all become the same French 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(NOT_JSON) from exc
