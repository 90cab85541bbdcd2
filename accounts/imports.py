"""CSV imports of accounts, stakeholders and outcomes: a column mapping, a preview, and an
all-or-nothing upsert on `external_id`.

A CRM export comes with the CRM's own headers: HubSpot's "Record ID", "Company name",
"Company owner"; Salesforce's "Account ID", "Account Name", "Account Owner"; its data
loader's `AnnualRevenue`. Each header is matched to a Candor field by name or a known alias
(the best-ranked alias wins a field two headers could fill); a person can choose the mapping
instead, and it is remembered for the next file with the same headers (`ImportMapping`).

A file is read once by pandas (every cell as text) and checked column by column, vectorised
(`accounts.import_cells`): a 100,000-row file is parsed and validated in about a second. Every
wrong cell is kept, by its row in the file (the header is row 1) and its column, and the checks
only the database can make run too, so a refused file lists all of its problems at once. Only
a file with no problem is written (`accounts.import_writes`).

An empty cell means "not given": an existing row keeps its value, a new row takes the default.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd

from accounts.import_cells import PARSERS, CellContext, slashed_date_order
from accounts.limits import TEXT_LIMIT
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
    aliases: tuple[str, ...] = ()  # header keys (`header_key`), best first
    max_length: int | None = None
    choices: type | None = None
    synonyms: tuple[tuple[str, str], ...] = ()  # other words a CRM uses for a choice
    default: str | None = None  # SQL for a new row that does not give it
    db_column: str | None = None

    @property
    def column(self) -> str:
        return self.db_column or self.field

    @property
    def stored(self) -> bool:
        """False for a part of another field (a first name makes up `name`)."""
        return self.kind != "name_part"


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    table: str
    columns: tuple[Column, ...]
    updates_only: bool = False  # every row names a row that exists; nothing is created
    foreign: dict = field(default_factory=dict)  # {signature headers: headers meaning else}

    def get(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)

    @property
    def noun(self) -> str:
        return "account" if self.updates_only else self.kind[:-1]


def _text(name, max_length=TEXT_LIMIT, **options) -> Column:
    return Column(name, "text", max_length=max_length, default="''", **options)


ACCOUNT_KEYS = ("crm_id", "id", "record_id", "account_id", "company_id", "account_external_id")
OUTCOME_WORDS = (
    ("churn", "churned"), ("lost", "churned"), ("closed_lost", "churned"),
    ("cancelled", "churned"), ("canceled", "churned"), ("renewal", "renewed"),
    ("renew", "renewed"), ("closed_won", "renewed"), ("won", "renewed"), ("open", "active"),
)  # fmt: skip
OUTCOME_DATES = ("outcome_date", "churn_date", "churned_on", "renewed_on", "cancellation_date",
                 "closed_on", "close_date", "date")  # fmt: skip

ACCOUNTS = ImportSpec(
    kind="accounts",
    table="accounts_account",
    columns=(
        Column("external_id", "key", required=True, max_length=100, aliases=ACCOUNT_KEYS),
        _text("name", 200, required=True,
              aliases=("account_name", "company_name", "account", "company")),
        Column("segment", "choice", choices=Segment, default="'mid_market'",
               aliases=("customer_segment",)),
        Column("arr", "decimal", "numeric(14,2)", required=True,
               aliases=("annual_recurring_revenue", "arr_usd", "acv", "annual_revenue")),
        Column("seats", "int", "integer", default="1",
               aliases=("licensed_seats", "seats_purchased", "number_of_seats", "licenses")),
        Column("contract_start", "date", "date", required=True,
               aliases=("contract_start_date", "start_date", "customer_since",
                        "became_a_customer_date", "close_date", "create_date", "created_date")),
        Column("renewal_date", "date", "date", required=True,
               aliases=("renewal", "renews_on", "next_renewal_date", "contract_end_date",
                        "contract_end", "end_date")),
        Column("last_renewed_on", "date", "date", default="NULL",
               aliases=("last_renewal_date", "last_renewed")),
        Column("csm", "username", "bigint", required=True, db_column="csm_id",
               aliases=("csm_username", "csm_email", "customer_success_manager", "owner",
                        "company_owner", "account_owner", "owner_email")),
        Column("lifecycle_stage", "choice", choices=LifecycleStage, default="'onboarding'",
               aliases=("stage", "lifecycle")),
        _text("crm_status", 40, aliases=("status", "onboarding_status")),
        Column("outcome", "choice", choices=AccountOutcome, default="'active'",
               synonyms=OUTCOME_WORDS, aliases=("renewal_outcome",)),
        Column("outcome_on", "date", "date", default="NULL", aliases=OUTCOME_DATES[:5]),
        _text("handoff_why_bought"),
        _text("handoff_real_needs"),
        _text("handoff_signed_for"),
        Column("handoff_urgency", "choice", choices=Urgency, default="'unknown'",
               aliases=("urgency",)),
        _text("handoff_politics"),
        Column("deal_terms", "json", "jsonb", default="'{}'::jsonb"),
    ),
    # HubSpot's "Lifecycle Stage" is its funnel (lead, customer), not an account's stage.
    foreign={frozenset({"record_id"}): {"lifecycle_stage"}},
)  # fmt: skip

STAKEHOLDERS = ImportSpec(
    kind="stakeholders",
    table="accounts_stakeholder",
    columns=(
        Column("external_id", "key", required=True, max_length=100,
               aliases=("contact_id", "id", "record_id", "person_id")),
        Column("account_external_id", "reference", required=True, db_column="account_id",
               aliases=("account", "account_id", "account_crm_id", "primary_associated_company_id",
                        "associated_company_id", "associated_company_ids", "company_id")),
        _text("name", 200, required=True, aliases=("full_name", "contact", "contact_name")),
        Column("first_name", "name_part", max_length=99),
        Column("last_name", "name_part", max_length=100),
        Column("email", "email", max_length=254, default="''", aliases=("email_address",)),
        Column("role", "choice", choices=StakeholderRole, default="'other'",
               aliases=("stakeholder_role", "buying_role")),
        _text("function", 100, aliases=("department", "team", "job_title", "title")),
        _text("success_definition", aliases=("definition_of_success",)),
        Column("success_definition_conflicts", "bool", "boolean", default="false"),
        Column("last_engaged_on", "date", "date", default="NULL",
               aliases=("last_activity_date", "last_activity", "last_engagement_date",
                        "last_contacted")),
        Column("active", "bool", "boolean", default="true"),
        Column("left_on", "date", "date", default="NULL"),
    ),
)  # fmt: skip

OUTCOMES = ImportSpec(
    kind="outcomes",
    table="accounts_account",
    updates_only=True,
    columns=(
        Column("external_id", "key", required=True, max_length=100, aliases=ACCOUNT_KEYS),
        Column("outcome", "choice", required=True, choices=AccountOutcome,
               synonyms=OUTCOME_WORDS, aliases=("renewal_outcome", "status", "result")),
        Column("outcome_on", "date", "date", aliases=OUTCOME_DATES),
    ),
)  # fmt: skip

SPECS = {spec.kind: spec for spec in (ACCOUNTS, STAKEHOLDERS, OUTCOMES)}


class ImportRefused(Exception):
    """Nothing was imported; `errors` says why: [{row, column, message}], row 1 the header."""

    def __init__(self, errors: list[dict], total: int | None = None):
        self.errors = errors[:MAX_LISTED_ERRORS]
        self.total = total if total is not None else len(errors)
        super().__init__(f"{self.total} problem{'s' if self.total != 1 else ''} in the file")


def row_error(row, column, message) -> dict:
    return {"row": row, "column": column, "message": message}


def header_key(header: str) -> str:
    """Headers "Record ID", "record-id" and `RecordId` all read as record_id."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", header.strip())
    return "_".join(re.findall(r"[a-z0-9]+", spaced.lower()))


