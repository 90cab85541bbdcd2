"""Bulk writes (demo seed): PostgreSQL COPY, with ids we assign.

Assigning ids ourselves lets related rows reference each other without a round trip per row,
which is what makes a 100,000-account portfolio seed in minutes rather than hours.
"""

from contextlib import contextmanager

import orjson
from django.core.management.color import no_style
from django.db import connection

# Index builds sort in memory up to this much: a 20-million-row index sorted in 64 MB spills
# to disk many times over.
BUILD_MEMORY = "1GB"


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def write_rows(model, columns: list[str], rows: list[tuple], raw=None) -> None:
    """COPY `rows` on Django's connection, or on `raw` (its psycopg connection, which another
    thread may use while this one does not)."""
    if rows:
        json_at = [
            i
            for i, column in enumerate(columns)
            if model._meta.get_field(column).get_internal_type() == "JSONField"
        ]
        _copy(model._meta.db_table, columns, rows, raw, json_at)


@contextmanager
def bulk_load(tables: list[str], quiet: list[str] = ()):
    """Load millions of rows into `tables` the way PostgreSQL loads fastest, in the caller's
    transaction: their foreign keys, unique constraints and plain secondary indexes are dropped
    and, on leaving, made again (each foreign key checked by one join, not a lookup per row;
    each index sorted once, not grown row by row); the user triggers of the `quiet` tables do
    not fire meanwhile, so whatever they maintain is the caller's to keep. Primary keys stay,
    and so do partial and expression indexes (small, and PostgreSQL would spell a remade one's
    predicate differently)."""
    with connection.cursor() as cursor:
        dropped = [_dropped(cursor, table) for table in tables]
        for table in quiet:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        for table in quiet:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for statements in dropped:
            for sql in statements:
                cursor.execute(sql)


CONSTRAINTS_SQL = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype = %s ORDER BY conname
"""
INDEXES_SQL = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
    WHERE i.indrelid = %s::regclass AND i.indpred IS NULL AND i.indexprs IS NULL AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
    ) ORDER BY 1
"""


def _dropped(cursor, table: str) -> list[str]:
    """Drop the table's unique and foreign-key constraints and its other indexes; return the
    statements that make them again, the foreign keys last."""
    uniques, foreign_keys = (_constraints(cursor, table, kind) for kind in ("u", "f"))
    cursor.execute(INDEXES_SQL, [table])
    indexes = cursor.fetchall()
    for name, _definition in uniques + foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [
        *(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}' for name, d in uniques),
        *(definition for _name, definition in indexes),
        *(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}' for name, d in foreign_keys),
    ]


def _constraints(cursor, table: str, kind: str) -> list[tuple[str, str]]:
    cursor.execute(CONSTRAINTS_SQL, [table, kind])
    return cursor.fetchall()


def reset_sequences(models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _copy(table, columns, rows, raw=None, json_at=()):
    """COPY the rows; the values of the JSON columns (`json_at`, by position) as JSON text,
    decided by the columns' types, not by the first row (its value may be None)."""
    if raw is None:
        connection.ensure_connection()
        raw = connection.connection
    if json_at:
        rows = (_json_encoded(row, json_at) for row in rows)
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _json_encoded(row, json_at) -> list:
    row = list(row)
    for i in json_at:
        row[i] = _pg_value(row[i])
    return row


def _json(value) -> str:
    """orjson: ten times faster than json.dumps, and NaN becomes null (valid JSON for jsonb)."""
    return orjson.dumps(value).decode()


def _pg_value(value):
    if isinstance(value, dict | list):
        return _json(value)
    return value
