"""CSV imports of accounts and stakeholders: a column mapping, a preview, and an all-or-nothing
upsert on `external_id`.

A file is read once by pandas (every cell as text) and checked column by column, vectorised:
a 100,000-row file is parsed and validated in about a second, and every wrong cell is reported
by its row in the file (the header is row 1) and its column. Only a file with no error is
written (`accounts.import_writes`): COPY into a temporary table, then one UPDATE of the rows
that exist and one INSERT of those that do not, per batch, in a single transaction.

An empty cell means "not given": an existing row keeps its value, a new row takes the default.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd
from django.contrib.auth import get_user_model

from accounts.models import (
    AccountOutcome,
    LifecycleStage,
    Segment,
    StakeholderRole,
    Urgency,
    deviating_terms,
)

PREVIEW_ROWS = 10
MAX_LISTED_ERRORS = 100


@dataclass(frozen=True)
class Column:
    """One Candor field a CSV column can fill, how its text is read, and the SQL it becomes."""

    field: str
    kind: str  # text, decimal, int, date, choice, bool, email, username, json, key, reference
    sql_type: str = "text"
    required: bool = False  # a new row cannot be made without it
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    choices: type | None = None
    default: str | None = None  # SQL for a new row that does not give it
    db_column: str | None = None

    @property
    def column(self) -> str:
        return self.db_column or self.field


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    table: str
    columns: tuple[Column, ...]
    touches_score: bool = True
    extra: dict = field(default_factory=dict)

    def get(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def _text(name, max_length=None, **options) -> Column:
    return Column(name, "text", max_length=max_length, default="''", **options)


ACCOUNTS = ImportSpec(
    kind="accounts",
    table="accounts_account",
    columns=(
        Column("external_id", "key", required=True, max_length=100, aliases=("crm_id", "id")),
        _text("name", 200, required=True, aliases=("account", "account_name", "company")),
        Column("segment", "choice", choices=Segment, default="'mid_market'"),
        Column("arr", "decimal", "numeric(14,2)", required=True,
               aliases=("annual_recurring_revenue",)),
        Column("seats", "int", "integer", default="1"),
        Column("contract_start", "date", "date", required=True,
               aliases=("start_date", "contract_start_date")),
        Column("renewal_date", "date", "date", required=True, aliases=("renewal", "renews_on")),
        Column("last_renewed_on", "date", "date", default="NULL"),
        Column("csm", "username", "bigint", required=True, db_column="csm_id",
               aliases=("csm_username", "owner")),
        Column("lifecycle_stage", "choice", choices=LifecycleStage, default="'onboarding'",
               aliases=("stage", "lifecycle")),
        _text("crm_status", 40, aliases=("status",)),
        Column("outcome", "choice", choices=AccountOutcome, default="'active'"),
        Column("outcome_on", "date", "date", default="NULL"),
        _text("handoff_why_bought"),
        _text("handoff_real_needs"),
        _text("handoff_signed_for"),
        Column("handoff_urgency", "choice", choices=Urgency, default="'unknown'",
               aliases=("urgency",)),
        _text("handoff_politics"),
        Column("deal_terms", "json", "jsonb", default="'{}'::jsonb"),
    ),
)  # fmt: skip

STAKEHOLDERS = ImportSpec(
    kind="stakeholders",
    table="accounts_stakeholder",
    touches_score=True,
    columns=(
        Column("external_id", "key", required=True, max_length=100, aliases=("contact_id", "id")),
        Column("account_external_id", "reference", required=True, db_column="account_id",
               aliases=("account", "account_id", "account_crm_id")),
        _text("name", 200, required=True, aliases=("full_name", "contact")),
        Column("email", "email", max_length=254, default="''"),
        Column("role", "choice", required=True, choices=StakeholderRole),
        _text("function", 100, aliases=("department", "team")),
        _text("success_definition", aliases=("definition_of_success",)),
        Column("success_definition_conflicts", "bool", "boolean", default="false"),
        Column("last_engaged_on", "date", "date", default="NULL"),
        Column("active", "bool", "boolean", default="true"),
        Column("left_on", "date", "date", default="NULL"),
    ),
)  # fmt: skip

SPECS = {spec.kind: spec for spec in (ACCOUNTS, STAKEHOLDERS)}


class ImportRefused(Exception):
    """Nothing was imported; `errors` says why: [{row, column, message}], row 1 the header."""

    def __init__(self, errors: list[dict], total: int | None = None):
        self.errors = errors[:MAX_LISTED_ERRORS]
        self.total = total if total is not None else len(errors)
        super().__init__(f"{self.total} problem{'s' if self.total != 1 else ''} in the file")


def row_error(row, column, message) -> dict:
    return {"row": row, "column": column, "message": message}


def _normalised(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def column_mapping(spec: ImportSpec, headers: list[str]) -> dict[str, str | None]:
    """CSV header -> Candor field (by name or a common alias), or None for a column ignored."""
    names = {}
    for column in spec.columns:
        for name in (column.field, *column.aliases):
            names.setdefault(name, column.field)
    mapping, taken = {}, set()
    for header in headers:
        name = names.get(_normalised(header))
        mapping[header] = None if name in taken else name
        taken.add(name)
    return mapping


def read_table(content: str) -> pd.DataFrame:
    """Every cell as stripped text, blanks as None; the delimiter (, ; or tab) is sniffed."""
    content = content.lstrip("\ufeff")
    try:
        delimiter = csv.Sniffer().sniff(content[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        table = pd.read_csv(
            io.StringIO(content), sep=delimiter, dtype=str, keep_default_na=False,
            skipinitialspace=True,
        )  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ImportRefused([row_error(None, None, f"Not a readable CSV file: {error}")]) from error
    table.columns = [str(c).strip() for c in table.columns]
    return table.apply(lambda s: s.str.strip()).replace({"": None})


def preview(kind: str, content: str) -> dict:
    """What the page shows before anything is written: the mapping, the columns a new row
    needs that the file lacks, and the first rows as they will be read."""
    spec = SPECS[kind]
    table = read_table(content)
    mapping = column_mapping(spec, list(table.columns))
    mapped = {name for name in mapping.values() if name}
    return {
        "kind": kind,
        "rows": len(table),
        "mapping": [{"header": h, "field": f} for h, f in mapping.items()],
        "missing": [c.field for c in spec.columns if c.required and c.field not in mapped],
        "headers": list(table.columns),
        "first_rows": table.head(PREVIEW_ROWS).fillna("").values.tolist(),
    }


def parse(kind: str, content: str) -> tuple[pd.DataFrame, list[Column]]:
    """The file as typed columns named for Candor's fields, or ImportRefused with every wrong
    cell. The frame keeps `row`, each record's row in the file."""
    spec = SPECS[kind]
    table = read_table(content)
    mapping = column_mapping(spec, list(table.columns))
    if "external_id" not in mapping.values():
        raise ImportRefused([row_error(1, None, "The file needs an external_id column: the CRM's "
                                             "id that says which row to create or update.")])  # fmt: skip
    typed = pd.DataFrame({"row": np.arange(len(table)) + 2})
    columns, errors = [], []
    for header, name in mapping.items():
        if name is None:
            continue
        column = spec.get(name)
        values, bad, message = PARSERS[column.kind](table[header], column)
        typed[name] = values.to_numpy()
        errors += [row_error(int(row), header, message(value))
                   for row, value in zip(typed["row"][bad], table[header][bad], strict=True)]  # fmt: skip
        columns.append(column)
    errors += _duplicate_keys(typed)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e["row"] or 0, e["column"] or "")))
    if kind == "accounts" and "deal_terms" in typed:
        typed["deviating_terms"] = [
            None if terms is None else orjson.dumps(deviating_terms(orjson.loads(terms))).decode()
            for terms in typed["deal_terms"]
        ]
    return typed, columns


