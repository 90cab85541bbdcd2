"""Score history partitioned by week on PostgreSQL: each week's scores in its own partition (a
month's, in a database partitioned by month before weeks)."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from candor.partitions import month_bounds, week_bounds
from health.models import HealthScore
from health.partitions import (
    DEFAULT,
    PARTITION_LOCK,
    history_partition_bounds,
    history_partition_ensure,
    month_partition_name,
    partition_name,
)
from health.services import score_accounts
from tests.factories import give_health, make_account


def partition_of(score_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM health_healthscore WHERE id = %s", [score_id]
        )
        return cursor.fetchone()[0]


def test_month_bounds_cover_the_whole_month():
    assert month_bounds(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 3, 1))
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_weeks_are_seven_days_of_one_month_and_the_last_holds_its_tail():
    assert week_bounds(date(2026, 12, 1)) == (date(2026, 12, 1), date(2026, 12, 8))
    assert week_bounds(date(2026, 12, 14)) == (date(2026, 12, 8), date(2026, 12, 15))
    assert week_bounds(date(2026, 12, 31)) == (date(2026, 12, 29), date(2027, 1, 1))
    assert week_bounds(date(2027, 2, 28)) == (date(2027, 2, 22), date(2027, 3, 1))


@pytest.mark.django_db
def test_scoring_a_day_writes_into_its_week_partition(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    score_accounts(account_ids=[account.pk], as_of=date(2025, 6, 30))
    score = HealthScore.objects.get(account=account)
    assert (
        partition_of(score.pk)
        == partition_name(date(2025, 6, 29))
        == "health_healthscore_2025_06_29"
    )


@pytest.mark.django_db
def test_scores_written_before_their_week_had_a_partition_move_into_it(alice):
    account = make_account(csm=alice)
    early = give_health(account, overall=55.0, rag="amber", as_of=date(2024, 3, 15))
    assert partition_of(early.pk) == DEFAULT
    with connection.cursor() as cursor:
        history_partition_ensure(cursor, date(2024, 3, 16))
        history_partition_ensure(cursor, date(2024, 3, 21))
    assert partition_of(early.pk) == partition_name(date(2024, 3, 15))
    assert HealthScore.objects.get(pk=early.pk).overall == 55.0


@pytest.mark.django_db
def test_a_month_partitioned_before_weeks_keeps_its_days(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    month = month_partition_name(date(2025, 6, 1))
    first, after = (f"'{bound}'" for bound in month_bounds(date(2025, 6, 1)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {month} PARTITION OF health_healthscore FOR VALUES FROM ({first}) TO ({after})"
        )
        assert history_partition_bounds(cursor, date(2025, 6, 30)) == (
            date(2025, 6, 1),
            date(2025, 7, 1),
        )
    score_accounts(account_ids=[account.pk], as_of=date(2025, 6, 30))
    assert partition_of(HealthScore.objects.get(account=account).pk) == month


@pytest.mark.django_db
def test_a_week_partition_keeps_one_score_per_account_run(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    day = date(2025, 6, 30)
    score_accounts(account_ids=[account.pk], as_of=day, computed_at=None)
    first = HealthScore.objects.get(account=account)
    written = score_accounts(account_ids=[account.pk], as_of=day, computed_at=first.computed_at)
    assert written == 0
    assert HealthScore.objects.filter(account=account).count() == 1


def partition_made_while_waited(day: date, ready: threading.Event) -> threading.Thread:
    """Another connection (a second worker's shard) takes the partitions' lock, and once the
    caller is waiting for it makes the day's partition and commits."""

    def make():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
            ready.set()
            time.sleep(0.3)  # the caller now waits on the lock
            history_partition_ensure(cursor, day)
        connection.close()

    thread = threading.Thread(target=make)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_week_partition_another_worker_made_while_this_one_waited_is_found_not_made_twice():
    day = date(2027, 3, 10)
    name = partition_name(day)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            ready = threading.Event()
            thread = partition_made_while_waited(day, ready)
            ready.wait()
            assert history_partition_ensure(cursor, day) == name
        thread.join()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
