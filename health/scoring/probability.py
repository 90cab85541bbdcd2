"""The chance an account churns within the horizon, from its component scores and flags: pure.

`calibrate` fits it with scikit-learn in two steps on different dates:
1. a logistic regression on the training dates, on each component's risk (1 - score / 100, a
   missing component standing in at the training mean, as the weights' fit does) and each flag;
2. a calibration of its output on later, held-out dates (isotonic; Platt's sigmoid on fewer
   than ISOTONIC_MIN account-dates), which maps the regression's ranking onto the churn rate
   seen nearer today (a company's churn rate drifts; the ranking travels better than the rate).

It is judged on those held-out dates leaving one date out at a time: each date's probabilities
come from a calibration fitted on the other held-out dates only (`held_out_probability`). The
adopted model is calibrated on all of them. The fit is kept as plain numbers (a `model` dict), so
a score is given its probability at read time, with no pickled object.

Definitions (y: churned within the horizon, p: the predicted probability):
- Brier score: mean((p - y)^2); the base rate's: the same for p = mean(y), i.e. mean(y)(1 - mean(y));
- expected calibration error (ECE): p cut into ECE_BINS equal-width bins [0, 0.1), ... [0.9, 1];
  the sum over bins of (share of account-dates in it) x |mean p - mean y|;
- deciles: account-dates ranked by p cut into ten equal-count groups, mean p and mean y of each.
"""

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from health.scoring.calibration import component_risks
from health.scoring.constants import COMPONENTS
from health.scoring.flags import FLAG_LABELS

ECE_BINS = 10
ISOTONIC_MIN = 1000
ECE_TARGET = 0.05  # issue 25: expected calibration error at most 0.05 on held-out dates


def features(rows: pd.DataFrame, means: dict | None = None):
    """(matrix: component risks then one 0/1 column per flag, the risks' means used)."""
    stand_in = None if means is None else pd.Series(means, dtype=float).reindex(list(COMPONENTS))
    stand_in = None if stand_in is None else stand_in.fillna(0.5)  # a component added since
    risks, used = component_risks(rows, stand_in)
    codes = rows["flag_codes"].fillna("").astype(str)
    flags = [codes.str.contains(f",{code},", regex=False).to_numpy(float) for code in FLAG_LABELS]
    return np.column_stack([risks, *flags]), used.to_dict()


def fit_churn_model(
    train: pd.DataFrame, train_churned: pd.Series, held: pd.DataFrame, held_churned: pd.Series,
    *, horizon: int,
) -> dict:  # fmt: skip
    """The logistic fit on the training dates, calibrated on the held-out ones (module doc)."""
    model = fit_logistic(train, train_churned, horizon=horizon)
    return model | {"calibration": fit_calibration(model, held, held_churned)}


def fit_logistic(rows: pd.DataFrame, churned: pd.Series, *, horizon: int) -> dict:
    x, means = features(rows)
    y = churned.to_numpy(dtype=int)
    fitted = LogisticRegression(max_iter=2000).fit(x, y)
    return {
        "horizon_days": horizon,
        "means": means,
        "intercept": float(fitted.intercept_[0]),
        "coefficients": dict(
            zip([*COMPONENTS, *FLAG_LABELS], map(float, fitted.coef_[0]), strict=True)
        ),
        "train_account_dates": len(y),
        "train_churn_rate": round(float(y.mean()), 4),
    }


def fit_calibration(model: dict, rows: pd.DataFrame, churned: pd.Series) -> dict:
    """Isotonic (or Platt) calibration of the model's logit on these account-dates."""
    logit, y = _logit(model, rows), churned.to_numpy(dtype=int)
    if len(np.unique(y)) < 2:  # all churned or none did: the rate is all there is to learn
        return {"method": "isotonic", "x": [0.0], "y": [float(y.mean()) if len(y) else 0.0]}
    if len(y) >= ISOTONIC_MIN:
        fitted = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(logit, y)
        return {
            "method": "isotonic",
            "x": [float(v) for v in fitted.X_thresholds_],
            "y": [float(v) for v in fitted.y_thresholds_],
        }
    platt = LogisticRegression().fit(logit.reshape(-1, 1), y)  # Platt: a sigmoid of the logit
    return {"method": "sigmoid", "a": -float(platt.coef_[0][0]), "b": -float(platt.intercept_[0])}


def held_out_probability(model: dict, rows: pd.DataFrame, churned: pd.Series) -> pd.Series:
    """Each held-out date's probabilities from a calibration on the other held-out dates (with a
    single date, on itself: the figures are then in-sample)."""
    dates = pd.to_datetime(rows["as_of"])
    if dates.nunique() < 2:
        return churn_probability(
            model | {"calibration": fit_calibration(model, rows, churned)}, rows
        )
    parts = []
    for day in dates.unique():
        others = (dates != day).to_numpy()
        calibration = fit_calibration(model, rows[others], churned[others])
        parts.append(churn_probability(model | {"calibration": calibration}, rows[~others]))
    return pd.concat(parts).reindex(rows.index)


def _logit(model: dict, rows: pd.DataFrame) -> np.ndarray:
    x, _ = features(rows, model["means"])
    names = [*COMPONENTS, *FLAG_LABELS]
    beta = np.array([model["coefficients"].get(name, 0.0) for name in names])
    return model["intercept"] + x @ beta


def churn_probability(model: dict, rows: pd.DataFrame) -> pd.Series:
    """Each row's calibrated probability; NaN where the score itself is unknown (no overall)."""
    logit = _logit(model, rows)
    calibration = model["calibration"]
    if calibration["method"] == "isotonic":
        p = np.interp(logit, calibration["x"], calibration["y"])
    else:
        p = 1 / (1 + np.exp(calibration["a"] * logit + calibration["b"]))
    p = pd.Series(np.clip(p, 0.0, 1.0), index=rows.index)
    return p.where(rows["overall"].notna())


def calibration_metrics(probability: pd.Series, churned: pd.Series) -> dict:
    """Brier score beside the base rate's, ECE and the by-decile table (module docstring)."""
    known = probability.notna().to_numpy()
    p = probability.to_numpy(dtype=float)[known]
    y = churned.to_numpy(dtype=float)[known]
    if not len(p):
        return {"account_dates": 0, "brier": None, "base_rate_brier": None, "ece": None,
                "ece_target": ECE_TARGET, "deciles": []}  # fmt: skip
    base = y.mean()
    return {
        "account_dates": len(p),
        "base_rate": round(float(base), 4),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "base_rate_brier": round(float(base * (1 - base)), 4),
        "ece": round(expected_calibration_error(p, y), 4),
        "ece_target": ECE_TARGET,
        "deciles": deciles(p, y),
    }


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    which = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for b in np.unique(which):
        inside = which == b
        error += inside.mean() * abs(p[inside].mean() - y[inside].mean())
    return float(error)


def deciles(p: np.ndarray, y: np.ndarray) -> list[dict]:
    """Ten equal-count groups by predicted probability, lowest first (fewer with few rows)."""
    order = pd.Series(p).rank(method="first").to_numpy()
    groups = np.ceil(order * min(10, len(p)) / len(p)).astype(int)
    return [
        {
            "decile": int(g),
            "account_dates": int((groups == g).sum()),
            "predicted": round(float(p[groups == g].mean()), 4),
            "observed": round(float(y[groups == g].mean()), 4),
        }
        for g in np.unique(groups)
    ]
