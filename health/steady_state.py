"""A portfolio as it stands after weeks of nightly scoring runs, for the benchmarks.

A freshly seeded database has an empty score history, so a benchmark on it measures day one;
a company that scores every night lives on day thirty, with a month of nightly runs in its
history. `history_nights_fill` writes those runs at once, set-based in the
database (no rows through Python), repeating each account's current score, as if N nightly
runs had happened with nothing changing.

The nights are the N days before `as_of`, except that the current partition of history is as
full as on its last day: the nights that would fall before its first day, among the last
(its length - 1), are dated on its first day instead (a second run those nights). A week's
partition thus holds six runs before the benchmark's own, whatever the date; a month's (a
database partitioned before weeks) holds all N, as on the 30th. Older nights fall on their own
days, in their own partitions. Each night's run gets its own `computed_at`, earlier than any
real run of that day.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from candor.partitions import week_bounds
from health.models import CurrentHealth, HealthScore
from health.partitions import history_partition_bounds, history_partition_ensure
from health.services import NEXT_ID

NIGHTLY_AT = time(2, tzinfo=UTC)
COPIED = [
    "account_id", "overall", "rag", "facts", "flag_codes", "checklist_completion",
    "outcome_attainment", "scorecard_id", "scorecard_version",
]  # fmt: skip


def history_nights(
    nights: int, as_of: date, now: datetime, partition: tuple[date, date] | None = None
) -> list[tuple[date, datetime]]:
    """(as_of, computed_at) of each generated nightly run, oldest first. `partition`: the
    bounds of the partition holding `as_of` (its week by default)."""
    first, after = partition or week_bounds(as_of)
    span = (after - first).days
    # A night dated today runs before any real run of today (the benchmark's): at midnight, a
    # moment that stays the same all day, so a second fill finds the nights the first wrote
    # (an hour before `now` moved with the clock, and a fill at 01:00 wrote them again).
    latest = datetime.combine(now.astimezone(UTC).date(), time(0, tzinfo=UTC))
    runs = []
    for k in range(nights, 0, -1):
        day = as_of - timedelta(days=k)
        day = first if day < first and k < span else day
        moment = min(datetime.combine(day, NIGHTLY_AT), latest) - timedelta(seconds=k)
        runs.append((day, moment))
    return runs


def history_nights_fill(*, nights: int, as_of: date) -> int:
    """Write `nights` nightly runs of every currently scored account into score history
    (one INSERT ... SELECT per night straight into its partition); nights already
    written are skipped, so a second benchmark run adds nothing. Returns the rows written."""
    if not CurrentHealth.objects.exists():
        return 0
    with connection.cursor() as cursor:
        partition = history_partition_bounds(cursor, as_of)
    written = 0
    for day, computed_at in history_nights(nights, as_of, timezone.now(), partition):
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
        partition = history_partition_ensure(cursor, day)
        cursor.execute(
            f"INSERT INTO {partition} (id, as_of, computed_at, {columns}) "
            f"SELECT {NEXT_ID}, %s, %s, {picked} FROM {CurrentHealth._meta.db_table} c "
            f"JOIN {HealthScore._meta.db_table} h ON h.id = c.score_id "
            "ORDER BY h.account_id",
            [day, computed_at],
        )
        return cursor.rowcount
