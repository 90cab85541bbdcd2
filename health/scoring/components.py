"""The outcome components, each 0–100 per account, computed column-wise with numpy.

Every function takes the features as columns (`health.scoring.Columns`: name -> numpy array,
the frame's and the derived ones) and returns a float array (NaN = no data), and never looks at
checklist completion: ticked tasks are shown beside the score, never inside it. They compute on
the numbers, not on pandas Series: a Series built, aligned and checked per operation cost a
100-account rescore more than the arithmetic (~12 ms of the scorer's ~21).
"""

import numpy as np
import pandas as pd


def ramp(value, full_at, zero_at):
    """Linear score: 100 at `full_at`, 0 at `zero_at` (either direction), clipped. A Series
    back for a Series."""
    if not isinstance(value, pd.Series):
        return np.clip((np.asarray(value, dtype=float) - zero_at) / (full_at - zero_at), 0, 1) * 100
    share = (value.to_numpy(dtype=float) - zero_at) / (full_at - zero_at)
    return pd.Series(np.clip(share, 0, 1) * 100, value.index, name=value.name)


def clip(values, lower=None, upper=None):
    """Series.clip on an array: each bound where the value passes it, NaN kept."""
    values = np.asarray(values, dtype=float)
    if lower is not None:
        values = np.where(values < lower, lower, values)
    if upper is not None:
        values = np.where(values > upper, upper, values)
    return values


def where(condition, values):
    """The values where `condition` holds, NaN elsewhere (Series.where)."""
    return np.where(np.asarray(condition, dtype=bool), values, np.nan)


