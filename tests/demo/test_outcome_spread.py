"""The demo's churns and renewals spread over the last five quarters, so each of the last four
quarters has churns for `backtest --forecast` to replay, with the signals before them."""

import random
from collections import Counter
from datetime import date, timedelta

from demo.activity import WINDOW_DAYS
from demo.portfolio import CHURN_STORIES, plan_account

TODAY = date(2026, 12, 6)
LAST_FOUR_QUARTERS = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def churn_plans(n=400):
    rng = random.Random(3)
    return [plan_account(i, CHURN_STORIES[i % len(CHURN_STORIES)], TODAY, rng) for i in range(n)]


def test_each_of_the_last_four_quarters_holds_a_fair_share_of_the_churns():
    plans = churn_plans()
    per_quarter = Counter(quarter(plan.outcome_on) for plan in plans)
    for name in LAST_FOUR_QUARTERS:
        assert per_quarter[name] >= len(plans) * 0.15, (name, per_quarter)


def test_the_signal_window_reaches_90_days_before_the_oldest_replayed_quarter():
    oldest_quarter_start = date(2025, 10, 1)
    assert TODAY - timedelta(days=WINDOW_DAYS) <= oldest_quarter_start - timedelta(days=90)
