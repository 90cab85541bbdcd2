"""Calibrate a scorecard on the company's own outcomes, in the open.

Scores earlier as-of dates (training) and later ones (testing) from what was known on each,
fits non-negative component weights on the training account-dates
(`health.scoring.calibration`), and backtests the live and the proposed scorecard side by side
on the held-out test dates. Nothing here writes: `scorecard_propose` records the proposal, and
only an adoption by a VP makes it live.
"""

from dataclasses import replace

import pandas as pd

from health.backtest import (
    BacktestWindow,
    backtest_cards,
    backtest_rows,
    portfolio_as_of,
    score_as_known,
    with_outcomes,
)
from health.models import Scorecard
from health.scoring.backtest import backtest_metrics, churned_within, lead_readings, time_split
from health.scoring.calibration import (
    MIN_CHURNS,
    FitError,
    churns_needed,
    fit_weights,
    flag_lifts,
    propose_thresholds,
)
from health.scoring.probability import (
    calibration_metrics,
    fit_churn_model,
    held_out_probability,
)
from health.services import churn_model_propose, scorecard_calibration_propose

CALIBRATION_DATES = 9  # four to learn from, three to test on, a horizon apart
RECALL_LEAD_DAYS = 60  # issue 12: churners red or amber 60 days before churning


class TooFewChurns(FitError):
    def __init__(self, have: int):
        self.have, self.need = have, MIN_CHURNS
        super().__init__(
            f"Calibration needs at least {MIN_CHURNS} churned accounts in the training period; "
            f"it has {have}, so it needs {churns_needed(have)} more. Widen the window "
            "(--start earlier) or wait for more outcomes to be recorded."
        )


def calibration_run(*, scorecard: Scorecard, window: BacktestWindow, workers: int = 1) -> dict:
    """Fit on the window's earlier dates, compare live and proposed on its later ones."""
    train_dates, test_dates = time_split(window.dates, window.horizon)
    if not train_dates or not test_dates:
        raise FitError(
            f"The window has no training date at least {window.horizon} days before its "
            "test dates; widen it (--start earlier) or shorten --horizon."
        )
    cards, key = backtest_cards(scorecard)
    current = cards[key]
    train = backtest_rows(train_dates, cards=cards, key=key, workers=workers)
    # An account-date with no data yet (unknown) had no score to weigh: the fit learns nothing.
    train = train[train["rag"] != "unknown"]
    churned = churned_within(train, window.horizon)
    have = int(train.loc[churned, "account_id"].nunique())
    if have < MIN_CHURNS:
        raise TooFewChurns(have)
    weights = fit_weights(train, churned)
    catch = lead_readings(train, RECALL_LEAD_DAYS, window.every)
    thresholds = propose_thresholds(train, churned, weights, current, catch=catch)
    proposed = {**cards, key: replace(current, weights=weights, thresholds=thresholds)}
    live_rows, proposed_rows = _score_both(test_dates, key, cards, proposed)
    figures = {"horizon": window.horizon, "every": window.every}
    held_churned = churned_within(proposed_rows, window.horizon)
    churn_model = fit_churn_model(
        train, churned, proposed_rows, held_churned, horizon=window.horizon
    )
    return {
        "scorecard": scorecard.pk,
        "train_dates": [d.isoformat() for d in train_dates],
        "test_dates": [d.isoformat() for d in test_dates],
        "train_account_dates": len(train),
        "train_churned": have,
        "current_weights": dict(current.weights),
        "proposed_weights": weights,
        "current_thresholds": dict(current.thresholds),
        "proposed_thresholds": thresholds,
        "flags": flag_lifts(train, churned),
        "current": backtest_metrics(live_rows, **figures),
        "proposed": backtest_metrics(proposed_rows, **figures),
        "churn_model": churn_model,
        "probability": calibration_metrics(
            held_out_probability(churn_model, proposed_rows, held_churned), held_churned
        ),
    }


def _score_both(dates, key, cards, proposed):
    """Each test date's features read once (only weights differ), scored by both scorecards."""
    live, new = [], []
    for as_of in dates:
        features = portfolio_as_of(as_of, cards, key)
        live.append(score_as_known(features, as_of, cards))
        new.append(score_as_known(features, as_of, proposed))
    return (with_outcomes(pd.concat(parts, ignore_index=True)) for parts in (live, new))


def calibration_propose_run(*, scorecard: Scorecard, window: BacktestWindow, workers: int = 1):
    """calibration_run, then record its proposal for a VP to adopt where it changes anything
    (`report["proposal"]`: its id and number, or None). Nothing live changes."""
    report = calibration_run(scorecard=scorecard, window=window, workers=workers)
    report["proposal"] = None
    if changes_anything(report) or report.get("churn_model"):
        proposal = scorecard_calibration_propose(
            scorecard=scorecard, weights=report["proposed_weights"],
            thresholds=report["proposed_thresholds"], note=proposal_note(report), report=report,
        )  # fmt: skip
        churn_model_propose(version=proposal, model=report["churn_model"])
        report["proposal"] = {"id": proposal.pk, "number": proposal.number}
    return report


def changes_anything(report: dict) -> bool:
    return (report["proposed_weights"], report["proposed_thresholds"]) != (
        report["current_weights"],
        report["current_thresholds"],
    )


def proposal_note(report: dict) -> str:
    return (
        f"Calibrated on {report['train_churned']} churns as of {', '.join(report['train_dates'])}; "
        f"tested on {', '.join(report['test_dates'])}: AUC {report['current']['auc']} -> "
        f"{report['proposed']['auc']}; churn probability Brier {report['probability']['brier']} "
        f"(base rate {report['probability']['base_rate_brier']}), ECE {report['probability']['ece']}."
    )
