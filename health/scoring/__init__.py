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
    """The features with their dates turned into day counts relative to `as_of` (`derived`)."""
    return features.assign(**derived(features, as_of))


def derived(features: pd.DataFrame, as_of: date) -> dict[str, np.ndarray]:
    """The day counts of the frame's dates relative to `as_of` (whole days, rounded down, as
    pandas' Timedelta.days counts them), on the numbers: pandas' datetime accessors cost a small
    rescore more than the arithmetic. Microseconds, not nanoseconds: a renewal in 9999 fits."""
    day = np.datetime64(pd.Timestamp(as_of).normalize(), "D").astype(INSTANT)
    start = _instants(features["contract_start"])
    kickoff = _kickoff(features, start)
    d = {"days_since_kickoff": _days(day, kickoff)}
    d["time_to_value_days"] = _days(
        _midnight(_instants(features["first_value_at"], utc=True)), kickoff
    )
    d["days_since_activity"] = _days(
        day, _midnight(_instants(features["last_signal_at"], utc=True))
    )
    d["days_to_renewal"] = _days(_instants(features["renewal_date"]), day)
    d["days_since_renewed"] = _days(day, _instants(features["last_renewed_on"]))
    d.update(_commercial_terms(d, day, start))
    if "price_change_at_renewal" not in features:
        d["price_change_at_renewal"] = np.full(len(features), np.nan)
    meeting = _midnight(_instants(features["last_exec_meeting_at"], utc=True))
    # The later of the two; NaT skipped.
    touched = np.fmax(meeting, _instants(features["exec_last_engaged_on"]))
    d["days_since_exec_touch"] = _days(day, touched)
    d.update(_silence(features, day, start))
    return d


class Columns(dict):
    """The features as numpy arrays by name: the derived ones, and the frame's, each read on
    first use. The components and flags compute on these: a pandas Series built, aligned and
    checked per operation cost a 100-account rescore more than the arithmetic."""

    def __init__(self, frame: pd.DataFrame, derived_columns: dict | None = None):
        super().__init__(derived_columns or {})
        self.frame = frame

    def __missing__(self, name: str) -> np.ndarray:
        column = self.frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):  # datetimes, not a Timestamp per row
            column = column.dt.tz_localize(None)
        values = self[name] = column.to_numpy()
        return values

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name) or name in self.frame.columns


INSTANT = "datetime64[us]"
DAY = np.timedelta64(1, "D").astype("timedelta64[us]").astype(np.int64)


def _instants(values: pd.Series, utc=False) -> np.ndarray:
    """Dates or timestamps as microsecond datetimes (NaT where missing); `utc`: aware ones (or
    strings) read in UTC, then as the UTC wall clock."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):  # aware ones read as UTC already
        return values.to_numpy(dtype=INSTANT)
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


def _silence(f: pd.DataFrame, day: np.datetime64, start: np.ndarray) -> dict:
    """`has_any_signal` (a frame without it: whether a signal was ever seen) and
    `days_since_arrival`: days since the later of contract start and arrival in Candor
    (`arrived_on`; the contract start where a frame has none)."""
    signalled = f["has_any_signal"] if "has_any_signal" in f else f["last_signal_at"].notna()
    if "arrived_on" in f:
        start = np.fmax(start, _instants(f["arrived_on"]))
    return {
        "has_any_signal": signalled.fillna(False).astype(bool).to_numpy(),
        "days_since_arrival": _days(day, start),
    }


def _commercial_terms(d: dict, day: np.datetime64, start: np.ndarray) -> dict:
    """Tenure, the current term's length and the renewals so far (whole years from the contract
    start to the last renewal), for the Commercial component."""
    tenure = _days(day, start)
    renewed = d["days_since_renewed"]
    since = np.where(np.isnan(renewed), tenure, renewed)
    renewals = np.round((tenure - since) / 365)
    return {
        "tenure_days": tenure,
        "term_days": d["days_to_renewal"] + since,
        "renewals": np.where(renewals < 0, 0, renewals),
    }


def _kickoff(f: pd.DataFrame, start: np.ndarray) -> np.ndarray:
    """The day the checklist says the kickoff call was held, else the contract start: the
    reasons count "days after kickoff" from the date the page shows beside them."""
    if "kickoff_on" not in f:
        return start
    kickoff = _instants(f["kickoff_on"])
    return np.where(np.isnat(kickoff), start, kickoff)


def score_frame(features: pd.DataFrame, scorecard: ScorecardSpec, as_of: date) -> pd.DataFrame:
    """Score every account in `features` (indexed by account id) as of `as_of`."""
    f = Columns(features, derived(features, as_of))
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN is no data, as pandas says
        s = {name: COMPONENT_FUNCTIONS[name](f, scorecard).astype(float) for name in COMPONENTS}
        s["checklist_completion"] = _percent(f["tasks_done"], f["tasks_total"])
        s["outcome_attainment"] = _percent(f["outcomes_due_reached"], f["outcomes_due"])
        # Flags read the data's own components, before any override: an override never hides one.
        flags = {code: rule(f, s, scorecard) for code, rule in FLAG_RULES.items()}
    scores = pd.DataFrame(s, index=features.index)
    _override(scores, features)
    scores["overall"] = _overall(scores, scorecard.weights)
    scores["rag"] = _rag(scores["overall"], flags, scorecard)
    _await_data(scores, flags, awaiting_data(f, scorecard))
    scores["flag_codes"] = _flag_codes(flags, features.index)
    scores["facts"] = facts_json(f, scores, scorecard)
    return scores


def _override(scores: pd.DataFrame, f: pd.DataFrame) -> None:
    """A person's value in force (`override_<component>`, health.overrides) replaces the
    component's computed one (a column without one in force changes nothing: skipped)."""
    for name in COMPONENTS:
        column = f"override_{name}"
        if column in f and not np.isnan(f[column].to_numpy(dtype=float, na_value=np.nan)).all():
            scores[name] = f[column].astype(float).fillna(scores[name])


