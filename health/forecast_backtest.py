"""Score the renewal forecast itself: replay each past quarter as it would have been forecast at
its start, against the ARR that renewed. Writes nothing but a cached summary for the page.

At each quarter's start, every account active then is scored from what was known that day
(health.backtest), the renewals are those whose renewal date then in force (the terms history)
falls in the quarter, each at the ARR then in force, and the live churn model reads each score
(its training churn rate where a score gives none) into health.scoring.forecasting's expected
renewed ARR and interval. What renewed: the ARR in force at the quarter's end of those renewals
that had not churned by then. The error is (expected - renewed) / renewed.

The live model may have been fitted on some of these dates: a replay checks the forecast's
arithmetic and the model's calibration over whole quarters, not a held-out forecast.
"""

from datetime import date

import pandas as pd
from django.core.cache import cache

from accounts.models import Account
from accounts.retention import arr_on
from accounts.selectors import retention_frames
from health.backtest import backtest_cards, portfolio_as_of, score_as_known
from health.scoring.forecasting import quarter_figures, quarters
from health.scoring.probability import renewal_churn_probability
from health.selectors import churn_models_live

CACHE_KEY = "candor:forecast-backtest"
FORECAST_ERROR_TARGET = 0.05  # issue 25: within 5% of what renewed, each of the last 4 quarters


class NoChurnModel(ValueError):
    pass


def past_quarters(today: date, count: int = 4) -> list[dict]:
    """The `count` whole calendar quarters before the one holding `today`, oldest first."""
    current = quarters(today, 1)[0]["start"]
    index = current.year * 4 + (current.month - 1) // 3 - count
    return quarters(date(index // 4, index % 4 * 3 + 1, 1), count)


def forecast_backtest_run(*, today: date, count: int = 4) -> dict:
    model = churn_models_live().get("")
    if model is None:
        raise NoChurnModel("No churn model adopted: run `calibrate` and adopt its proposal first.")
    _, changes = retention_frames(Account.objects.all())
    churned = dict(Account.objects.filter(outcome="churned").values_list("pk", "outcome_on"))
    cards, key = backtest_cards()
    rows = [
        _replay(period, model.model, cards, key, changes, churned)
        for period in past_quarters(today, count)
    ]
    within = [row["within_target"] for row in rows]
    result = {"churn_model_version": model.pk, "quarters": rows,
              "target": FORECAST_ERROR_TARGET, "all_within_target": all(within)}  # fmt: skip
    cache.set(CACHE_KEY, result, None)
    return result


def _replay(period: dict, model: dict, cards, key, changes, churned) -> dict:
    start, end = period["start"], period["end"]
    features = portfolio_as_of(start, cards, key)
    scores = score_as_known(features, start, cards)
    renewal = pd.to_datetime(scores["account_id"].map(features["renewal_date"]))
    due = scores[(renewal >= pd.Timestamp(start)) & (renewal <= pd.Timestamp(end))].copy()
    due["arr"] = due["account_id"].map(arr_on(changes, pd.Timestamp(start))).fillna(0.0)
    due["churn_probability"] = renewal_churn_probability(model, due).fillna(
        model["train_churn_rate"]
    )
    stayed = ~due["account_id"].map(lambda pk: churned.get(pk) is not None and churned[pk] <= end)
    renewed = float(
        due.loc[stayed, "account_id"].map(arr_on(changes, pd.Timestamp(end))).fillna(0.0).sum()
    )
    figures = quarter_figures(due)
    expected = figures["expected_renewed_arr"]
    error = round((expected - renewed) / renewed, 4) if renewed else None
    replayed = {
        "renewals": len(due),
        "renewed_arr": round(renewed, 2),
        "error": error,
        "within_target": error is not None and abs(error) <= FORECAST_ERROR_TARGET,
    }
    return period | figures | replayed


def forecast_backtest_remembered() -> dict | None:
    """The last replay `backtest --forecast` ran, for the validity section."""
    return cache.get(CACHE_KEY)
