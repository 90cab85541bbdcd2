"""A small portfolio with recorded churns, for backtests and calibration."""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from signals.models import Signal
from tests.factories import days_ago, make_account

WINDOW = {"start": days_ago(330), "end": days_ago(90), "every": 30, "horizon": 90}


def churn_portfolio(*, csm, churners: int, stayers: int, segment: str = "mid_market"):
    """Accounts that started 400 days ago. Churners churned 170-229 days ago and went quiet
    two months before; stayers log in every third day until yesterday."""
    accounts = []
    for i in range(churners + stayers):
        churned = i < churners
        account = make_account(
            csm=csm, segment=segment, seats=3, contract_start=days_ago(400),
            renewal_date=days_ago(400) + timedelta(days=365 * 2),
            outcome="churned" if churned else "active",
            outcome_on=days_ago(170 + i % 60) if churned else None,
        )  # fmt: skip
        quiet_from = account.outcome_on - timedelta(days=60) if churned else days_ago(0)
        _logins(account, since=account.contract_start, until=quiet_from)
        accounts.append(account)
    return accounts


def _logins(account, *, since, until):
    now = timezone.now()
    rows = []
    day = since
    while day < until:
        moment = datetime.combine(day, time(10), UTC)
        rows.append(
            Signal(
                account=account,
                external_id=f"o-{account.pk}-{day}",
                kind="login",
                occurred_at=moment,
                actor=f"user{day.toordinal() % 3}",
                received_at=now,
            )  # fmt: skip
        )
        day += timedelta(days=3)
    Signal.objects.bulk_create(rows)


def active_account_dates(accounts, dates) -> int:
    """How many (account, date) pairs a backtest should score: started, not yet churned."""
    return sum(
        1
        for day in dates
        for a in accounts
        if a.contract_start <= day and not (a.outcome == "churned" and a.outcome_on <= day)
    )
