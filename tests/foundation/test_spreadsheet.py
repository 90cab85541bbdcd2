"""The one CSV writer: a cell a spreadsheet would run as a formula is written as plain text."""

import io
from decimal import Decimal

import pytest

from candor.spreadsheet import SpreadsheetWriter, spreadsheet_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("Acme =1+1", "Acme =1+1"),
        ("", ""),
    ],
)
def test_formula_like_text_gets_a_leading_quote(value, written):
    assert spreadsheet_cell(value) == written


@pytest.mark.parametrize("number", [-1500, -2.5, Decimal("-1500.00"), 0, True])
def test_numbers_stay_numbers(number):
    assert spreadsheet_cell(number) == number


@pytest.mark.parametrize("text", ["-1500.00", "-3", "42"])
def test_text_that_is_exactly_a_number_stays_as_it_is(text):
    assert spreadsheet_cell(text) == text


def test_the_writer_neutralises_every_row_it_writes_header_included():
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(["name", "=evil"])
    writer.writerows([["@SUM(1)", -5]])
    assert out.getvalue().splitlines() == ["name,'=evil", "'@SUM(1),-5"]
