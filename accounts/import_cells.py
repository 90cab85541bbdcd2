"""How a CSV import reads each kind of cell, a whole column at a time.

Each parser takes the column's text (stripped, blanks as None), the `Column` it fills and the
file's `CellContext`, and returns (values, bad, message): the typed values (None where not
given or wrong), a mask of the wrong cells, and the sentence that says what is wrong with one.

CRM exports write dates and owners in their own ways: dates as ISO (with or without a time),
US month first, day first, "5 Jan 2026" or an Excel day number; owners as a username, an
email address or a person's full name.
"""

from collections.abc import Callable
from dataclasses import dataclass

import orjson
import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Concat, Lower

from accounts.models import DateOrder

MONTH_FIRST, DAY_FIRST, AUTOMATIC = DateOrder.MONTH_FIRST, DateOrder.DAY_FIRST, DateOrder.AUTOMATIC


@dataclass(frozen=True)
class CellContext:
    """What a parser needs to know about the whole file: the order its slashed dates are in."""

    date_order: str = AUTOMATIC


def slashed_date_order(columns: list[pd.Series], chosen: str) -> str:
    """The file's order for dates like 3/4/2026: the one chosen, else day first when a first
    part is over 12 and no second part is, else month first (the CRMs' US default)."""
    if chosen != AUTOMATIC:
        return chosen
    day_first = month_first = False
    for values in columns:
        parts = values.str.extract(NUMERIC).dropna(subset=["a"]).astype(int)
        day_first |= bool((parts["a"] > 12).any())
        month_first |= bool((parts["b"] > 12).any())
    return DAY_FIRST if day_first and not month_first else MONTH_FIRST


def not_given(values: pd.Series) -> pd.Series:
    return pd.Series(False, index=values.index)


def as_objects(values: list, index) -> pd.Series:
    """A column of Python values (ints stay ints; pandas would make them floats beside None)."""
    return pd.Series(values, index=index, dtype=object)


def _too_long(values: pd.Series, column) -> pd.Series:
    if column.max_length is None:
        return not_given(values)
    return values.str.len().fillna(0) > column.max_length


def parse_text(values, column, context):
    return (
        values,
        _too_long(values, column),
        lambda v: f"longer than {column.max_length} characters",
    )


def parse_reference(values, column, context):
    """The first of a list of ids (HubSpot writes a contact's companies as "123;456")."""
    first = values.str.split(";", n=1).str[0].str.strip().replace({"": None})
    return parse_text(first, column, context)


def parse_key(values, column, context):
    bad = values.isna() | _too_long(values, column)
    return values, bad, lambda v: (
        "is empty: every row needs its external_id" if v is None
        else f"longer than {column.max_length} characters"
    )  # fmt: skip


def parse_decimal(values, column, context):
    cleaned = values.str.replace(r"[\s$€£,]", "", regex=True)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = values.notna() & (numbers.isna() | (numbers < 0) | (numbers >= 10**12))
    return (
        numbers.round(2).astype(object).where(numbers.notna(), None),
        bad,
        (lambda v: f"'{v}' is not an amount of 0 or more"),
    )


def parse_int(values, column, context):
    numbers = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round()) & (numbers >= 0) & (numbers < 2**31)
    bad = values.notna() & ~whole
    return (
        numbers.astype("Int64").astype(object).where(whole, None),
        bad,
        (lambda v: f"'{v}' is not a whole number of 0 or more"),
    )


ISO = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[T ].*)?$"
NUMERIC = r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})(?:[ T,].*)?$"
EXCEL_DAY = r"^\d{5}(?:\.\d+)?$"  # Excel's day number: 46027 is 5 January 2026
WORDED = ("%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%b %d %Y")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _from_parts(year, month, day) -> pd.Series:
    year = year.where(year >= 100, year + 2000)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")