def _percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.where(whole > 0, part / np.where(whole > 0, whole, 1) * 100, np.nan)


def _overall(scores: pd.DataFrame, weights: dict) -> pd.Series:
    """Weighted mean of the components that have data; the weights re-normalise over them."""
    values = scores[list(COMPONENTS)]
    w = np.array([float(weights.get(name, 0)) for name in COMPONENTS])
    present = values.notna().to_numpy()
    norm = (present * w).sum(axis=1)
    total = (values.fillna(0).to_numpy() * w).sum(axis=1)
    overall = np.where(norm > 0, total / np.where(norm > 0, norm, 1), np.nan)
    return pd.Series(np.round(overall, 1), scores.index)


def _rag(overall: pd.Series, flags: dict, scorecard: ScorecardSpec) -> pd.Series:
    """Red, amber or green by the thresholds; any of the scorecard's capping flags keeps a
    green score amber (green means nothing we know is wrong)."""
    thresholds = scorecard.thresholds
    rag = np.where(
        overall >= thresholds["green"],
        "green",
        np.where(overall >= thresholds["amber"], "amber", "red"),
    )
    rag = np.where(overall.isna(), "red", rag)
    capped = np.zeros(len(overall), dtype=bool)
    for code in scorecard.capping_flags:
        capped |= flags[code]
    return pd.Series(np.where(capped & (rag == "green"), "amber", rag), overall.index)


def _await_data(scores: pd.DataFrame, flags: dict, waiting: np.ndarray) -> None:
    """Nothing is red because no data has arrived yet: an account awaiting its first signal is
    `unknown`, with no score and no flag that rests on missing activity."""
    if not waiting.any():
        return
    scores.loc[waiting, "overall"] = np.nan
    scores.loc[waiting, "rag"] = "unknown"
    for code in ACTIVITY_FLAGS:
        flags[code] = flags[code] & ~waiting


def _flag_codes(flags: dict, index: pd.Index) -> pd.Series:
    """',code,code,' per account: each row's flags (by code, a boolean array each) as a bit
    pattern, worded once per distinct pattern (a portfolio has a few dozen), not once per
    account."""
    codes = list(flags)
    if not len(index):
        return pd.Series([], index=index, dtype=object)
    matrix = np.column_stack([flags[code] for code in codes]).astype(np.int64)
    bits = matrix @ (np.int64(1) << np.arange(len(codes), dtype=np.int64))
    patterns, inverse = np.unique(bits, return_inverse=True)
    words = np.array([_joined(codes, int(pattern)) for pattern in patterns], dtype=object)
    return pd.Series(words[inverse.reshape(-1)], index)


def _joined(codes: list[str], pattern: int) -> str:
    on = [code for i, code in enumerate(codes) if pattern >> i & 1]
    return f",{','.join(on)}," if on else ""