def headers_key(headers: list[str]) -> str:
    """What a remembered mapping is filed under: the set of headers, in any order."""
    joined = "\x1f".join(sorted(header_key(h) for h in headers))
    return hashlib.sha256(joined.encode()).hexdigest()


def column_mapping(spec: ImportSpec, headers: list[str]) -> dict[str, str | None]:
    """CSV header -> Candor field (by name or a known alias), or None for a column ignored.
    Where two headers could fill one field, the better-ranked name takes it."""
    ranks = {}
    for column in spec.columns:
        for rank, name in enumerate((column.field, *column.aliases)):
            ranks.setdefault(name, (column.field, rank))
    keys = {header: header_key(header) for header in headers}
    foreign = set().union(*(names for sign, names in spec.foreign.items()
                            if sign <= set(keys.values())))  # fmt: skip
    best = {}
    for header, key in keys.items():
        if key in ranks and key not in foreign:
            name, rank = ranks[key]
            if name not in best or rank < best[name][1]:
                best[name] = (header, rank)
    chosen = {header: name for name, (header, _rank) in best.items()}
    return {header: chosen.get(header) for header in headers}


def mapping_problems(spec: ImportSpec, mapping: dict[str, str | None]) -> list[str]:
    """Why a chosen mapping cannot be used (empty when it can)."""
    problems, seen = [], {}
    for header, name in mapping.items():
        if name is None:
            continue
        if spec.get(name) is None:
            problems.append(f"'{name}' is not a field of {spec.kind}.")
        elif name in seen:
            problems.append(f"{name} is chosen for both '{seen[name]}' and '{header}'.")
        seen.setdefault(name, header)
    if "external_id" not in seen:
        problems.append("One column must be external_id: the CRM's id that says which row to "
                        "create or update.")  # fmt: skip
    return problems