def _duplicate_keys(typed: pd.DataFrame) -> list[dict]:
    keys = typed["external_id"]
    again = keys.duplicated(keep="first") & keys.notna()
    first = typed.groupby("external_id")["row"].min()
    return [
        row_error(int(row), "external_id", f"'{key}' appears again (first at row {first[key]}).")
        for row, key in zip(typed["row"][again], keys[again], strict=True)
    ]


Parser = Callable[[pd.Series, Column], tuple[pd.Series, pd.Series, Callable[[str], str]]]


def _too_long(values: pd.Series, column: Column) -> pd.Series:
    if column.max_length is None:
        return pd.Series(False, index=values.index)
    return values.str.len().fillna(0) > column.max_length


def parse_text(values, column):
    return (
        values,
        _too_long(values, column),
        (lambda v: f"longer than {column.max_length} characters"),
    )


def parse_key(values, column):
    bad = values.isna() | _too_long(values, column)
    return values, bad, lambda v: (
        "is empty: every row needs its external_id" if v is None
        else f"longer than {column.max_length} characters"
    )  # fmt: skip


def parse_decimal(values, column):
    cleaned = values.str.replace(r"[\s$€£,]", "", regex=True)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = values.notna() & (numbers.isna() | (numbers < 0) | (numbers >= 10**12))
    return (
        numbers.round(2).astype(object).where(numbers.notna(), None),
        bad,
        (lambda v: f"'{v}' is not an amount of 0 or more"),
    )


def parse_int(values, column):
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round()) & (numbers >= 0) & (numbers < 2**31)
    bad = values.notna() & ~whole
    return (
        numbers.astype("Int64").astype(object).where(whole, None),
        bad,
        (lambda v: f"'{v}' is not a whole number of 0 or more"),
    )


def parse_date(values, column):
    days = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    bad = values.notna() & days.isna()
    return (
        days.dt.strftime("%Y-%m-%d").where(days.notna(), None),
        bad,
        (lambda v: f"'{v}' is not a date written YYYY-MM-DD"),
    )


def parse_choice(values, column):
    known = {}
    for value, label in column.choices.choices:
        known[value.lower()] = value
        known[_normalised(label)] = value
    chosen = values.map(lambda v: None if v is None else known.get(_normalised(v)))
    bad = values.notna() & chosen.isna()
    allowed = ", ".join(column.choices.values)
    return chosen, bad, lambda v: f"'{v}' is not one of: {allowed}"


TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}


def parse_bool(values, column):
    lowered = values.str.lower()
    chosen = lowered.map(lambda v: True if v in TRUE else False if v in FALSE else None)
    bad = values.notna() & chosen.isna()
    return chosen.astype(object), bad, lambda v: f"'{v}' is not yes or no (true/false)"


def parse_email(values, column):
    bad = values.notna() & (~values.str.contains("@", na=False) | _too_long(values, column))
    return values, bad, lambda v: f"'{v}' is not an email address"


def parse_username(values, column):
    wanted = [name for name in values.dropna().unique()]
    users = dict(get_user_model().objects.filter(username__in=wanted).values_list("username", "pk"))
    ids = values.map(lambda v: None if v is None else users.get(v))
    bad = values.notna() & ids.isna()
    return ids.astype(object), bad, lambda v: f"no user called '{v}'"


def parse_json(values, column):
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


PARSERS: dict[str, Parser] = {
    "text": parse_text, "key": parse_key, "reference": parse_text, "decimal": parse_decimal,
    "int": parse_int, "date": parse_date, "choice": parse_choice, "bool": parse_bool,
    "email": parse_email, "username": parse_username, "json": parse_json,
}  # fmt: skip
