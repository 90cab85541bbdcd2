"""The chance an account churns within the horizon, from its component scores and flags: pure.

`calibrate` fits it on the training account-dates (scikit-learn): a logistic regression on each
component's risk (1 - score / 100, a missing component standing in at the training mean, as the
weights' fit does) and on each flag, then an isotonic calibration (Platt's sigmoid on fewer than
ISOTONIC_MIN account-dates) learnt from out-of-fold predictions, each as-of date held out in
turn, so the calibration never sees the predictions of a model fitted on its own date. The fit
is kept as plain numbers (a `model` dict) so a score is given its probability at read time,
with no pickled object, and a held-out date is judged by `calibration_metrics`.

Definitions (y: churned within the horizon, p: the predicted probability):
- Brier score: mean((p - y)^2); the base rate's: the same for p = mean(y), i.e. mean(y)(1 - mean(y));
- expected calibration error (ECE): p cut into ECE_BINS equal-width bins [0, 0.1), ... [0.9, 1];
  the sum over bins of (share of account-dates in it) x |mean p - mean y|;
- deciles: account-dates ranked by p cut into ten equal-count groups, mean p and mean y of each.
"""

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

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


def fit_churn_model(rows: pd.DataFrame, churned: pd.Series, *, horizon: int) -> dict:
    """The logistic fit and its calibration as numbers (see the module docstring)."""
    x, means = features(rows)
    y = churned.to_numpy(dtype=int)
    dates = pd.to_datetime(rows["as_of"]).to_numpy()
    folds = min(len(np.unique(dates)), 4)
    method = "isotonic" if len(y) >= ISOTONIC_MIN else "sigmoid"
    model = CalibratedClassifierCV(
        LogisticRegression(max_iter=2000), method=method, ensemble=False,
        cv=list(GroupKFold(n_splits=folds).split(x, y, dates)),
    ).fit(x, y)  # fmt: skip
    fitted = model.calibrated_classifiers_[0]
    return {
        "horizon_days": horizon,
        "means": means,
        "intercept": float(fitted.estimator.intercept_[0]),
        "coefficients": dict(
            zip([*COMPONENTS, *FLAG_LABELS], map(float, fitted.estimator.coef_[0]), strict=True)
        ),
        "calibration": _calibrator(method, fitted.calibrators[0]),
        "train_account_dates": len(y),
        "train_churn_rate": round(float(y.mean()), 4),
    }


def _calibrator(method: str, fitted) -> dict:
    if method == "isotonic":
        return {
            "method": "isotonic",
            "x": [float(v) for v in fitted.X_thresholds_],
            "y": [float(v) for v in fitted.y_thresholds_],
        }
    return {"method": "sigmoid", "a": float(fitted.a_), "b": float(fitted.b_)}


def churn_probability(model: dict, rows: pd.DataFrame) -> pd.Series:
    """Each row's calibrated probability; NaN where the score itself is unknown (no overall)."""
    x, _ = features(rows, model["means"])
    names = [*COMPONENTS, *FLAG_LABELS]
    beta = np.array([model["coefficients"].get(name, 0.0) for name in names])
    logit = model["intercept"] + x @ beta
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
