"""Fit the scorecard's component weights to the churns a company has seen: pure, no ORM.

The overall score is a weighted mean of components, so its risk (100 - overall) is a weighted
sum of each component's risk (100 - component) / 100. A logistic regression of churn within the
horizon on those component risks, with every coefficient held non-negative (a component can
only add risk, as it does in the score), gives coefficients whose proportions are weights: they
are rescaled to sum to 100 and rounded, so the proposal stays a row of readable numbers.

The green cut-off is then chosen on the same training account-dates (`propose_thresholds`) to
meet issue 12's two bars there; weights and cut-off are both tested on later, held-out dates.

A component an account has no data for is left out of its live score (the weights
re-normalise); the fit stands in the training mean of that component's risk, which moves
nothing either way.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import fisher_exact

from health.scoring import _overall as weighted_overall  # the scorer's own weighted mean
from health.scoring.constants import COMPONENTS
from health.scoring.flags import FLAG_LABELS

MIN_CHURNS = 30
GREEN_CHURN_TARGET = 0.05  # issue 12: at most 5% of green account-dates churn within 90 days
RECALL_TARGET = 0.70  # issue 12: at least 70% of churners red or amber before churning
MIN_GREEN = 30
RIDGE = 1e-3  # a whisper of L2, so a component no churn depends on settles at zero
FLAG_P_VALUE = 0.05


class FitError(ValueError):
    """The data cannot support a fit (too few churns, or no component that predicts any)."""


def component_risks(rows: pd.DataFrame, means: pd.Series | None = None):
    """(matrix of risks in [0, 1], the column means used for missing values)."""
    risks = 1 - rows[list(COMPONENTS)].astype(float) / 100
    means = risks.mean().fillna(0.5) if means is None else means
    return risks.fillna(means).to_numpy(), means


def fit_weights(rows: pd.DataFrame, churned: pd.Series) -> dict:
    """Non-negative weights per component (summing to 100), by logistic regression."""
    y = churned.to_numpy(dtype=float)
    x, _ = component_risks(rows)
    beta = _nonnegative_logistic(x, y)
    if beta.sum() <= 0:
        raise FitError("No component's risk rose with churn: there is nothing to weight.")
    weights = beta / beta.sum() * 100
    return {name: int(round(w)) for name, w in zip(COMPONENTS, weights, strict=True)}


def _nonnegative_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Coefficients >= 0 (and a free intercept) minimising the mean log-loss."""

    def loss(params):
        intercept, beta = params[0], params[1:]
        z = intercept + x @ beta
        p = 1 / (1 + np.exp(-z))
        value = np.mean(np.logaddexp(0, z) - y * z) + RIDGE / 2 * beta @ beta
        gradient = np.concatenate([[np.mean(p - y)], x.T @ (p - y) / len(y) + RIDGE * beta])
        return value, gradient

    prior = np.clip(y.mean(), 1e-6, 1 - 1e-6)
    start = np.concatenate([[np.log(prior / (1 - prior))], np.zeros(x.shape[1])])
    bounds = [(None, None)] + [(0, None)] * x.shape[1]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.maximum(result.x[1:], 0)


def flag_lifts(rows: pd.DataFrame, churned: pd.Series) -> list[dict]:
    """For each flag: how often an account-date carrying it churned, against the rest.

    "Predicted churn" means its churn rate was higher than without it and a one-sided Fisher
    exact test puts the difference below 5% chance."""
    base = float(churned.mean()) if len(churned) else 0.0
    codes = rows["flag_codes"].fillna("")
    lifts = []
    for code, label in FLAG_LABELS.items():
        has = codes.str.contains(f",{code},", regex=False).to_numpy()
        with_flag, without = churned[has], churned[~has]
        table = [
            [int(with_flag.sum()), int(len(with_flag) - with_flag.sum())],
            [int(without.sum()), int(len(without) - without.sum())],
        ]
        p_value = fisher_exact(table, alternative="greater").pvalue if has.any() else 1.0
        rate = float(with_flag.mean()) if len(with_flag) else None
        lifts.append(
            {
                "code": code,
                "label": label,
                "account_dates": int(has.sum()),
                "churn_rate": None if rate is None else round(rate, 4),
                "lift": None if rate is None or not base else round(rate / base, 2),
                "p_value": round(float(p_value), 4),
                "predicted_churn": bool(
                    rate is not None and rate > base and p_value < FLAG_P_VALUE
                ),
            }
        )
    return lifts


def propose_thresholds(
    rows: pd.DataFrame, churned: pd.Series, weights: dict, spec, catch: pd.Series | None = None
) -> dict:
    """The green cut-off that meets both of issue 12's bars on the training account-dates: the
    lowest whole score at which the account-dates that would be green (at or above it, with no
    capping flag) churned within the horizon at most GREEN_CHURN_TARGET of the time, and at
    least RECALL_TARGET of the churners would be red or amber; `catch` marks the account-dates
    that bar counts (the issue's: each churner's reading 60 days before; by default every
    churning account-date). The lowest such cut-off flags the fewest accounts that stay.

    Where no cut-off meets both (churn so common that no green is that safe), the lowest one
    that still keeps RECALL_TARGET of the churning account-dates red or amber: new weights
    move every score, so the old cut-off would mean something else. Amber stays unless it
    would sit above green; with neither bar reachable the thresholds stay as they are."""
    overall = weighted_overall(rows, weights)
    capping = "|".join(f",{code}," for code in spec.capping_flags)
    capped = rows["flag_codes"].fillna("").str.contains(capping) if capping else False
    thresholds, catching = dict(spec.thresholds), None
    catch = churned if catch is None else catch
    for green in range(0, 101):
        would_be_green = (overall >= green) & ~capped
        if would_be_green.sum() < MIN_GREEN:
            break
        recall = 1 - would_be_green[catch].mean() if catch.any() else 1.0
        if recall >= RECALL_TARGET and catching is None:
            catching = green
        if churned[would_be_green].mean() <= GREEN_CHURN_TARGET and recall >= RECALL_TARGET:
            catching = green
            break
    if catching is not None:
        thresholds["green"] = catching
        thresholds["amber"] = min(thresholds["amber"], catching)
    return thresholds


def churns_needed(churned_accounts: int) -> int:
    return max(0, MIN_CHURNS - churned_accounts)
