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
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_cell(value):
    """`value` as a spreadsheet will read it safely: a leading quote on formula-like text."""
    if isinstance(value, bool | int | float | Decimal) or not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SpreadsheetWriter:
    """csv.writer's `writerow` and `writerows`, every cell (header too) neutralised."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)
