"""The chance an account churns within the horizon, from its component scores and flags: pure.

`calibrate` fits it with scikit-learn in two steps on different dates:
1. a logistic regression on the training dates, on each component's risk (1 - score / 100, a
   missing component standing in at the training mean, as the weights' fit does), each flag,
   and whether the account's renewal falls within the horizon (`renewal_due`);
2. a calibration of its output on later, held-out dates (isotonic; Platt's sigmoid on fewer
   than ISOTONIC_MIN account-dates), which maps the regression's ranking onto the churn rate
   seen nearer today (a company's churn rate drifts; the ranking travels better than the rate).
   It is fitted twice: once on the account-dates whose renewal falls within the horizon, once
   on the others. A subscription mostly ends at its renewal, so the same score means a far
   higher chance to churn within 90 days when the renewal is 30 days away than when it is 300
   days away; one calibration over both averages the two and under-reads every renewal.

The renewal forecast asks "will this renewal churn?": `renewal_churn_probability` reads the
model as if the renewal were due (which, for the quarter ahead, it is).

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


RENEWAL_DUE = "renewal_due"
NAMES = (*COMPONENTS, *FLAG_LABELS, RENEWAL_DUE)


def renewal_due(as_of, renewal_date, horizon: int) -> np.ndarray:
    """True where the renewal in force falls within `horizon` days of `as_of` (or is overdue)."""
    days = (pd.to_datetime(renewal_date) - pd.to_datetime(as_of)) / pd.Timedelta(days=1)
    return np.asarray(days <= horizon, dtype=bool)


def _due(rows: pd.DataFrame, horizon: int) -> np.ndarray:
    """The rows' `renewal_due` column where given, else read from their `as_of` and
    `renewal_date` (neither: no renewal known to be due)."""
    if RENEWAL_DUE in rows:
        return rows[RENEWAL_DUE].fillna(False).to_numpy(dtype=bool)
    if "renewal_date" in rows:
        return renewal_due(rows["as_of"], rows["renewal_date"], horizon)
    return np.zeros(len(rows), dtype=bool)


def features(rows: pd.DataFrame, horizon: int, means: dict | None = None):
    """(matrix: component risks, one 0/1 column per flag, renewal due; the risks' means used)."""
    stand_in = None if means is None else pd.Series(means, dtype=float).reindex(list(COMPONENTS))
    stand_in = None if stand_in is None else stand_in.fillna(0.5)  # a component added since
    risks, used = component_risks(rows, stand_in)
    codes = rows["flag_codes"].fillna("").astype(str)
    flags = [codes.str.contains(f",{code},", regex=False).to_numpy(float) for code in FLAG_LABELS]
    return np.column_stack([risks, *flags, _due(rows, horizon).astype(float)]), used.to_dict()


def fit_churn_model(
    train: pd.DataFrame, train_churned: pd.Series, held: pd.DataFrame, held_churned: pd.Series,
    *, horizon: int,
) -> dict:  # fmt: skip
    """The logistic fit on the training dates, calibrated on the held-out ones (module doc)."""
    model = fit_logistic(train, train_churned, horizon=horizon)
    return model | {"calibration": fit_calibrations(model, held, held_churned)}


def fit_logistic(rows: pd.DataFrame, churned: pd.Series, *, horizon: int) -> dict:
    x, means = features(rows, horizon)
    y = churned.to_numpy(dtype=int)
    fitted = LogisticRegression(max_iter=2000).fit(x, y)
    return {
        "horizon_days": horizon,
        "means": means,
        "intercept": float(fitted.intercept_[0]),
        "coefficients": dict(zip(NAMES, map(float, fitted.coef_[0]), strict=True)),
        "train_account_dates": len(y),
        "train_churn_rate": round(float(y.mean()), 4),
    }


def fit_calibrations(model: dict, rows: pd.DataFrame, churned: pd.Series) -> dict:
    """One calibration for the account-dates with a renewal due within the horizon, one for the
    rest (module docstring); a group with no account-date borrows the other's."""
    due = _due(rows, model["horizon_days"])
    groups = {"due": due, "not_due": ~due}
    fitted = {
        name: fit_calibration(model, rows[inside], churned[inside])
        for name, inside in groups.items()
        if inside.any()
    }
    if not fitted:
        return {"method": "isotonic", "x": [0.0], "y": [0.0]}
    return {"by_renewal": True, "due": fitted.get("due") or fitted["not_due"],
            "not_due": fitted.get("not_due") or fitted["due"]}  # fmt: skip


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
            model | {"calibration": fit_calibrations(model, rows, churned)}, rows
        )
    parts = []
    for day in dates.unique():
        others = (dates != day).to_numpy()
        calibration = fit_calibrations(model, rows[others], churned[others])
        parts.append(churn_probability(model | {"calibration": calibration}, rows[~others]))
    return pd.concat(parts).reindex(rows.index)


def _logit(model: dict, rows: pd.DataFrame) -> np.ndarray:
    x, _ = features(rows, model["horizon_days"], model["means"])
    beta = np.array([model["coefficients"].get(name, 0.0) for name in NAMES])
    return model["intercept"] + x @ beta


def churn_probability(model: dict, rows: pd.DataFrame) -> pd.Series:
    """Each row's calibrated probability of churning within the horizon, by its `renewal_due`
    (a model fitted before that column read every row alike); NaN where the score itself is
    unknown (no overall)."""
    logit = _logit(model, rows)
    calibration = model["calibration"]
    if calibration.get("by_renewal"):
        due = _due(rows, model["horizon_days"])
        p = np.where(
            due, _calibrated(calibration["due"], logit), _calibrated(calibration["not_due"], logit)
        )
    else:
        p = _calibrated(calibration, logit)
    p = pd.Series(np.clip(p, 0.0, 1.0), index=rows.index)
    return p.where(rows["overall"].notna())


def renewal_churn_probability(model: dict, rows: pd.DataFrame) -> pd.Series:
    """The chance each renewal churns: the model read with the renewal due within the horizon."""
    return churn_probability(model, rows.assign(**{RENEWAL_DUE: True}))


def _calibrated(calibration: dict, logit: np.ndarray) -> np.ndarray:
    if calibration["method"] == "isotonic":
        return np.interp(logit, calibration["x"], calibration["y"])
    return 1 / (1 + np.exp(calibration["a"] * logit + calibration["b"]))


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
