"""What the time-partitioned tables (score history, raw source messages) share: a month's and
a week's bounds and whether a partition exists yet."""

from datetime import date, timedelta


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of `day`'s month and the first day of the next."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def week_bounds(day: date) -> tuple[date, date]:
    """The seven days of `day`'s month that hold it (the 1st-7th, 8th-14th, 15th-21st,
    22nd-28th), or the month's last days from the 29th: a week never crosses a month."""
    first = day.replace(day=1 + 7 * ((day.day - 1) // 7))
    return first, min(first + timedelta(days=7), month_bounds(day)[1])


def table_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def table_committed(cursor, name: str) -> bool:
    """Whether the table exists, as the statement's snapshot sees the catalog: the check again
    once a partition's advisory lock is taken. `to_regclass` reads the backend's catalog cache,
    which taking an advisory lock does not refresh, and missed a partition another writer made
    while this one waited for the lock."""
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = %s "
        "AND relnamespace = current_schema()::regnamespace)",
        [name],
    )
    return cursor.fetchone()[0]
