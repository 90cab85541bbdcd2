"""Score history partitioned by month on PostgreSQL: each month's scores in its own partition."""

from datetime import date

import pytest
from django.db import connection

from health.models import HealthScore
from health.partitions import DEFAULT, history_partition_ensure, month_bounds, partition_name
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


@pytest.mark.django_db
def test_scoring_a_month_writes_into_its_own_partition(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    score_accounts(account_ids=[account.pk], as_of=date(2025, 6, 30))
    score = HealthScore.objects.get(account=account)
    assert partition_of(score.pk) == partition_name(date(2025, 6, 1))


@pytest.mark.django_db
def test_scores_written_before_their_month_had_a_partition_move_into_it(alice):
    account = make_account(csm=alice)
    early = give_health(account, overall=55.0, rag="amber", as_of=date(2024, 3, 15))
    assert partition_of(early.pk) == DEFAULT
    with connection.cursor() as cursor:
        history_partition_ensure(cursor, date(2024, 3, 2))
        history_partition_ensure(cursor, date(2024, 3, 31))
    assert partition_of(early.pk) == partition_name(date(2024, 3, 1))
    assert HealthScore.objects.get(pk=early.pk).overall == 55.0


@pytest.mark.django_db
def test_a_month_partition_keeps_one_score_per_account_run(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    day = date(2025, 6, 30)
    score_accounts(account_ids=[account.pk], as_of=day, computed_at=None)
    first = HealthScore.objects.get(account=account)
    written = score_accounts(account_ids=[account.pk], as_of=day, computed_at=first.computed_at)
    assert written == 0
    assert HealthScore.objects.filter(account=account).count() == 1
