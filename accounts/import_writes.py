"""The set-based half of a CSV import: a parsed file into its table, in batches, all or nothing.

The typed rows are COPied into a temporary table (no WAL, no indexes). The checks that need the
database — which rows are new, whether a new row has what it needs, whether a stakeholder's
account exists, whether dates stay in order once merged with what is stored — are a handful of
joins over it, run even when cells were wrong, so a refused file lists every problem at once
(a wrong cell is not reported again as missing). Then, per batch of rows, one UPDATE of the rows
that exist (an empty cell keeps the stored value) and one INSERT of the new ones. The caller's
transaction makes it atomic.
"""

from collections.abc import Callable

from django.db import connection

from accounts.imports import MAX_LISTED_ERRORS, Column, ImportRefused, ImportSpec, row_error

BATCH = 10_000
TEMP = "candor_import"

Progress = Callable[[str, int, int], None]


def import_write(spec: ImportSpec, typed, columns: list[Column], progress: Progress,
                 cell_errors: list[dict] = ()) -> dict:  # fmt: skip
    """Write a parsed file; returns {rows, created, updated, account_ids} or raises
    ImportRefused with its wrong cells and the rows the database says are wrong (then nothing
    is written)."""
    total = len(typed)
    with connection.cursor() as cursor:
        _load(cursor, spec, typed, columns)
        errors, count = _check(cursor, spec, columns)
        if errors or cell_errors:
            listed = sorted(
                [*cell_errors, *errors], key=lambda e: (e["row"] or 0, e["column"] or "")
            )
            raise ImportRefused(listed, count + len(cell_errors))
        account_ids = _touched_accounts(cursor, spec)
        created = updated = 0
        for first in range(2, total + 2, BATCH):
            rows = (first, first + BATCH)
            updated += _update(cursor, spec, columns, rows)
            if not spec.updates_only:
                created += _insert(cursor, spec, columns, rows, account_ids)
            progress("writing", min(first + BATCH - 2, total), total)
        cursor.execute(f"DROP TABLE {TEMP}")
    return {"rows": total, "created": created, "updated": updated,
            "account_ids": sorted(account_ids)}  # fmt: skip


def _temp_columns(spec: ImportSpec, columns: list[Column]) -> list[tuple[str, str]]:
    names = [(column.column if column.kind != "reference" else column.field, column.sql_type)
             for column in columns]  # fmt: skip
    names.append(("bad_fields", "text[]"))
    if spec.kind == "accounts" and spec.get("deal_terms") in columns:
        names.append(("deviating_terms", "jsonb"))
    return names


