"""How well past scores foretold what happened: pure figures over a frame of account-dates.

No ORM, no clock. `health.backtest` scores every account active on each as-of date from what
was known then, and hands this module one row per (account, as-of date) with the score and the
day the account churned, if it did. Every figure here is computed from those rows alone, so a
small hand-made portfolio checks them.

Definitions (one row is an *account-date*):
- churned within the horizon: `as_of < churned_on <= as_of + horizon`;
- risk is `100 - overall`; an account-date with no overall was shown red, so its risk is 100;
- an `unknown` account-date (no signal received yet, within the grace) said nothing: it is
  counted apart (`churn_rate_by_rag`, `account_dates_by_rag`), left out of the AUC and never
  "caught" a churn (red and amber catch; green misses);
- `recall_non_green`: of the account-dates that churned within the horizon, the share red/amber;
- `green_churn_rate`: of the green account-dates, the share that churned within the horizon;
- `recall_at_lead`: for each churned account and lead L days, the score on the last as-of date
  at least L days before the churn (and less than L + `every` days before it): red or amber?
- `median_lead_days`: per churned account, from its first red or amber account-date within the
  horizon before the churn to the churn; accounts never flagged in that window have no lead.
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd

RAGS = ("red", "amber", "green", "unknown")
WARNING_RAGS = ("red", "amber")
LEADS = (30, 60, 90)
COLUMNS = ("account_id", "as_of", "overall", "rag", "churned_on")


def churned_within(frame: pd.DataFrame, horizon: int) -> pd.Series:
    """True where the account churned after the as-of date and within `horizon` days of it."""
    as_of = pd.to_datetime(frame["as_of"])
    churned_on = pd.to_datetime(frame["churned_on"])
    return (churned_on > as_of) & (churned_on <= as_of + pd.Timedelta(days=horizon))


def auc(risk: pd.Series, positive: pd.Series) -> float | None:
    """Area under the ROC curve: the chance a random positive outranks a random negative, ties
    counting half (the Mann-Whitney statistic from average ranks). None without both classes."""
    positive = positive.to_numpy(dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return None
    ranks = pd.Series(risk.to_numpy(dtype=float)).rank(method="average").to_numpy()
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def backtest_metrics(frame: pd.DataFrame, *, horizon: int, every: int, leads=LEADS) -> dict:
    """The backtest's figures for one frame of account-dates (see the module docstring)."""
    frame = frame.loc[:, list(COLUMNS)]
    churned = churned_within(frame, horizon)
    non_green = frame["rag"].isin(WARNING_RAGS)
    green = frame["rag"] == "green"
    known = frame["rag"] != "unknown"
    risk = 100 - frame["overall"].astype(float).fillna(0.0)
    churners = frame.loc[churned, "account_id"].nunique()
    return {
        "as_of_dates": sorted(_iso(d) for d in frame["as_of"].unique()),
        "account_dates": len(frame),
        "accounts": int(frame["account_id"].nunique()),
        "churned": int(churners),
        "churned_account_dates": int(churned.sum()),
        "auc": _round(auc(risk[known], churned[known])),
        "recall_non_green": _share(non_green[churned]),
        "green_churn_rate": _share(churned[green]),
        "churn_rate_by_rag": {rag: _share(churned[frame["rag"] == rag]) for rag in RAGS},
        "account_dates_by_rag": {rag: int((frame["rag"] == rag).sum()) for rag in RAGS},
        "recall_at_lead": _recall_at_lead(frame, leads, every),
        "median_lead_days": _median_lead(frame[churned & non_green]),
        "horizon": horizon,
        "every": every,
    }


def lead_readings(frame: pd.DataFrame, lead: int, every: int) -> pd.Series:
    """True on each churned account's last account-date at least `lead` days (and less than
    `lead` + `every` days) before its churn: the score it showed about that long before."""
    days_before = (pd.to_datetime(frame["churned_on"]) - pd.to_datetime(frame["as_of"])).dt.days
    window = frame[
        frame["churned_on"].notna() & (days_before >= lead) & (days_before < lead + every)
    ]
    latest = window.sort_values("as_of").groupby("account_id").tail(1)
    return pd.Series(frame.index.isin(latest.index), frame.index)


def warnings_before_churns(frame: pd.DataFrame, leads=LEADS) -> pd.DataFrame:
    """Per churned account, whether Candor warned before the churn: the colour it showed on its
    last reading at least each lead's days before (None: not scored that early), and the days
    from its first red or amber reading before the churn to the churn (None: never warned).

    Unlike `recall_at_lead`, a reading counts however long before the churn it was taken: this
    answers "would it have warned us before last year's churns", not "how often at lead L"."""
    frame = frame.loc[:, list(COLUMNS)]
    churners = frame[frame["churned_on"].notna()].copy()
    columns = ["account_id", "churned_on", *(f"rag_{lead}" for lead in leads), "warned_days"]
    churners["days_before"] = (
        pd.to_datetime(churners["churned_on"]) - pd.to_datetime(churners["as_of"])
    ).dt.days
    churners = churners[churners["days_before"] > 0].sort_values("as_of")
    if churners.empty:
        return pd.DataFrame(columns=columns)
    result = churners.groupby("account_id").agg(churned_on=("churned_on", "first"))
    for lead in leads:
        reading = churners[churners["days_before"] >= lead].groupby("account_id").tail(1)
        result[f"rag_{lead}"] = reading.set_index("account_id")["rag"]
    warned = churners[churners["rag"].isin(("red", "amber"))]
    result["warned_days"] = warned.groupby("account_id")["days_before"].max()
    result = result.astype(object).where(result.notna(), None)
    return result.reset_index()[columns]


def _recall_at_lead(frame: pd.DataFrame, leads, every: int) -> dict:
    """{lead: {"churned": n, "caught": n, "share": x}} over churners scored about lead days before."""
    result = {}
    for lead in leads:
        latest = frame[lead_readings(frame, lead, every)]
        caught = int(latest["rag"].isin(WARNING_RAGS).sum())
        result[str(lead)] = {
            "churned": len(latest),
            "caught": caught,
            "share": _round(caught / len(latest)) if len(latest) else None,
        }
    return result


def _median_lead(flagged: pd.DataFrame) -> float | None:
    if flagged.empty:
        return None
    first = flagged.groupby("account_id").agg(
        as_of=("as_of", "min"), churned_on=("churned_on", "first")
    )
    lead = (pd.to_datetime(first["churned_on"]) - pd.to_datetime(first["as_of"])).dt.days
    return float(np.median(lead))


def _share(flags: pd.Series) -> float | None:
    return _round(float(flags.mean())) if len(flags) else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(value) -> str:
    return pd.Timestamp(value).date().isoformat()


def as_of_dates(start: date, end: date, every: int) -> list[date]:
    """Every `every` days from `start` up to and including `end`."""
    if every < 1 or end < start:
        return []
    return [start + timedelta(days=d) for d in range(0, (end - start).days + 1, every)]


def time_split(dates: list[date], horizon: int, test_share: float = 1 / 3):
    """Earlier dates to learn from, later ones to test on, with no label crossing the split:
    a training date's churns within the horizon must all have happened before the first test
    date, so nothing the test period shows leaks into the fit."""
    if len(dates) < 2:
        return [], list(dates)
    first_test = dates[max(1, len(dates) - max(1, round(len(dates) * test_share)))]
    train = [d for d in dates if d + timedelta(days=horizon) <= first_test]
    return train, [d for d in dates if d >= first_test]
