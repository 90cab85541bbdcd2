"""The benchmarks' steady state: N nightly runs of history written at once."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from health.models import CurrentHealth, HealthScore
from health.services import score_accounts
from health.steady_state import history_nights, history_nights_fill
from tests.factories import make_account

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def test_nights_fill_the_current_week_as_on_its_last_day_and_the_rest_fall_on_their_days():
    nights = history_nights(30, date(2026, 12, 9), NOW)
    days = [day for day, _ in nights]
    assert len(days) == 30
    assert days.count(date(2026, 12, 8)) == 6  # its own night, and the 3rd-7th dated on it
    assert date(2026, 12, 2) in days and date(2026, 12, 3) not in days
    assert days[0] == date(2026, 11, 9)


def test_a_month_partition_holds_all_the_nights_as_on_the_30th():
    nights = history_nights(30, date(2026, 12, 6), NOW, (date(2026, 12, 1), date(2027, 1, 1)))
    assert len(nights) == 30
    assert {day for day, _ in nights} == {date(2026, 12, d) for d in range(1, 6)}


def test_each_night_is_its_own_run_before_any_real_run_of_today():
    early = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    moments = [moment for _, moment in history_nights(30, date(2026, 12, 1), early)]
    assert len(set(moments)) == 30
    assert moments == sorted(moments)
    assert max(moments) < early


def test_nights_of_a_late_month_day_are_the_days_before_it():
    nights = history_nights(3, date(2026, 12, 30), NOW, (date(2026, 12, 1), date(2027, 1, 1)))
    assert [day for day, _ in nights] == [date(2026, 12, d) for d in (27, 28, 29)]


@pytest.mark.django_db
def test_fill_writes_each_scored_account_once_a_night_repeating_its_current_score(alice):
    accounts = [make_account(csm=alice, contract_start=date(2025, 1, 1)) for _ in range(3)]
    today = timezone.now().date()
    score_accounts(account_ids=[a.pk for a in accounts], as_of=today)
    assert history_nights_fill(nights=4, as_of=today) == 12
    for account in accounts:
        current = CurrentHealth.objects.get(account=account)
        nights = HealthScore.objects.filter(account=account).exclude(pk=current.score_id)
        assert nights.count() == 4
        assert {(s.overall, s.rag, s.flag_codes) for s in nights} == {
            (current.overall, current.rag, current.flag_codes)
        }


@pytest.mark.django_db
def test_fill_leaves_the_current_scores_pointing_at_the_real_run(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    today = timezone.now().date()
    score_accounts(account_ids=[account.pk], as_of=today)
    before = CurrentHealth.objects.get(account=account).score_id
    history_nights_fill(nights=2, as_of=today)
    assert CurrentHealth.objects.get(account=account).score_id == before


@pytest.mark.django_db
def test_a_second_fill_writes_nothing(alice):
    account = make_account(csm=alice, contract_start=date(2025, 1, 1))
    today = timezone.now().date()
    score_accounts(account_ids=[account.pk], as_of=today)
    history_nights_fill(nights=3, as_of=today)
    assert history_nights_fill(nights=3, as_of=today) == 0
    assert HealthScore.objects.filter(account=account).count() == 4


def test_nights_dated_today_keep_their_moments_all_day():
    """A partition starting today, filled at 00:10 and again at 00:20: the same nights."""
    bounds = (date(2026, 12, 8), date(2026, 12, 15))
    first = history_nights(3, date(2026, 12, 8), datetime(2026, 12, 8, 0, 10, tzinfo=UTC), bounds)
    later = history_nights(3, date(2026, 12, 8), datetime(2026, 12, 8, 0, 20, tzinfo=UTC), bounds)
    assert first == later
    assert max(moment for _, moment in first) < datetime(2026, 12, 8, tzinfo=UTC)