def _load(cursor, spec, typed, columns) -> None:
    temp = _temp_columns(spec, columns)
    extra = ", account_id bigint" if spec.kind == "stakeholders" else ""
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
    cursor.execute(
        f"CREATE TEMP TABLE {TEMP} (row integer PRIMARY KEY, id bigint{extra}, "
        f"{', '.join(f'{name} {sql_type}' for name, sql_type in temp)}) ON COMMIT DROP"
    )
    frame = typed.rename(columns={c.field: c.column for c in columns if c.kind != "reference"})
    names = ["row", *(name for name, _ in temp)]
    text = frame[names].to_csv(index=False, header=False, na_rep="")
    with cursor.cursor.copy(f"COPY {TEMP} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(text)
    cursor.execute(
        f"UPDATE {TEMP} t SET id = x.id FROM {spec.table} x WHERE x.external_id = t.external_id"
    )
    if spec.kind == "stakeholders" and spec.get("account_external_id") in columns:
        cursor.execute(
            f"UPDATE {TEMP} t SET account_id = a.id FROM accounts_account a "
            "WHERE a.external_id = t.account_external_id"
        )


def _check(cursor, spec, columns) -> tuple[list[dict], int]:
    """Problems only the database can see, each as row errors, and how many there are."""
    errors, total = [], 0
    for sql, column, message in _checks(spec, columns):
        cursor.execute(f"{sql} ORDER BY t.row LIMIT {MAX_LISTED_ERRORS}")
        rows = cursor.fetchall()
        if rows:
            errors += [row_error(row, column, message(value)) for row, value, _n in rows]
            total += rows[0][2]
    return sorted(errors, key=lambda e: e["row"]), total


def _well_formed(name: str) -> str:
    """SQL: the row's cell for `name` was not wrong (a wrong cell is reported once, as wrong)."""
    return "NOT ('" + name + "' = ANY(coalesce(t.bad_fields, '{}'::text[])))"


def _checks(spec, columns):
    """(SELECT row, value, count(*) OVER () ..., column, message) for each database check."""
    mapped = {column.field for column in columns}
    if spec.updates_only:
        yield (f"SELECT t.row, t.external_id, count(*) OVER () FROM {TEMP} t "
               "WHERE t.id IS NULL AND t.external_id IS NOT NULL", "external_id",
               lambda v: f"no account has external_id '{v}'")  # fmt: skip
    yield from _required_checks(spec, mapped)
    if spec.kind == "stakeholders" and "account_external_id" in mapped:
        yield (f"SELECT t.row, t.account_external_id, count(*) OVER () FROM {TEMP} t "
               "WHERE t.account_external_id IS NOT NULL AND t.account_id IS NULL",
               "account_external_id", lambda v: f"no account has external_id '{v}'")  # fmt: skip
    if spec.table == "accounts_account":
        yield from _account_date_checks(spec, mapped)


def _required_checks(spec, mapped):
    """Each field a new row needs (every row, where the import only updates)."""
    rows = f"FROM {TEMP} t WHERE t.external_id IS NOT NULL AND " + (
        "true" if spec.updates_only else "t.id IS NULL"
    )
    who = f"every {spec.noun} row" if spec.updates_only else f"a new {spec.noun}"
    for column in spec.columns:
        if not column.required or column.kind == "key":
            continue
        if column.field in mapped:
            name = column.field if column.kind == "reference" else column.column
            yield (f"SELECT t.row, NULL, count(*) OVER () {rows} AND t.{name} IS NULL "
                   f"AND {_well_formed(column.field)}", column.field,
                   lambda _v, f=column.field: f"{who} needs its {f}")  # fmt: skip
        else:
            yield (f"SELECT t.row, NULL, count(*) OVER () {rows}", column.field,
                   lambda _v, f=column.field: (
                       f"{who} needs its {f}, and the file has no {f} column"))  # fmt: skip


def _given(mapped, name: str, sql_type: str) -> str:
    return f"t.{name}" if name in mapped else f"NULL::{sql_type}"


def _account_date_checks(spec, mapped):
    """Dates in order once merged with what is stored, and an end date for an ended account."""
    joined = f"FROM {TEMP} t LEFT JOIN {spec.table} x ON x.id = t.id WHERE"
    start = f"coalesce({_given(mapped, 'contract_start', 'date')}, x.contract_start)"
    if mapped & {"contract_start", "renewal_date"}:
        renewal = f"coalesce({_given(mapped, 'renewal_date', 'date')}, x.renewal_date)"
        yield (f"SELECT t.row, NULL, count(*) OVER () {joined} {renewal} < {start}",
               "renewal_date", lambda _v: "renewal date is before the contract start")  # fmt: skip
    if mapped & {"outcome", "outcome_on"}:
        outcome = f"coalesce({_given(mapped, 'outcome', 'text')}, x.outcome)"
        ended_on = f"coalesce({_given(mapped, 'outcome_on', 'date')}, x.outcome_on)"
        yield (f"SELECT t.row, {outcome}, count(*) OVER () {joined} {outcome} IN "
               f"('churned', 'renewed') AND {ended_on} IS NULL AND {_well_formed('outcome_on')}",
               "outcome_on", lambda v: f"a {v} account needs its outcome_on: the day it {v}")  # fmt: skip
        yield (f"SELECT t.row, NULL, count(*) OVER () {joined} {ended_on} < {start}",
               "outcome_on", lambda _v: "outcome date is before the contract start")  # fmt: skip


def _touched_accounts(cursor, spec) -> set[int]:
    """The accounts whose score the import can move (for stakeholders: theirs, before and
    after). New accounts are added as they are inserted."""
    if spec.table == "accounts_account":
        cursor.execute(f"SELECT id FROM {TEMP} WHERE id IS NOT NULL")
    else:
        cursor.execute(
            f"SELECT t.account_id FROM {TEMP} t WHERE t.account_id IS NOT NULL UNION "
            f"SELECT x.account_id FROM {TEMP} t JOIN {spec.table} x ON x.id = t.id"
        )
    return {row[0] for row in cursor.fetchall()}


def _source(column: Column) -> str:
    return "account_id" if column.kind == "reference" else column.column


def _update(cursor, spec, columns, rows) -> int:
    sets = [f"{_source(c)} = coalesce(t.{_source(c)}, x.{_source(c)})"
            for c in columns if c.kind != "key"]  # fmt: skip
    if spec.table == "accounts_account":
        if spec.get("deal_terms") in columns:
            sets.append("deviating_terms = coalesce(t.deviating_terms, x.deviating_terms)")
        sets.append("updated_at = now()")
    if not sets:
        return 0
    cursor.execute(
        f"UPDATE {spec.table} x SET {', '.join(sets)} FROM {TEMP} t "
        "WHERE x.id = t.id AND t.row >= %s AND t.row < %s",
        list(rows),
    )
    return cursor.rowcount


def _insert(cursor, spec, columns, rows, account_ids: set[int]) -> int:
    mapped = {column.field for column in columns}
    names, values = [], []
    for column in filter(lambda c: c.stored, spec.columns):
        names.append(_source(column))
        given = f"t.{_source(column)}" if column.field in mapped else None
        default = column.default or "NULL"
        values.append(f"coalesce({given}, {default})" if given else default)
    if spec.kind == "accounts":
        deviating = "t.deviating_terms" if "deal_terms" in mapped else "NULL"
        names += ["deviating_terms", "created_at", "updated_at"]
        values += [f"coalesce({deviating}, '[]'::jsonb)", "now()", "now()"]
    returned = "id" if spec.kind == "accounts" else "account_id"
    cursor.execute(
        f"INSERT INTO {spec.table} ({', '.join(names)}) SELECT {', '.join(values)} "
        f"FROM {TEMP} t WHERE t.id IS NULL AND t.row >= %s AND t.row < %s RETURNING {returned}",
        list(rows),
    )
    inserted = cursor.fetchall()
    account_ids.update(row[0] for row in inserted)
    return len(inserted)
