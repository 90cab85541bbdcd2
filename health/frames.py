"""Rows of the database as pandas frames, for the features (health.features).

A grouped query's 100,000 rows never become Python objects one by one: the database writes them
as one CSV text and pandas' C reader parses it (`fetch_rows`). For a list of ids, the grouped
parts are read in ONE statement (`fetch_joined`), compiled once a day and kept as SQL text with
the ids bound in (health.statements), and the ids travel as one array parameter (the `__any`
lookup, `AnyOf`, registered here on integer fields and foreign keys).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Lookup

from health.statements import SLOT, IdsSlot, bound, kept, statement_text


@models.ForeignKey.register_lookup
@models.IntegerField.register_lookup
class AnyOf(Lookup):
    """`column = ANY(%s)`: a list of ids as ONE array parameter, where `__in` takes one per id.
    PostgreSQL plans both alike (it reads an IN list as = ANY of an array); compiling and
    quoting a hundred parameters per query cost a small rescore more than some of its queries.
    The ids' `SLOT` (health.statements) passes through: a statement compiled once for any ids."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = self.rhs if isinstance(self.rhs, IdsSlot) else [int(pk) for pk in self.rhs]
        return f"{lhs} = ANY(%s)", [*params, ids]


def fetch_rows(queryset) -> pd.DataFrame:
    """A values()/values_list() queryset as a frame, without a Python object per row.

    The compiled query's rows come as one CSV text (`_read_csv`), parsed by pandas'
    C reader: for 100,000 rows with timestamps that is several times faster than a cursor
    building Python datetimes, or Django a dict per row.
    """
    return _read_csv(*queryset.query.sql_with_params(), row_types(queryset))


def row_types(queryset) -> dict[str, str]:
    """Each column of a values() queryset, in order, with its Django field type."""
    return {name: _internal_type(queryset, name) for name in _columns(queryset)}


def fetch_scoped(rows: Callable, as_of: date, restrict) -> pd.DataFrame:
    """`fetch_rows(rows(as_of, restrict))`; for a list of ids, the statement is compiled once
    per `rows` and day (health.statements) and read with the ids bound into its text."""
    if not isinstance(restrict, list):
        return fetch_rows(rows(as_of, restrict))
    text, types = kept((rows, as_of), partial(_statement, rows, as_of))
    return _read_csv(bound(text, restrict), None, types)


def fetch_scoped_tuples(rows: Callable, as_of: date, restrict) -> list[tuple]:
    """`list(rows(as_of, restrict))` of a values_list() queryset whose values need no
    conversion from the database's (numbers, text); for a list of ids, the statement is
    compiled once per `rows` and day, as `fetch_scoped` keeps it."""
    if not isinstance(restrict, list):
        return list(rows(as_of, restrict))
    text, _ = kept((rows, as_of), partial(_statement, rows, as_of))
    with connection.cursor() as cursor:
        cursor.execute(bound(text, restrict))
        return cursor.fetchall()


def _statement(rows: Callable, as_of: date) -> tuple[str, dict]:
    queryset = rows(as_of, SLOT)
    types = row_types(queryset)
    return statement_text(*queryset.query.sql_with_params()), types


@dataclass(frozen=True)
class Joined:
    """A statement reading querysets grouped by account for a list of ids (`joined`), as text
    with the ids' place marked, and the types and the columns of each queryset's frame."""

    text: str
    types: dict
    names: list


def fetch_joined(querysets, ids: list) -> list[pd.DataFrame]:
    """The frames of querysets grouped by account (each with an `account_id` and at most one
    row per account), for a list of accounts, read as ONE statement: the ids left-joined to
    each query, one CSV value, one parse. Each frame is indexed by `ids`, NaN where its query
    had no row: what its own frame reindexed to them would hold."""
    return joined_read(joined(querysets), ids)


def joined(querysets) -> Joined:
    """The statement `fetch_joined` reads, compiled (kept by a small rescore: health.statements)."""
    selects, joins, params, types, names = [], [], [[SLOT]], {"account_id": "BigIntegerField"}, []
    for n, queryset in enumerate(querysets):
        sql, values = queryset.query.sql_with_params()
        own = [name for name in _columns(queryset) if name != "account_id"]
        selects += [f'p{n}."{name}" AS "{n}.{name}"' for name in own]
        types.update({f"{n}.{name}": _internal_type(queryset, name) for name in own})
        joins.append(f"LEFT JOIN ({sql}) p{n} ON p{n}.account_id = k.account_id")
        params.append(values)
        names.append(own)
    sql = (
        f"SELECT k.account_id, {', '.join(selects)} "
        f"FROM unnest(%s::bigint[]) WITH ORDINALITY AS k(account_id, n) {' '.join(joins)} "
        "ORDER BY k.n"
    )
    return Joined(
        statement_text(sql, [value for values in params for value in values]), types, names
    )


