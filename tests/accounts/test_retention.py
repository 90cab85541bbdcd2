"""Gross and net revenue retention from a hand-computed ARR history (accounts.retention).

The trailing year to 2026-06-30 counts A (expands 100 -> 150), B (contracts 200 -> 120) and C
(300, churns): starting 600, churned 300, contracted 80, expanded 50, so GRR = 220 / 600 and
NRR = 270 / 600. D starts late (after the window opens) and E churned before it: neither counts.
"""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from accounts import retention
from accounts.models import Account, ArrChange
from accounts.selectors import retention_summary
from tests.factories import make_account

TODAY = date(2026, 6, 30)
HISTORY = {  # name: (contract start, churned on, [(valid from, arr)])
    "A": (date(2024, 1, 1), None, [(date(2024, 1, 1), 100), (date(2026, 1, 15), 150)]),
    "B": (date(2024, 3, 1), None, [(date(2024, 3, 1), 200), (date(2025, 9, 1), 120)]),
    "C": (date(2024, 5, 1), date(2026, 2, 1), [(date(2024, 5, 1), 300)]),
    "D": (date(2025, 10, 1), None, [(date(2025, 10, 1), 1000)]),
    "E": (date(2023, 1, 1), date(2025, 3, 1), [(date(2023, 1, 1), 400)]),
}


def frames(history=HISTORY):
    accounts = pd.DataFrame(
        [(name, start, churned) for name, (start, churned, _) in history.items()],
        columns=["id", "contract_start", "churned_on"],
    )
    changes = pd.DataFrame(
        [(name, day, float(arr)) for name, (_, _, rows) in history.items() for day, arr in rows],
        columns=["account_id", "valid_from", "arr"],
    ).sort_values("valid_from")
    for frame, column in (
        (accounts, "contract_start"),
        (accounts, "churned_on"),
        (changes, "valid_from"),
    ):
        frame[column] = pd.to_datetime(frame[column])
    return accounts, changes


def test_trailing_year_counts_churn_contraction_and_expansion():
    year = retention.trailing_year(*frames(), TODAY)
    assert (year["starting_arr"], year["churned_arr"], year["contracted_arr"], year["expanded_arr"]) == (
        600, 300, 80, 50,
    )  # fmt: skip


def test_grr_is_what_stayed_without_expansion():
    assert retention.trailing_year(*frames(), TODAY)["grr"] == round(220 / 600, 4)


def test_nrr_adds_expansion_back():
    assert retention.trailing_year(*frames(), TODAY)["nrr"] == round(270 / 600, 4)


def test_a_late_start_is_not_counted_in_the_window():
    assert retention.trailing_year(*frames(), TODAY)["accounts"] == 3


def test_a_month_counts_only_what_moved_in_it():
    months = {row["month"]: row for row in retention.by_month(*frames(), TODAY)}
    february = months["2026-02"]
    assert (february["churned_arr"], february["expanded_arr"], february["contracted_arr"]) == (
        300, 0, 0,
    )  # fmt: skip


def test_the_last_twelve_months_are_listed_oldest_first_ending_this_month():
    months = [row["month"] for row in retention.by_month(*frames(), TODAY)]
    assert months == [f"2025-{m:02}" for m in range(7, 13)] + [f"2026-{m:02}" for m in range(1, 7)]


def test_a_cohort_runs_from_each_accounts_own_start():
    cohorts = {row["cohort"]: row for row in retention.by_cohort(*frames(), TODAY)}
    late = cohorts["2025-Q4"]
    assert (late["starting_arr"], late["grr"], late["nrr"]) == (1000, 1.0, 1.0)


def test_a_cohort_with_expansion_and_contraction_nets_them():
    first = {row["cohort"]: row for row in retention.by_cohort(*frames(), TODAY)}["2024-Q1"]
    assert (first["starting_arr"], first["grr"], first["nrr"]) == (
        300,
        round(220 / 300, 4),
        round(270 / 300, 4),
    )


def test_no_counted_account_gives_no_rate():
    history = {"D": HISTORY["D"]}
    assert retention.trailing_year(*frames(history), TODAY)["grr"] is None


@pytest.mark.django_db
def test_the_selector_reads_the_arr_history_the_triggers_keep(alice):
    for name, (start, churned, rows) in HISTORY.items():
        account = make_account(
            csm=alice, name=name, contract_start=start, renewal_date=date(2027, 1, 1),
            arr=Decimal(rows[0][1]), outcome="churned" if churned else "active", outcome_on=churned,
        )  # fmt: skip
        for day, arr in rows[1:]:
            ArrChange.objects.create(account=account, valid_from=day, arr=Decimal(arr))
    summary = retention_summary(Account.objects.all(), today=TODAY)
    assert (summary["grr"], summary["nrr"]) == (round(220 / 600, 4), round(270 / 600, 4))
