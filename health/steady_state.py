"""A portfolio as it stands after weeks of nightly scoring runs, for the benchmarks.

A freshly seeded database has an empty score history, so a benchmark on it measures day one;
a company that scores every night lives on day thirty, with a month's partition of history
holding a run per night. `history_nights_fill` writes those runs at once, set-based in the
database (no rows through Python), repeating each account's current score, as if N nightly
runs had happened with nothing changing.

The nights are the N days before `as_of`, but never before its month's first day: the runs
that would fall in the month before are dated on the month's first days instead (a second run
those nights), so the current month's partition holds N runs whatever the date, as it does on
the 30th. Each night's run gets its own `computed_at`, earlier than any real run of that day.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from candor.partitions import month_bounds
from health.models import CurrentHealth, HealthScore
from health.partitions import history_partition_ensure, partition_name
from health.services import NEXT_ID

NIGHTLY_AT = time(2, tzinfo=UTC)
COPIED = [
    "account_id", "overall", "rag", "facts", "flag_codes", "checklist_completion",
    "outcome_attainment", "scorecard_id", "scorecard_version",
]  # fmt: skip


def history_nights(nights: int, as_of: date, now: datetime) -> list[tuple[date, datetime]]:
    """(as_of, computed_at) of each generated nightly run, oldest first."""
    first = month_bounds(as_of)[0]
    # A night dated today runs before any real run of today (the benchmark's).
    latest = now - timedelta(hours=1)
    runs = []
    for k in range(nights, 0, -1):
        day = max(first, as_of - timedelta(days=k))
        moment = min(datetime.combine(day, NIGHTLY_AT), latest) - timedelta(seconds=k)
        runs.append((day, moment))
    return runs


def history_nights_fill(*, nights: int, as_of: date) -> int:
    """Write `nights` nightly runs of every currently scored account into score history
    (one INSERT ... SELECT per night straight into the month's partition); nights already
    written are skipped, so a second benchmark run adds nothing. Returns the rows written."""
    if not CurrentHealth.objects.exists():
        return 0
    written = 0
    for day, computed_at in history_nights(nights, as_of, timezone.now()):
        if HealthScore.objects.filter(as_of=day, computed_at=computed_at).exists():
            continue
        written += _night_write(day, computed_at)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {HealthScore._meta.db_table}")
    return written


@transaction.atomic
def _night_write(day: date, computed_at: datetime) -> int:
    """One night's run: each account's current score again, in account order as a run
    writes it."""
    columns = ", ".join(COPIED)
    picked = ", ".join(f"h.{c}" for c in COPIED)
    with connection.cursor() as cursor:
        history_partition_ensure(cursor, day)
        cursor.execute(
            f"INSERT INTO {partition_name(day)} (id, as_of, computed_at, {columns}) "
            f"SELECT {NEXT_ID}, %s, %s, {picked} FROM {CurrentHealth._meta.db_table} c "
            f"JOIN {HealthScore._meta.db_table} h ON h.id = c.score_id "
            "ORDER BY h.account_id",
            [day, computed_at],
        )
        return cursor.rowcount
