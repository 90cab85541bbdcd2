"""The one CSV writer behind every export: cells a spreadsheet would run are made plain text.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets (OWASP's "CSV injection"), so an account named
`=HYPERLINK(...)` would run in whoever opens the file. Such text is prefixed with a single
quote, as OWASP advises. Numbers stay numbers: a Python number, or text that is exactly a
decimal number such as DRF's `"-1500.00"`, cannot hide a formula; `-2+3` is not a number and
is neutralised.
"""

import csv
import re
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_cell(value):
    """`value` as a spreadsheet will read it safely: a leading quote on formula-like text."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value  # numbers (Decimal, float, int) and plain text: the common case, first
    return value if PLAIN_NUMBER.fullmatch(value) else "'" + value


class SpreadsheetWriter:
    """csv.writer's `writerow` and `writerows`, every cell (header too) neutralised."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class _Line:
    """A file-like object whose write() hands back the line the writer formatted."""

    def write(self, value: str) -> str:
        return value


def csv_response(name: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A download named candor-<name>-<today>.csv, streamed row by row, every cell made safe."""
    writer = SpreadsheetWriter(_Line())
    lines = (writer.writerow(row) for row in _with_header(header, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="candor-{name}-{stamp}.csv"'
    return response


def _with_header(header, rows):
    yield header
    yield from rows
