"""The outcome components, each 0–100 per account, computed column-wise with numpy.

Every function takes the features frame and returns a float Series (NaN = no data) and never
looks at checklist completion: ticked tasks are shown beside the score, never inside it.
"""

import numpy as np
import pandas as pd


def ramp(value, full_at, zero_at):
    """Linear score: 100 at `full_at`, 0 at `zero_at` (either direction), clipped. Computed on
    the numbers (numpy), a Series back for a Series: pandas' clip aligns and copies, a fixed
    cost that outweighed the arithmetic on a 100-account rescore."""
    if not isinstance(value, pd.Series):
        return np.clip((value - zero_at) / (full_at - zero_at), 0, 1) * 100
    share = (value.to_numpy(dtype=float) - zero_at) / (full_at - zero_at)
    return pd.Series(np.clip(share, 0, 1) * 100, value.index, name=value.name)


def weighted(parts: list[tuple[pd.Series, float]]) -> pd.Series:
    """Weighted mean of sub-scores, skipping the missing ones and re-normalising."""
    values = pd.concat([part for part, _ in parts], axis=1)
    weights = np.array([w for _, w in parts], dtype=float)
    present = values.notna().to_numpy()
    total = (values.fillna(0).to_numpy() * weights).sum(axis=1)
    norm = (present * weights).sum(axis=1)
    return pd.Series(np.where(norm > 0, total / np.where(norm > 0, norm, 1), np.nan), values.index)


def outcomes(f: pd.DataFrame, target_days: float) -> pd.Series:
    """Time to first value, outcome milestones reached, and value events recurring, where
    value is whatever the scorecard's value kinds say it is."""
    ttv = f["time_to_value_days"]
    since_kickoff = f["days_since_kickoff"]
    reached = ramp(ttv, target_days, 3 * target_days)
    not_yet = np.where(
        since_kickoff <= target_days, 60.0, ramp(since_kickoff, target_days, 2 * target_days) * 0.4
    )
    ttv_score = pd.Series(np.where(ttv.notna(), reached, not_yet), f.index)
    due = f["outcomes_due"]
    milestones = pd.Series(
        np.where(due > 0, f["outcomes_due_reached"] / due.where(due > 0, 1) * 100, np.nan), f.index
    )
    recurring_applies = ttv.notna() & (since_kickoff > 90)
    recurring = pd.Series(
        np.where(recurring_applies, np.clip(f["value_events_90d"] / 2, 0, 1) * 100, np.nan),
        f.index,
    )
    score = weighted([(ttv_score, 0.5), (milestones, 0.3), (recurring, 0.2)])
    # Missing is missing: a scorecard none of whose accounts ever sent a value event cannot
    # tell "got no value" from "the integration never sends it", so Outcomes is left out.
    return score.where(f["value_kinds_seen"].astype(bool))


def adoption(f: pd.DataFrame) -> pd.Series:
    active_ratio = f["active_users_30d"] / f["seats"].clip(lower=1)
    active = ramp(active_ratio, 0.6, 0)
    invites = ramp(f["invites_90d"], 3, 0)
    breadth = ramp(f["features_90d"], 6, 0)
    score = active * 0.5 + invites * 0.25 + breadth * 0.25
    return score.where(f["last_signal_at"].notna())


def engagement(f: pd.DataFrame) -> pd.Series:
    """Activity trend and recency, exec sponsor touch and expansion calls; the last two only
    where the scorecard's portfolio records them at all (missing is missing)."""
    recent, previous = f["activity_30d"], f["activity_prev_30d"]
    ratio = recent / previous.where(previous > 0)
    trend = np.where(previous > 0, np.clip(ratio, 0, 1) * 100, np.where(recent > 0, 100.0, 0.0))
    recency = ramp(f["days_since_activity"], 3, 30)
    exec_touch = ramp(f["days_since_exec_touch"].fillna(10_000), 90, 180)
    upsell = np.where(
        f["upsell_accepted_180d"] > 0, 100.0, np.where(f["upsell_declined_180d"] > 0, 30.0, 50.0)
    )
    score = weighted(
        [
            (pd.Series(trend, f.index), 0.35),
            (pd.Series(recency, f.index), 0.25),
            (pd.Series(exec_touch, f.index).where(f["exec_touch_recorded"]), 0.25),
            (pd.Series(upsell, f.index).where(f["expansion_recorded"]), 0.15),
        ]
    )
    return score.where(f["last_signal_at"].notna())


def alignment(f: pd.DataFrame) -> pd.Series:
    roles = f["key_roles_present"] / 3 * 100
    signed = f["objective_key_signers"] / 3 * 70
    objective = pd.Series(
        np.where(f["has_objective"], signed + np.where(f["objective_review_overdue"], 0, 30), 0),
        f.index,
    ).where(f["objectives_recorded"])
    decisions = f["decisions"]
    bad_share = (f["decisions_reopened_7d"] + f["decisions_circulated_late"]) / (
        2 * decisions.clip(lower=1)
    )
    decision_score = pd.Series(np.where(decisions > 0, (1 - bad_share) * 100, np.nan), f.index)
    conflicts = pd.Series(np.where(f["conflicting_definitions"] > 0, 0.0, 100.0), f.index)
    champion = pd.Series(np.where(f["champion_left"], 0.0, 100.0), f.index)
    score = weighted(
        [
            (roles, 0.3),
            (objective, 0.3),
            (decision_score, 0.2),
            (conflicts, 0.1),
            (champion, 0.1),
        ]
    )
    return score.where(f["stakeholders"] > 0)


def commitments(f: pd.DataFrame) -> pd.Series:
    penalty = (
        30 * f["commitments_gap"]
        + 15 * f["commitments_unscoped_open"]
        + 20 * f["commitments_overdue"]
    )
    return (100 - penalty).clip(lower=0).where(f["commitments"] > 0)


def confidence(f: pd.DataFrame) -> pd.Series:
    """The customer's own word: the mean survey answer (0-10) in the window. 10 is full
    confidence; an average of 5 or less, none. Missing when nobody answered."""
    return pd.Series(ramp(f["confidence_mean"], 10, 5), f.index).where(f["survey_answers"] > 0)


def sentiment(f: pd.DataFrame) -> pd.Series:
    """The CSM's rating in force (green 100, amber 50, red 0); missing when none is."""
    return f["csm_sentiment"].astype(float)


def support(f: pd.DataFrame) -> pd.Series:
    """The customer's friction: 100 with no support signal in 90 days, halving at one per
    seat, a third at two. Missing where the scorecard's portfolio records no support at all."""
    per_seat = f["support_events_90d"] / f["seats"].clip(lower=1)
    return (100 / (1 + per_seat)).where(f["support_recorded"])


def commercial(f: pd.DataFrame) -> pd.Series:
    """Commercial context (issue 25), beside the score until calibration weighs it: 40, plus up
    to 20 for tenure (two years), 20 for renewals (two), 20 for a term of two years or more;
    less 10 per deviating deal term (up to three) and 20 for a price change of 10% or more
    either way at the last renewal (a rise to absorb, or a discount to keep them)."""
    tenure = f["tenure_days"] / 365
    renewals = f["renewals"].fillna(0)
    price = f["price_change_at_renewal"].abs().fillna(0)
    score = (
        40 + 10 * tenure.clip(0, 2) + 10 * renewals.clip(0, 2) + 20 * (f["term_days"] >= 700)
        - 10 * f["deviating_terms"].clip(0, 3) - 20 * (price >= 0.10)
    )  # fmt: skip
    return score.clip(0, 100).where(f["tenure_days"].notna())


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
