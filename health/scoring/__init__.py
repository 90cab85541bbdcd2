"""The pure scorer: a features frame and a scorecard in, a scores frame out.

No ORM, no settings, no clock: `as_of` is an argument. `health.features` builds the frame from
the database and `health.services` writes the result, so this runs unchanged in tests, in the
`score` command and in Celery shards. Each score carries its `facts`; `explain()` words them.
"""

from datetime import date

import numpy as np
import pandas as pd

from health.scoring.components import COMPONENT_FUNCTIONS
from health.scoring.constants import COMPONENTS
from health.scoring.explain import explain, facts_json
from health.scoring.flags import ACTIVITY_FLAGS, FLAG_RULES, awaiting_data
from health.scoring.spec import ScorecardSpec

__all__ = ["ScorecardSpec", "score_frame", "derive", "explain"]


def derive(features: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Turn the frame's dates into day counts relative to `as_of` (whole days, rounded down, as
    pandas' Timedelta.days counts them), on the numbers: pandas' datetime accessors cost a small
    rescore more than the arithmetic. Microseconds, not nanoseconds: a renewal in 9999 fits."""
    f = features.copy()
    day = np.datetime64(pd.Timestamp(as_of).normalize(), "D").astype(INSTANT)
    start = _instants(f["contract_start"])
    kickoff = _kickoff(f, start)
    f["days_since_kickoff"] = _days(day, kickoff)
    f["time_to_value_days"] = _days(_midnight(_instants(f["first_value_at"], utc=True)), kickoff)
    f["days_since_activity"] = _days(day, _midnight(_instants(f["last_signal_at"], utc=True)))
    f["days_to_renewal"] = _days(_instants(f["renewal_date"]), day)
    f["days_since_renewed"] = _days(day, _instants(f["last_renewed_on"]))
    _commercial_terms(f, day, start)
    meeting = _midnight(_instants(f["last_exec_meeting_at"], utc=True))
    touched = np.fmax(meeting, _instants(f["exec_last_engaged_on"]))  # the later; NaT skipped
    f["days_since_exec_touch"] = _days(day, touched)
    return _silence(f, day, start)


INSTANT = "datetime64[us]"
DAY = np.timedelta64(1, "D").astype("timedelta64[us]").astype(np.int64)


def _instants(values: pd.Series, utc=False) -> np.ndarray:
    """Dates or timestamps as microsecond datetimes (NaT where missing); `utc`: aware ones (or
    strings) read in UTC, then as the UTC wall clock."""
    stamps = (
        pd.to_datetime(values, utc=True).dt.tz_localize(None) if utc else pd.to_datetime(values)
    )
    return stamps.to_numpy(dtype=INSTANT)


def _midnight(instants: np.ndarray) -> np.ndarray:
    """The start of each instant's day (Series.dt.normalize)."""
    return instants.astype("datetime64[D]").astype(INSTANT)


def _days(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Whole days from `earlier` to `later`, rounded down (Timedelta.days); NaN where either is
    missing."""
    missing = np.isnat(later) | np.isnat(earlier)
    days = (later.astype(np.int64) - earlier.astype(np.int64)) // DAY
    return np.where(missing, np.nan, days.astype(float))


def _silence(f: pd.DataFrame, day: np.datetime64, start: np.ndarray) -> pd.DataFrame:
    """`has_any_signal` (a frame without it: whether a signal was ever seen) and
    `days_since_arrival`: days since the later of contract start and arrival in Candor
    (`arrived_on`; the contract start where a frame has none)."""
    if "has_any_signal" not in f:
        f["has_any_signal"] = f["last_signal_at"].notna()
    f["has_any_signal"] = f["has_any_signal"].fillna(False).astype(bool)
    if "arrived_on" in f:
        start = np.fmax(start, _instants(f["arrived_on"]))
    f["days_since_arrival"] = _days(day, start)
    return f


def _commercial_terms(f: pd.DataFrame, day: np.datetime64, start: np.ndarray) -> None:
    """Tenure, the current term's length and the renewals so far (whole years from the contract
    start to the last renewal), for the Commercial component."""
    f["tenure_days"] = _days(day, start)
    since = f["days_since_renewed"].fillna(f["tenure_days"])
    f["term_days"] = f["days_to_renewal"] + since
    f["renewals"] = ((f["tenure_days"] - since) / 365).round().clip(lower=0)
    if "price_change_at_renewal" not in f:
        f["price_change_at_renewal"] = np.nan


def _kickoff(f: pd.DataFrame, start: np.ndarray) -> np.ndarray:
    """The day the checklist says the kickoff call was held, else the contract start: the
    reasons count "days after kickoff" from the date the page shows beside them."""
    if "kickoff_on" not in f:
        return start
    kickoff = _instants(f["kickoff_on"])
    return np.where(np.isnat(kickoff), start, kickoff)


def score_frame(features: pd.DataFrame, scorecard: ScorecardSpec, as_of: date) -> pd.DataFrame:
    """Score every account in `features` (indexed by account id) as of `as_of`."""
    f = derive(features, as_of)
    scores = pd.DataFrame(
        {name: COMPONENT_FUNCTIONS[name](f, scorecard).astype(float) for name in COMPONENTS},
        index=f.index,
    )
    scores["checklist_completion"] = _percent(f["tasks_done"], f["tasks_total"])
    scores["outcome_attainment"] = _percent(f["outcomes_due_reached"], f["outcomes_due"])
    # Flags read the data's own components, before any override: an override never hides one.
    flags = pd.DataFrame({code: rule(f, scores, scorecard) for code, rule in FLAG_RULES.items()})
    _override(scores, f)
    scores["overall"] = _overall(scores, scorecard.weights)
    scores["rag"] = _rag(scores["overall"], flags, scorecard)
    _await_data(scores, flags, awaiting_data(f, scorecard))
    scores["flag_codes"] = _flag_codes(flags)
    scores["facts"] = facts_json(f, scores, scorecard)
    return scores


def _override(scores: pd.DataFrame, f: pd.DataFrame) -> None:
    """A person's value in force (`override_<component>`, health.overrides) replaces the
    component's computed one (a column without one in force changes nothing: skipped)."""
    for name in COMPONENTS:
        column = f"override_{name}"
        if column in f and f[column].notna().any():
            scores[name] = f[column].astype(float).fillna(scores[name])


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    return pd.Series(
        np.where(whole > 0, part / whole.where(whole > 0, 1) * 100, np.nan), part.index
    )


def _overall(scores: pd.DataFrame, weights: dict) -> pd.Series:
    """Weighted mean of the components that have data; the weights re-normalise over them."""
    values = scores[list(COMPONENTS)]
    w = np.array([float(weights.get(name, 0)) for name in COMPONENTS])
    present = values.notna().to_numpy()
    norm = (present * w).sum(axis=1)
    total = (values.fillna(0).to_numpy() * w).sum(axis=1)
    overall = np.where(norm > 0, total / np.where(norm > 0, norm, 1), np.nan)
    return pd.Series(np.round(overall, 1), scores.index)


def _rag(overall: pd.Series, flags: pd.DataFrame, scorecard: ScorecardSpec) -> pd.Series:
    """Red, amber or green by the thresholds; any of the scorecard's capping flags keeps a
    green score amber (green means nothing we know is wrong)."""
    thresholds = scorecard.thresholds
    rag = np.where(
        overall >= thresholds["green"],
        "green",
        np.where(overall >= thresholds["amber"], "amber", "red"),
    )
    rag = np.where(overall.isna(), "red", rag)
    capped = flags[list(scorecard.capping_flags)].any(axis=1).to_numpy()
    return pd.Series(np.where(capped & (rag == "green"), "amber", rag), overall.index)


def _await_data(scores: pd.DataFrame, flags: pd.DataFrame, waiting: pd.Series) -> None:
    """Nothing is red because no data has arrived yet: an account awaiting its first signal is
    `unknown`, with no score and no flag that rests on missing activity."""
    if not waiting.any():
        return
    scores.loc[waiting, "overall"] = np.nan
    scores.loc[waiting, "rag"] = "unknown"
    flags.loc[waiting, list(ACTIVITY_FLAGS)] = False


def _flag_codes(flags: pd.DataFrame) -> pd.Series:
    """',code,code,' per account: each row's flags as a bit pattern, worded once per distinct
    pattern (a portfolio has a few dozen), not once per account."""
    codes = list(flags.columns)
    if flags.empty:
        return pd.Series([], index=flags.index, dtype=object)
    bits = flags.to_numpy(dtype=np.int64) @ (np.int64(1) << np.arange(len(codes), dtype=np.int64))
    patterns, inverse = np.unique(bits, return_inverse=True)
    words = np.array([_joined(codes, int(pattern)) for pattern in patterns], dtype=object)
    return pd.Series(words[inverse.reshape(-1)], flags.index)


def _joined(codes: list[str], pattern: int) -> str:
    on = [code for i, code in enumerate(codes) if pattern >> i & 1]
    return f",{','.join(on)}," if on else ""