def _delimiter(content: str) -> str:
    try:
        return csv.Sniffer().sniff(content[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_table(content: str, nrows: int | None = None) -> pd.DataFrame:
    """Every cell as stripped text, blanks as None; the delimiter (, ; or tab) is sniffed."""
    content = content.lstrip("\ufeff")
    try:
        table = pd.read_csv(
            io.StringIO(content), sep=_delimiter(content), dtype=str, keep_default_na=False,
            skipinitialspace=True, nrows=nrows,
        )  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ImportRefused([row_error(None, None, f"Not a readable CSV file: {error}")]) from error
    table.columns = [str(c).strip() for c in table.columns]
    return table.apply(lambda s: s.str.strip()).replace({"": None})


def count_rows(content: str) -> int:
    """Records after the header (a quoted cell may span lines), without building a table."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=_delimiter(content))
    return max(sum(1 for record in reader if record) - 1, 0)


def mapping_for(spec: ImportSpec, headers: list[str], chosen: dict | None) -> dict:
    """The chosen mapping where it names a header, the automatic one for the rest."""
    automatic = column_mapping(spec, headers)
    chosen = chosen or {}
    return {h: chosen[h] if h in chosen else automatic[h] for h in headers}


def preview(kind: str, content: str, mapping: dict | None = None, rows: int | None = None):
    """What the page shows before anything is written: the mapping, the columns a new row
    needs that the file lacks, and the first rows. Reads only the first rows of the file."""
    spec = SPECS[kind]
    table = read_table(content, nrows=PREVIEW_ROWS)
    mapping = mapping_for(spec, list(table.columns), mapping)
    mapped = set(mapping.values()) | ({"name"} if "first_name" in mapping.values() else set())
    return {
        "kind": kind,
        "rows": count_rows(content) if rows is None else rows,
        "mapping": [{"header": h, "field": f} for h, f in mapping.items()],
        "missing": [c.field for c in spec.columns if c.required and c.field not in mapped],
        "updates_only": spec.updates_only,
        "headers": list(table.columns),
        "first_rows": table.fillna("").values.tolist(),
    }


def parse(kind: str, content: str, mapping: dict | None = None, date_order: str = "auto"):
    """The file as typed columns named for Candor's fields, the columns they fill, and every
    wrong cell (row errors). The frame keeps `row`, each record's row in the file, and
    `bad_fields`, the fields of that row whose cell was wrong (left empty in the frame)."""
    spec = SPECS[kind]
    table = read_table(content)
    mapping = {h: f for h, f in mapping_for(spec, list(table.columns), mapping).items() if f}
    if "external_id" not in mapping.values():
        raise ImportRefused([row_error(1, None, "The file needs an external_id column: the CRM's "
                                             "id that says which row to create or update.")])  # fmt: skip
    dates = [table[h] for h, f in mapping.items() if spec.get(f).kind == "date"]
    context = CellContext(slashed_date_order(dates, date_order))
    typed = pd.DataFrame({"row": np.arange(len(table)) + 2})
    bad_fields = [[] for _ in range(len(table))]
    columns, errors = [], []
    for header, name in mapping.items():
        column = spec.get(name)
        values, bad, message = PARSERS[column.kind](table[header], column, context)
        typed[name] = values.to_numpy()
        for position in np.flatnonzero(bad.to_numpy()):
            errors.append(
                row_error(int(position) + 2, header, message(table[header].iat[position]))
            )
            bad_fields[position].append(name)
        columns.append(column)
    columns = _whole_names(spec, typed, columns)
    typed["bad_fields"] = ["{" + ",".join(names) + "}" if names else None for names in bad_fields]
    errors += _duplicate_keys(typed)
    if spec is ACCOUNTS and "deal_terms" in typed:
        typed["deviating_terms"] = [
            None if terms is None else orjson.dumps(deviating_terms(orjson.loads(terms))).decode()
            for terms in typed["deal_terms"]
        ]
    return typed, columns, errors


def _whole_names(spec, typed: pd.DataFrame, columns: list[Column]) -> list[Column]:
    """A first and last name make up `name` where the file has no full name (HubSpot and
    Salesforce export contacts so)."""
    parts = [c.field for c in columns if not c.stored]
    if parts and "name" not in typed:
        given = [" ".join(p for p in row if p) or None
                 for row in typed[parts].itertuples(index=False)]  # fmt: skip
        typed["name"] = pd.Series(given, index=typed.index, dtype=object)
        columns = [*columns, spec.get("name")]
    return [c for c in columns if c.stored]


def _duplicate_keys(typed: pd.DataFrame) -> list[dict]:
    keys = typed["external_id"]
    again = keys.duplicated(keep="first") & keys.notna()
    first = typed.groupby("external_id")["row"].min()
    return [
        row_error(int(row), "external_id", f"'{key}' appears again (first at row {first[key]}).")
        for row, key in zip(typed["row"][again], keys[again], strict=True)
    ]
