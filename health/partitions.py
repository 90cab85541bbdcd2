"""Score history partitioned by the month of `as_of` (PostgreSQL only).

Every scoring run inserts one row per account into the (account, as_of, computed_at) index. In
one table that index holds every score ever written, each account's rows side by side, so a
run's 100,000 inserts land on 100,000 different leaf pages of an index of hundreds of MB: cold
pages, and a full-page WAL write for each after a checkpoint. Per month, a run only touches the
current month's index, where ~10 accounts share a leaf page.

Months get their partition on first write (`history_partition_ensure`). Rows written to a month
that had none yet (by the ORM, say) wait in the default partition and move in when it is made.
"""

from datetime import date

from candor.partitions import month_bounds, table_exists

TABLE = "health_healthscore"
DEFAULT = f"{TABLE}_default"
# Any constant: one key serialises the shards that would make the same month at once.
PARTITION_LOCK = 0x63616E646F72


def partition_name(day: date) -> str:
    return f"{TABLE}_{day:%Y_%m}"


def history_partition_ensure(cursor, day: date) -> None:
    """Give `day`'s month its own partition of history, if it has none yet.

    Made as a plain table, filled with the month's rows from the default partition, then
    attached (which builds its indexes), under a transaction-level advisory lock.
    """
    name = partition_name(day)
    if table_exists(cursor, name):
        return
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
    if table_exists(cursor, name):
        return
    first, after = (f"'{bound.isoformat()}'" for bound in month_bounds(day))
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE as_of >= {first} AND as_of < {after} "
        f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({first}) TO ({after})"
    )
