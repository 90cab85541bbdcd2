"""The API's JSON parser: a bounded body, and a clean 400 for JSON nested too deeply."""

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils import json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"Request body too large: at most {limit} bytes.")


class JSONParser(parsers.JSONParser):
    """DRF's parser reads the stream whatever its size (Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    guards only request.body), and JSON nested deeper than Python's recursion limit escapes it
    as a RecursionError. Here the body is read up to the limit, and both are client errors."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = raw.decode(encoding)
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
        except ValueError as error:  # UnicodeDecodeError is one too
            raise ParseError(f"JSON parse error - {error}") from error
