"""The VP's board view: ARR at risk month by month from history, renewals by quarter."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account, ArrChange
from health.board import arr_at_risk_by_month, month_ends, quarter_start, renewals_by_quarter
from health.models import HealthScore
from tests.factories import blank_facts, days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


def history(account, as_of, rag, *, minutes_later=0):
    HealthScore.objects.create(
        account=account, as_of=as_of, rag=rag, overall=50, facts=blank_facts(),
        computed_at=timezone.now() + timedelta(minutes=minutes_later),
    )  # fmt: skip


def customer(*, csm, since=date(2025, 1, 1), **fields):
    """An account whose contract started before any month these tests look at."""
    return make_account(csm=csm, contract_start=since, **fields)


def arr_changed(account, arr, on: date) -> None:
    """Change the ARR as any writer would (the trigger records it today), dated `on`."""
    Account.objects.filter(pk=account.pk).update(arr=Decimal(arr))
    ArrChange.objects.filter(account=account, valid_from=timezone.now().date()).update(
        valid_from=on
    )


def test_month_ends_are_the_last_days_of_the_previous_months_then_today():
    ends = month_ends(date(2026, 3, 15), months=4)
    assert ends == [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)]


def test_arr_at_risk_reads_the_last_scoring_day_of_each_month(alice):
    today = date(2026, 3, 15)
    big = customer(csm=alice, arr=Decimal("100000"))
    small = customer(csm=alice, arr=Decimal("10000"))
    history(big, date(2026, 1, 24), "green")
    history(big, date(2026, 1, 31), "red")  # the month's last scoring day wins
    history(small, date(2026, 1, 31), "amber")
    history(big, date(2026, 2, 21), "green")
    history(small, date(2026, 2, 21), "amber")
    rows = {row["month_end"]: row for row in arr_at_risk_by_month(Account.objects.all(), 3, today)}
    january, february = rows[date(2026, 1, 31)], rows[date(2026, 2, 28)]
    assert (january["red_arr"], january["amber_arr"], january["at_risk_arr"]) == (
        100000,
        10000,
        110000,
    )
    assert (february["at_risk_arr"], february["arr"], february["as_of"]) == (
        10000,
        110000,
        date(2026, 2, 21),
    )
    assert february["at_risk_share"] == pytest.approx(10000 / 110000 * 100)


def test_an_account_scored_twice_that_day_counts_once_by_its_latest_run(alice):
    account = customer(csm=alice, arr=Decimal("50000"))
    history(account, date(2026, 1, 31), "red")
    history(account, date(2026, 1, 31), "green", minutes_later=5)
    january = arr_at_risk_by_month(Account.objects.all(), 2, date(2026, 2, 10))[0]
    assert (january["accounts"], january["at_risk_arr"], january["arr"]) == (1, 0, 50000)


def test_a_month_without_scores_says_so_rather_than_zero(alice):
    make_account(csm=alice)
    rows = arr_at_risk_by_month(Account.objects.all(), 2, date(2026, 2, 10))
    assert [row["as_of"] for row in rows] == [None, None]


def test_arr_at_risk_counts_only_the_accounts_in_scope(alice, bob):
    mine, theirs = customer(csm=alice, arr=Decimal("1000")), customer(csm=bob)
    history(mine, date(2026, 1, 31), "red")
    history(theirs, date(2026, 1, 31), "red")
    january = arr_at_risk_by_month(Account.objects.filter(csm=alice), 2, date(2026, 2, 10))[0]
    assert (january["accounts"], january["at_risk_arr"]) == (1, 1000)


def test_renewals_by_quarter_split_by_todays_colour_from_today(alice):
    today = timezone.now().date()
    this_quarter = quarter_start(today)
    next_quarter = quarter_start(this_quarter + timedelta(days=100))
    red = make_account(csm=alice, arr=Decimal("70000"), renewal_date=next_quarter)
    give_health(red, overall=20, rag="red")
    make_account(csm=alice, arr=Decimal("5000"), renewal_date=next_quarter + timedelta(days=3))
    make_account(csm=alice, renewal_date=today - timedelta(days=1), contract_start=days_ago(400))
    make_account(csm=alice, outcome="churned", renewal_date=next_quarter)
    rows = renewals_by_quarter(Account.objects.all())
    assert [row["quarter"] for row in rows][:2] == [this_quarter, next_quarter]
    assert len(rows) == 4 and rows[0]["accounts"] == 0
    assert rows[1]["red"] == {"accounts": 1, "arr": 70000.0}
    assert rows[1]["unscored"] == {"accounts": 1, "arr": 5000.0}
    assert (rows[1]["accounts"], rows[1]["arr"]) == (2, 75000.0)
    assert rows[1]["label"] == f"Q{(next_quarter.month - 1) // 3 + 1} {next_quarter.year}"


def test_the_trend_is_remembered_until_a_new_score_is_written(alice):
    account = customer(csm=alice, arr=Decimal("50000"))
    history(account, date(2026, 1, 31), "green")
    first = arr_at_risk_by_month(Account.objects.all(), 2, date(2026, 2, 10))[0]
    history(account, date(2026, 1, 31), "red", minutes_later=5)
    again = arr_at_risk_by_month(Account.objects.all(), 2, date(2026, 2, 10))[0]
    assert (first["at_risk_arr"], again["at_risk_arr"]) == (0, 50000)


def test_the_trend_is_recomputed_when_an_arr_change_is_recorded(alice):
    account = customer(csm=alice, arr=Decimal("50000"))
    history(account, date(2026, 1, 31), "red")
    first = arr_at_risk_by_month(Account.objects.all(), 2, date(2026, 2, 10))[0]
    arr_changed(account, "80000", date(2026, 1, 15))
    again = arr_at_risk_by_month(Account.objects.all(), 2, date(2026, 2, 10))[0]
    assert (first["at_risk_arr"], again["at_risk_arr"]) == (50000, 80000)


def every_month_end(account, rag, ends=(date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31))):
    for end in ends:
        history(account, end, rag)


def by_month(today=date(2026, 4, 15)) -> dict:
    return {row["month_end"]: row for row in arr_at_risk_by_month(Account.objects.all(), 4, today)}


def test_each_month_counts_an_account_at_the_arr_in_force_at_its_end(alice):
    grown = customer(csm=alice, arr=Decimal("100000"))
    arr_changed(grown, "150000", date(2026, 2, 10))
    every_month_end(grown, "red")
    months = by_month()
    assert [months[end]["red_arr"] for end in sorted(months)[:3]] == [100000, 150000, 150000]


def test_an_arr_change_on_the_month_end_counts_in_that_month(alice):
    shrunk = customer(csm=alice, arr=Decimal("80000"))
    arr_changed(shrunk, "20000", date(2026, 3, 31))
    every_month_end(shrunk, "amber")
    months = by_month()
    assert (months[date(2026, 2, 28)]["amber_arr"], months[date(2026, 3, 31)]["amber_arr"]) == (
        80000,
        20000,
    )


def test_an_account_counts_nothing_before_its_contract_started(alice):
    late = customer(csm=alice, arr=Decimal("40000"), since=date(2026, 2, 15))
    every_month_end(late, "red")
    january, february = by_month()[date(2026, 1, 31)], by_month()[date(2026, 2, 28)]
    assert (january["accounts"], january["arr"]) == (0, 0)
    assert (february["accounts"], february["red_arr"]) == (1, 40000)


def test_a_churned_account_counts_nothing_from_the_month_it_churned(alice):
    gone = customer(csm=alice, arr=Decimal("60000"), outcome="churned", outcome_on=date(2026, 3, 1))
    every_month_end(gone, "amber")
    months = by_month()
    assert months[date(2026, 2, 28)]["amber_arr"] == 60000
    assert (months[date(2026, 3, 31)]["accounts"], months[date(2026, 3, 31)]["arr"]) == (0, 0)


def test_a_portfolio_whose_arr_changed_mid_year_adds_up_by_hand(alice, bob):
    grown = customer(csm=alice, arr=Decimal("100000"))
    arr_changed(grown, "150000", date(2026, 2, 10))
    shrunk = customer(csm=alice, arr=Decimal("80000"), since=date(2025, 6, 1))
    arr_changed(shrunk, "20000", date(2026, 3, 31))
    late = customer(csm=bob, arr=Decimal("40000"), since=date(2026, 2, 15))
    gone = customer(csm=bob, arr=Decimal("60000"), outcome="churned", outcome_on=date(2026, 3, 1))
    healthy = customer(csm=bob, arr=Decimal("30000"))
    arr_changed(healthy, "50000", date(2026, 1, 20))
    for account, rag in [(grown, "red"), (shrunk, "amber"), (late, "red"), (gone, "amber"),
                         (healthy, "green")]:  # fmt: skip
        every_month_end(account, rag)
    months = by_month()
    table = [(months[end]["accounts"], months[end]["red_arr"], months[end]["amber_arr"],
              months[end]["arr"]) for end in sorted(months)[:3]]  # fmt: skip
    assert table == [
        (4, 100000, 140000, 290000),  # January: late had not started
        (5, 190000, 140000, 380000),  # February: grown at 150k, late in
        (4, 190000, 20000, 260000),  # March: shrunk at 20k, gone churned
    ]
    assert months[date(2026, 3, 31)]["at_risk_share"] == pytest.approx(210000 / 260000 * 100)
