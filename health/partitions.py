"""Score history partitioned by the week of `as_of` (PostgreSQL only).

Every scoring run inserts one row per account into the (account, as_of, computed_at) index. In
one table that index holds every score ever written, each account's rows side by side, so a
run's 100,000 inserts land on 100,000 different leaf pages of an index of hundreds of MB: cold
pages, and a full-page WAL write for each after a checkpoint. Per partition, a run only touches
the current partition's index. A month's partition still outgrew the buffer cache by the 30th
(3M rows, an index of 250 MB against 128 MB of shared buffers: the write took 3x a bare COPY
of its rows); a week's holds at most seven nights, whatever day of the month it is.

Weeks are the 1st-7th, 8th-14th, 15th-21st, 22nd-28th and the 29th to the month's end
(`week_bounds`), so a week never crosses a month. A database made before weeks keeps its month
partitions: a day of such a month is still written there (`history_partition_ensure` returns
the partition that holds the day).

Weeks get their partition on first write. Rows written to a week that had none yet (by the
ORM, say) wait in the default partition and move in when it is made.
"""

from datetime import date

from candor.partitions import month_bounds, table_committed, table_exists, week_bounds

TABLE = "health_healthscore"
DEFAULT = f"{TABLE}_default"
# Any constant: one key serialises the shards that would make the same partition at once.
PARTITION_LOCK = 0x63616E646F72


def partition_name(day: date) -> str:
    """The week partition's name, after its first day."""
    return f"{TABLE}_{week_bounds(day)[0]:%Y_%m_%d}"


def month_partition_name(day: date) -> str:
    """The partition of `day`'s month in a database partitioned by month before weeks."""
    return f"{TABLE}_{day:%Y_%m}"


def history_partition_bounds(cursor, day: date) -> tuple[date, date]:
    """The first day of the partition that holds (or will hold) `day`, and the day after it."""
    return (
        month_bounds(day) if table_exists(cursor, month_partition_name(day)) else week_bounds(day)
    )


def history_partition_ensure(cursor, day: date) -> str:
    """The partition that holds `day`'s scores: its month's if the database has one from
    before weeks, else its week's, made if it has none yet.

    Made as a plain table, filled with the week's rows from the default partition, then
    attached (which builds its indexes), under a transaction-level advisory lock.
    """
    month = month_partition_name(day)
    if table_exists(cursor, month):
        return month
    name = partition_name(day)
    if table_exists(cursor, name):
        return name
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
    if table_committed(cursor, name):
        return name
    first, after = (f"'{bound.isoformat()}'" for bound in week_bounds(day))
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE as_of >= {first} AND as_of < {after} "
        f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({first}) TO ({after})"
    )
    return name