def read_dates(values: pd.Series, order: str) -> pd.Series:
    """Timestamps (NaT where not a date) from every form the module docstring names."""
    days = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    iso = values.str.extract(ISO).astype(float)
    days = days.fillna(_from_parts(iso["y"], iso["m"], iso["d"]))
    numeric = values.str.extract(NUMERIC).astype(float)
    month, day = (
        (numeric["a"], numeric["b"]) if order == MONTH_FIRST else (numeric["b"], numeric["a"])
    )
    days = days.fillna(_from_parts(numeric["y"], month, day))
    excel = values.where(values.str.match(EXCEL_DAY, na=False))
    serial = pd.to_numeric(excel, errors="coerce").floordiv(1)
    days = days.fillna(EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
    for layout in WORDED:
        left = values.where(days.isna() & values.notna())
        days = days.fillna(pd.to_datetime(left, format=layout, errors="coerce"))
    return days.where((days.dt.year >= 1900) & (days.dt.year <= 2200))


def parse_date(values, column, context):
    days = read_dates(values, context.date_order)
    bad = values.notna() & days.isna()
    first = "day" if context.date_order == DAY_FIRST else "month"
    return (
        as_objects(days.dt.strftime("%Y-%m-%d").where(days.notna(), None).tolist(), values.index),
        bad,
        (lambda v: f"'{v}' is not a date (2026-01-05, 1/5/2026 read {first} first, "
                   "5 Jan 2026 or an Excel day number)"),
    )  # fmt: skip


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def parse_choice(values, column, context):
    known = {_key(word): value for word, value in column.synonyms}
    for value, label in column.choices.choices:
        known[value.lower()] = value
        known[_key(label)] = value
    chosen = values.map(lambda v: None if v is None else known.get(_key(v)))
    bad = values.notna() & chosen.isna()
    allowed = ", ".join(column.choices.values)
    return chosen, bad, lambda v: f"'{v}' is not one of: {allowed}"


TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}


def parse_bool(values, column, context):
    lowered = values.str.lower()
    chosen = lowered.map(lambda v: True if v in TRUE else False if v in FALSE else None)
    bad = values.notna() & chosen.isna()
    return chosen.astype(object), bad, lambda v: f"'{v}' is not yes or no (true/false)"


def parse_email(values, column, context):
    bad = values.notna() & (~values.str.contains("@", na=False) | _too_long(values, column))
    return values, bad, lambda v: f"'{v}' is not an email address"


AMBIGUOUS = object()


def owner_ids(names) -> dict[str, int | object]:
    """Each name given -> the user it names: by username, else email, else full name (case
    aside); AMBIGUOUS where an email or full name belongs to more than one user."""
    wanted = {name.lower() for name in names}
    users = (
        get_user_model()
        .objects.annotate(email_key=Lower("email"),
                          full_key=Lower(Concat("first_name", Value(" "), "last_name")))
        .filter(is_active=True)
        .values_list("pk", "username", "email_key", "full_key")
    )  # fmt: skip
    by_username, by_other = {}, {}
    for pk, username, email, full in users:
        by_username[username] = pk
        for key in {email, full} & wanted:
            by_other[key] = AMBIGUOUS if by_other.get(key, pk) != pk else pk
    return {name: by_username.get(name) or by_other.get(name.lower()) for name in names}


def parse_owner(values, column, context):
    found = owner_ids(set(values.dropna()))
    ids = [None if v is None or found.get(v) is AMBIGUOUS else found.get(v) for v in values]
    bad = values.notna() & pd.Series([pk is None for pk in ids], index=values.index)
    return as_objects(ids, values.index), bad, lambda v: (
        f"'{v}' names more than one user: give the username or email" if found.get(v) is AMBIGUOUS
        else f"no user called '{v}' (by username, email or full name)"
    )  # fmt: skip


def parse_json(values, column, context):
    def read(value):
        if value is None:
            return None
        try:
            terms = orjson.loads(value)
        except orjson.JSONDecodeError:
            return False
        return orjson.dumps(terms).decode() if isinstance(terms, dict) else False

    read_values = values.map(read)
    bad = read_values.map(lambda v: v is False)
    return (
        read_values.where(~bad, None),
        bad,
        (lambda v: 'is not a JSON object of term: value, e.g. {"billing": "monthly"}'),
    )


Parser = Callable[[pd.Series, object, CellContext], tuple[pd.Series, pd.Series, Callable]]

PARSERS: dict[str, Parser] = {
    "text": parse_text, "key": parse_key, "reference": parse_reference,
    "decimal": parse_decimal, "int": parse_int, "date": parse_date, "choice": parse_choice,
    "bool": parse_bool, "email": parse_email, "username": parse_owner, "json": parse_json,
    "name_part": parse_text,
}  # fmt: skip
