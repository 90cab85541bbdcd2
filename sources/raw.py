"""The raw message store, partitioned by the month received (PostgreSQL).

Every message a source sends is kept as it came (compact JSON), so a mapping made later can turn
last quarter's events into signals. A month gets its partition on its first write; messages older
than `SOURCES_RAW_RETENTION_DAYS` go a whole month at a time (`raw_partitions_drop`): dropping a
partition costs nothing, where deleting millions of rows would bloat the table.
"""

from datetime import date, datetime

from django.db import connection, transaction

from candor.partitions import month_bounds, table_committed, table_exists

TABLE = "sources_rawmessage"
DEFAULT = f"{TABLE}_default"
# Any constant: one key serialises the requests that would make the same month at once.
PARTITION_LOCK = 0x736F7572636573
_known: set[str] = set()  # months this process has seen made (a partition is never renamed)


def partition_name(day: date) -> str:
    return f"{TABLE}_{day:%Y_%m}"


def raw_partition_ensure(cursor, moment: datetime) -> None:
    """Give the month of `moment` its own partition, if it has none yet (rows of that month
    already in the default partition move in)."""
    name = partition_name(moment.date())
    if name in _known:
        return
    if not table_exists(cursor, name):
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
        if not table_committed(cursor, name):
            _partition_make(cursor, name, moment.date())
    _known.add(name)


def raw_partition_ready(moment: datetime) -> None:
    """`raw_partition_ensure` in a transaction of its own (its lock is a transaction's), for a
    writer that runs without one; nothing at all once this process has seen the month made."""
    if partition_name(moment.date()) in _known:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        raw_partition_ensure(cursor, moment)


def _partition_make(cursor, name: str, day: date) -> None:
    first, after = (f"'{bound.isoformat()}'" for bound in month_bounds(day))
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE received_at >= {first} "
        f"AND received_at < {after} RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({first}) TO ({after})"
    )


def raw_partitions(cursor) -> list[tuple[str, date, date]]:
    """The monthly partitions: (name, first day, first day after), oldest first."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass AND c.relname <> %s ORDER BY c.relname",
        [TABLE, DEFAULT],
    )
    months = []
    for (name,) in cursor.fetchall():
        year, month = name.removeprefix(f"{TABLE}_").split("_")
        first = date(int(year), int(month), 1)
        months.append((name, *month_bounds(first)))
    return months


def raw_partitions_drop(*, before: date) -> list[str]:
    """Drop the months that ended on or before `before`, and older rows of the default
    partition; returns the partitions dropped."""
    dropped = []
    with connection.cursor() as cursor:
        for name, _first, after in raw_partitions(cursor):
            if after <= before:
                cursor.execute(f"DROP TABLE {name}")
                _known.discard(name)
                dropped.append(name)
        cursor.execute(f"DELETE FROM {DEFAULT} WHERE received_at < %s", [before])
    return dropped