def weighted(parts: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Weighted mean of sub-scores, skipping the missing ones and re-normalising. The parts are
    laid out as pandas lays out a frame of them (part by part), so the sums add in its order."""
    values = np.array([np.asarray(part, dtype=float) for part, _ in parts]).T
    weights = np.array([w for _, w in parts], dtype=float)
    present = ~np.isnan(values)
    filled = values.copy(order="K")
    filled[~present] = 0
    total = (filled * weights).sum(axis=1)
    norm = (present * weights).sum(axis=1)
    return np.where(norm > 0, total / np.where(norm > 0, norm, 1), np.nan)


def outcomes(f, target_days: float) -> np.ndarray:
    """Time to first value, outcome milestones reached, and value events recurring, where
    value is whatever the scorecard's value kinds say it is."""
    ttv = f["time_to_value_days"]
    since_kickoff = f["days_since_kickoff"]
    reached = ramp(ttv, target_days, 3 * target_days)
    not_yet = np.where(
        since_kickoff <= target_days, 60.0, ramp(since_kickoff, target_days, 2 * target_days) * 0.4
    )
    ttv_score = np.where(~np.isnan(ttv), reached, not_yet)
    due = f["outcomes_due"]
    milestones = np.where(
        due > 0, f["outcomes_due_reached"] / np.where(due > 0, due, 1) * 100, np.nan
    )
    recurring_applies = ~np.isnan(ttv) & (since_kickoff > 90)
    recurring = np.where(recurring_applies, np.clip(f["value_events_90d"] / 2, 0, 1) * 100, np.nan)
    score = weighted([(ttv_score, 0.5), (milestones, 0.3), (recurring, 0.2)])
    # Missing is missing: a scorecard none of whose accounts ever sent a value event cannot
    # tell "got no value" from "the integration never sends it", so Outcomes is left out.
    return where(f["value_kinds_seen"], score)


def adoption(f) -> np.ndarray:
    active_ratio = f["active_users_30d"] / clip(f["seats"], lower=1)
    active = ramp(active_ratio, 0.6, 0)
    invites = ramp(f["invites_90d"], 3, 0)
    breadth = ramp(f["features_90d"], 6, 0)
    score = active * 0.5 + invites * 0.25 + breadth * 0.25
    return where(~pd.isna(f["last_signal_at"]), score)


def engagement(f) -> np.ndarray:
    """Activity trend and recency, exec sponsor touch and expansion calls; the last two only
    where the scorecard's portfolio records them at all (missing is missing)."""
    recent, previous = f["activity_30d"], f["activity_prev_30d"]
    ratio = recent / where(previous > 0, previous)
    trend = np.where(previous > 0, np.clip(ratio, 0, 1) * 100, np.where(recent > 0, 100.0, 0.0))
    recency = ramp(f["days_since_activity"], 3, 30)
    touch = f["days_since_exec_touch"]
    exec_touch = ramp(np.where(np.isnan(touch), 10_000, touch), 90, 180)
    upsell = np.where(
        f["upsell_accepted_180d"] > 0, 100.0, np.where(f["upsell_declined_180d"] > 0, 30.0, 50.0)
    )
    score = weighted(
        [
            (trend, 0.35),
            (recency, 0.25),
            (where(f["exec_touch_recorded"], exec_touch), 0.25),
            (where(f["expansion_recorded"], upsell), 0.15),
        ]
    )
    return where(~pd.isna(f["last_signal_at"]), score)


def alignment(f) -> np.ndarray:
    roles = f["key_roles_present"] / 3 * 100
    signed = f["objective_key_signers"] / 3 * 70
    overdue = np.asarray(f["objective_review_overdue"], dtype=bool)
    reviewed = signed + np.where(overdue, 0, 30)
    objective = where(
        f["objectives_recorded"], np.where(np.asarray(f["has_objective"], dtype=bool), reviewed, 0)
    )
    decisions = f["decisions"]
    bad_share = (f["decisions_reopened_7d"] + f["decisions_circulated_late"]) / (
        2 * clip(decisions, lower=1)
    )
    decision_score = np.where(decisions > 0, (1 - bad_share) * 100, np.nan)
    conflicts = np.where(f["conflicting_definitions"] > 0, 0.0, 100.0)
    champion = np.where(np.asarray(f["champion_left"], dtype=bool), 0.0, 100.0)
    score = weighted(
        [
            (roles, 0.3),
            (objective, 0.3),
            (decision_score, 0.2),
            (conflicts, 0.1),
            (champion, 0.1),
        ]
    )
    return where(f["stakeholders"] > 0, score)


def commitments(f) -> np.ndarray:
    penalty = (
        30 * f["commitments_gap"]
        + 15 * f["commitments_unscoped_open"]
        + 20 * f["commitments_overdue"]
    )
    return where(f["commitments"] > 0, clip(100 - penalty, lower=0))


def confidence(f) -> np.ndarray:
    """The customer's own word: the mean survey answer (0-10) in the window. 10 is full
    confidence; an average of 5 or less, none. Missing when nobody answered."""
    return where(f["survey_answers"] > 0, ramp(f["confidence_mean"], 10, 5))


def sentiment(f) -> np.ndarray:
    """The CSM's rating in force (green 100, amber 50, red 0); missing when none is."""
    return np.asarray(f["csm_sentiment"], dtype=float)


def support(f) -> np.ndarray:
    """The customer's friction: 100 with no support signal in 90 days, halving at one per
    seat, a third at two. Missing where the scorecard's portfolio records no support at all."""
    per_seat = f["support_events_90d"] / clip(f["seats"], lower=1)
    return where(f["support_recorded"], 100 / (1 + per_seat))


def commercial(f) -> np.ndarray:
    """Commercial context (issue 25), beside the score until calibration weighs it: 40, plus up
    to 20 for tenure (two years), 20 for renewals (two), 20 for a term of two years or more;
    less 10 per deviating deal term (up to three) and 20 for a price change of 10% or more
    either way at the last renewal (a rise to absorb, or a discount to keep them)."""
    tenure = f["tenure_days"] / 365
    renewals = np.where(np.isnan(f["renewals"]), 0, f["renewals"])
    price = np.abs(np.asarray(f["price_change_at_renewal"], dtype=float))
    price = np.where(np.isnan(price), 0, price)
    score = (
        40 + 10 * clip(tenure, 0, 2) + 10 * clip(renewals, 0, 2) + 20 * (f["term_days"] >= 700)
        - 10 * clip(f["deviating_terms"], 0, 3) - 20 * (price >= 0.10)
    )  # fmt: skip
    return where(~np.isnan(f["tenure_days"]), clip(score, 0, 100))


COMPONENT_FUNCTIONS = {
    "outcomes": lambda f, spec: outcomes(f, spec.target("time_to_value_days")),
    "adoption": lambda f, spec: adoption(f),
    "engagement": lambda f, spec: engagement(f),
    "alignment": lambda f, spec: alignment(f),
    "commitments": lambda f, spec: commitments(f),
    "confidence": lambda f, spec: confidence(f),
    "sentiment": lambda f, spec: sentiment(f),
    "support": lambda f, spec: support(f),
    "commercial": lambda f, spec: commercial(f),
}
