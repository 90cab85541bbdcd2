"""Bulk writes (demo seed): PostgreSQL COPY, with ids we assign.

Assigning ids ourselves lets related rows reference each other without a round trip per row,
which is what makes a 100,000-account portfolio seed in minutes rather than hours.
"""

import orjson
from django.core.management.color import no_style
from django.db import connection


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def write_rows(model, columns: list[str], rows: list[tuple]) -> None:
    if rows:
        _copy(model._meta.db_table, columns, rows)


def reset_sequences(models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _copy(table, columns, rows):
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(_pg_value(v) for v in row))


def _json(value) -> str:
    """orjson: ten times faster than json.dumps, and NaN becomes null (valid JSON for jsonb)."""
    return orjson.dumps(value).decode()


def _pg_value(value):
    if isinstance(value, dict | list):
        return _json(value)
    return value
