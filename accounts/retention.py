"""Gross and net revenue retention from the ARR history: pure, frames in, figures out.

One definition (docs/RETENTION.md), applied to every window [start, end]:
- the accounts counted are those that were customers at the end of `start`: contract started on
  or before it, not churned on or before it. An account that starts later (a late start, new
  business) is not counted in that window at all;
- starting ARR is each counted account's ARR in force on `start` (accounts.ArrChange);
- churned ARR is the starting ARR of those that churned in (start, end];
- for the rest, ending ARR is the ARR in force on `end`: a rise is expanded ARR, a fall is
  contracted ARR;
- GRR = (starting - churned - contracted) / starting, NRR = GRR + expanded / starting, as
  fractions (None where nothing was counted).

The trailing twelve months run from a year before `today` to `today`; each of the last twelve
months from the previous month end to its own end (the current month to `today`); a cohort (the
quarter its accounts' contracts started) from each account's own contract start to `today`.
"""

from datetime import date, timedelta

import pandas as pd

MONEY = ("starting_arr", "churned_arr", "contracted_arr", "expanded_arr", "ending_arr")


def arr_on(changes: pd.DataFrame, day) -> pd.Series:
    """Each account's ARR in force on `day`, by account id (`changes` sorted by valid_from)."""
    known = changes[changes["valid_from"] <= day]
    return known.groupby("account_id")["arr"].last()


def movements(accounts: pd.DataFrame, changes: pd.DataFrame, start, end) -> dict:
    """The window's starting, churned, contracted, expanded and ending ARR, GRR and NRR.

    `accounts`: id, contract_start, churned_on (NaT unless churned); `changes`: account_id,
    valid_from, arr. `start` is a date or, per account, a Series of dates (cohorts)."""
    starts = _per_account(accounts, start)
    counted = accounts[(accounts["contract_start"] <= starts) & ~(accounts["churned_on"] <= starts)]
    starting = _arr_at_starts(counted, changes, starts)
    churned = (counted["churned_on"] <= end).to_numpy()
    ending = arr_on(changes, end).reindex(counted["id"]).fillna(0.0).to_numpy(copy=True)
    ending[churned] = 0.0
    delta = (ending - starting)[~churned]
    figures = {
        "accounts": len(counted),
        "starting_arr": float(starting.sum()),
        "churned_arr": float(starting[churned].sum()),
        "contracted_arr": float(-delta[delta < 0].sum()),
        "expanded_arr": float(delta[delta > 0].sum()),
        "ending_arr": float(ending.sum()),
    }
    return figures | rates(figures)


def rates(figures: dict) -> dict:
    base = figures["starting_arr"]
    if not base:
        return {"grr": None, "nrr": None}
    kept = base - figures["churned_arr"] - figures["contracted_arr"]
    return {"grr": round(kept / base, 4), "nrr": round((kept + figures["expanded_arr"]) / base, 4)}


def _per_account(accounts: pd.DataFrame, start) -> pd.Series:
    if isinstance(start, pd.Series):
        return start
    return pd.Series(pd.Timestamp(start), index=accounts.index)


def _arr_at_starts(counted: pd.DataFrame, changes: pd.DataFrame, starts: pd.Series):
    """Each counted account's ARR in force on its own start date (one as-of merge)."""
    left = pd.DataFrame({"account_id": counted["id"], "day": starts[counted.index]})
    left = left.sort_values("day")
    merged = pd.merge_asof(
        left, changes.sort_values("valid_from"), left_on="day", right_on="valid_from",
        by="account_id",
    )  # fmt: skip
    return merged.set_index("account_id")["arr"].reindex(counted["id"]).fillna(0.0).to_numpy()


def trailing_year(accounts: pd.DataFrame, changes: pd.DataFrame, today: date) -> dict:
    start = today - timedelta(days=365)
    return {"start": start, "end": today} | movements(accounts, changes, _ts(start), _ts(today))


def by_month(accounts: pd.DataFrame, changes: pd.DataFrame, today: date, months=12) -> list:
    """Each of the last `months` months, oldest first, the current one up to `today`."""
    ends = [today]
    for _ in range(months):
        ends.append(ends[-1].replace(day=1) - timedelta(days=1))
    ends.reverse()
    return [
        {"month": end.strftime("%Y-%m"), "start": start, "end": end}
        | movements(accounts, changes, _ts(start), _ts(end))
        for start, end in zip(ends, ends[1:], strict=False)
    ]


def by_cohort(accounts: pd.DataFrame, changes: pd.DataFrame, today: date) -> list:
    """Per start quarter, oldest first: each account from its own contract start to today."""
    started = accounts[accounts["contract_start"] <= _ts(today)]
    rows = []
    for quarter, cohort in started.groupby(started["contract_start"].dt.to_period("Q")):
        figures = movements(cohort, changes, cohort["contract_start"], _ts(today))
        rows.append({"cohort": f"{quarter.year}-Q{quarter.quarter}"} | figures)
    return rows


def _ts(day) -> pd.Timestamp:
    return pd.Timestamp(day)
