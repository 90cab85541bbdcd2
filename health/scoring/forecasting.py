"""The renewal forecast's figures: pure, frames in, figures out (no ORM, no clock).

For each calendar quarter, the renewals in it (accounts still customers whose renewal date falls
in the quarter) each renew their ARR with chance 1 - p, p the adopted churn model's chance that
the account churns at its renewal (health.scoring.probability.renewal_churn_probability; the
model's training churn rate where an account has no reading):
- `arr_up_for_renewal` = sum of ARR;
- `expected_renewed_arr` = sum of ARR x (1 - p);
- `interval` = [low, high], a 90% interval treating each renewal as an independent draw: the
  expected value -/+ 1.645 standard deviations, sd = sqrt(sum of ARR^2 x p x (1 - p)), kept
  within [0, arr_up_for_renewal].

The model's own call on a renewal reads its probability against MODEL_CALLS; the CSM's call and
the model's disagree when one expects the ARR to stay (commit, best case) and the other to go
(at risk, lost). Disagreements are listed biggest ARR first.
"""

import math
from datetime import date

import pandas as pd

Z_90 = 1.645
# The model's call: the first whose bound the probability is under; "lost" past the last.
MODEL_CALLS = ((0.10, "commit"), (0.25, "best_case"), (0.50, "at_risk"))
KEEPS = frozenset({"commit", "best_case"})


def quarters(today: date, count: int) -> list[dict]:
    """`count` calendar quarters from the one holding `today`: quarter, start, end."""
    year, index = today.year, (today.month - 1) // 3
    result = []
    for _ in range(count):
        start = date(year, index * 3 + 1, 1)
        end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
        result.append({"quarter": f"{year}-Q{index + 1}", "start": start, "end": end})
        year, index = (year + 1, 0) if index == 3 else (year, index + 1)
    return result


def model_call(probability) -> str | None:
    if probability is None or (isinstance(probability, float) and math.isnan(probability)):
        return None
    return next((call for bound, call in MODEL_CALLS if probability < bound), "lost")


def disagree(call: str | None, model: str | None) -> bool:
    return call is not None and model is not None and (call in KEEPS) != (model in KEEPS)


def quarter_figures(renewals: pd.DataFrame) -> dict:
    """arr_up_for_renewal, expected_renewed_arr and interval of one quarter's renewals
    (columns arr, churn_probability); no expectation where any renewal has no probability."""
    arr = renewals["arr"].astype(float)
    p = renewals["churn_probability"].astype(float)
    up = float(arr.sum())
    if p.isna().any():
        return {"arr_up_for_renewal": _money(up), "expected_renewed_arr": None, "interval": None}
    expected = float((arr * (1 - p)).sum())
    spread = Z_90 * math.sqrt(float((arr**2 * p * (1 - p)).sum()))
    return {
        "arr_up_for_renewal": _money(up),
        "expected_renewed_arr": _money(expected),
        "interval": [_money(max(0.0, expected - spread)), _money(min(up, expected + spread))],
    }


def disagreements(renewals: pd.DataFrame) -> pd.DataFrame:
    """The renewals whose CSM call and model call disagree, biggest ARR first."""
    if renewals.empty:
        return renewals
    mask = [disagree(c, m) for c, m in zip(renewals["call"], renewals["model_call"], strict=True)]
    return renewals[mask].sort_values(["arr", "account_id"], ascending=[False, True])


def _money(value: float) -> float:
    return round(value, 2)