def joined_read(statement: Joined, ids: list) -> list[pd.DataFrame]:
    """Each queryset's frame: its columns, side by side in the statement, sliced by position."""
    frame = _read_csv(bound(statement.text, ids), None, statement.types).set_index("account_id")
    ends = np.cumsum([len(own) for own in statement.names])
    return [
        frame.iloc[:, end - len(own) : end].set_axis(own, axis=1)
        for own, end in zip(statement.names, ends, strict=True)
    ]


def _columns(queryset) -> list[str]:
    return [*queryset.query.values_select, *queryset.query.annotation_select]


def _read_csv(sql: str, params, types: dict) -> pd.DataFrame:
    """The rows of a statement as CSV, parsed by pandas' C reader; `types` gives each column's
    Django field type, in order.

    The database writes the CSV itself and sends it as ONE value (`_csv_of`): streamed with
    COPY, each row was a message of its own, and reading 900,000 of them cost more Python time
    than everything else the features do."""
    with connection.cursor() as cursor:
        cursor.execute(_csv_of(sql, types), params)
        data = cursor.fetchone()[0]
    return frame_of_csv(data, types)


def frame_of_csv(data: str | None, types: dict) -> pd.DataFrame:
    """CSV text as `_csv_of` writes it (None: no rows) parsed into a frame of `types`."""
    frame = pd.read_csv(
        io.StringIO(data or ""), names=list(types), header=None, keep_default_na=False, na_values=[""],
        dtype={name: str for name, kind in types.items() if kind in TEXT_TYPES},
    )  # fmt: skip
    for name, kind in types.items():
        if kind in CONVERTED_TYPES:  # numbers come out of the parser as they should be
            frame[name] = _typed(frame[name], kind)
    return frame


def _csv_of(sql: str, types: dict) -> str:
    """The statement's rows as one CSV text, in its order, as COPY (FORMAT csv) writes them:
    NULL empty, text quoted, booleans t and f, everything else as PostgreSQL prints it."""
    line = " || ',' || ".join(csv_cell(f"q.c{n}", kind) for n, kind in enumerate(types.values()))
    names = ", ".join(f"c{n}" for n in range(len(types)))
    return f"SELECT string_agg({line}, E'\\n') FROM ({sql}) AS q({names})"


def csv_cell(column: str, kind: str) -> str:
    if kind in TEXT_TYPES:
        return f"""coalesce('"' || replace({column}::text, '"', '""') || '"', '')"""
    if kind == "BooleanField":
        return f"CASE WHEN {column} THEN 't' WHEN NOT {column} THEN 'f' ELSE '' END"
    return f"coalesce({column}::text, '')"


TEXT_TYPES = ("CharField", "TextField", "JSONField")
CONVERTED_TYPES = ("DateTimeField", "DateField", "BooleanField", *TEXT_TYPES)


def _internal_type(queryset, name: str) -> str:
    annotation = queryset.query.annotation_select.get(name)
    field = annotation.output_field if annotation is not None else None
    return (field or queryset.model._meta.get_field(name)).get_internal_type()


def _typed(column: pd.Series, internal_type: str) -> pd.Series:
    """CSV text back to what the scorer expects: UTC timestamps, dates, booleans, text."""
    if internal_type == "DateTimeField":
        return pd.to_datetime(column, utc=True, format="ISO8601")
    if internal_type == "DateField":
        return pd.to_datetime(column, format="ISO8601")
    if internal_type == "BooleanField":
        return column.map({"t": True, "f": False})
    if internal_type in TEXT_TYPES:
        return column.fillna("")
    return column


def exists_each(querysets) -> list[bool]:
    """Whether each queryset has a row, as `.exists()` says, in one statement: one round trip
    instead of one per question. A queryset that can match nothing (an empty IN) is False."""
    return exists_read(exists_statement(querysets))


def exists_statement(querysets) -> tuple[str, list] | None:
    """The statement `exists_each` asks (None for no question)."""
    asked, params = [], []
    for queryset in querysets:
        try:
            sql, values = queryset.query.exists().sql_with_params()
        except EmptyResultSet:
            asked.append("false")
            continue
        asked.append(f"EXISTS ({sql})")
        params.extend(values)
    return (f"SELECT {', '.join(asked)}", params) if asked else None


def exists_read(statement: tuple[str, list] | None) -> list[bool]:
    if statement is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return list(cursor.fetchone())


def fetch_frame(queryset) -> pd.DataFrame:
    return fetch_rows(queryset).set_index("account_id")
