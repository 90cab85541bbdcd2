"""Flags: the ways a dashboard stays green while the account is already lost.

`FLAGS` is the one registry of them: each flag once, with its code, the label people read, its
rule (a vectorised boolean over the features' columns as numpy arrays, `health.scoring.Columns`),
the wording of its reasons (a function of a score's stored facts) and whether it caps the colour
at amber by default (each scorecard version chooses its own capping flags). Filters, pages, the API and `explain` all read it, in this order,
which is the order the reasons should be read. A flag's position is also its bit in the capping
mask a score stores (`capping_mask`), so a new flag is appended, never inserted.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from health.scoring import reasons as why


def renewal_without_engagement(f, s, spec) -> np.ndarray:
    """Renewed recently or renewing soon, while engagement is low or falling and execs are silent."""
    renewed = _between(f["days_since_renewed"], 0, spec.target("renewed_within_days"))
    renewing = _between(f["days_to_renewal"], 0, spec.target("renewing_within_days"))
    falling = (f["activity_prev_30d"] > 0) & (f["activity_30d"] < 0.7 * f["activity_prev_30d"])
    low = _filled(s["engagement"], 0) < 50
    silent = (_filled(f["days_since_exec_touch"], np.inf) > spec.target("exec_silence_days")) & (
        f["upsell_accepted_180d"] == 0
    )
    return (renewed | renewing) & (low | falling) & silent


def checklist_illusion(f, s, spec) -> np.ndarray:
    """The CRM says onboarded (or every task is ticked) but the customer cannot do the thing."""
    every_task = (f["tasks_total"] > 0) & (f["tasks_done"] == f["tasks_total"])
    return (_bools(f["crm_onboarded"]) | every_task) & (s["outcome_attainment"] < 50)


def stakeholder_misalignment(f, s, spec) -> np.ndarray:
    """Two or more of the signs: conflicting success, reopened decisions, unsigned one-pager, late circulation."""
    signs = (
        (f["conflicting_definitions"] > 0).astype(int)
        + (f["decisions_reopened_7d"] > 0).astype(int)
        + ((f["stakeholders"] > 0) & (f["objective_key_signers"] < 3)).astype(int)
        + (f["decisions_circulated_late"] > 0).astype(int)
    )
    return signs >= 2


def commitment_gap(f, s, spec) -> np.ndarray:
    return (f["commitments_gap"] + f["commitments_overdue"]) > 0


def champion_left(f, s, spec) -> np.ndarray:
    return _bools(f["champion_left"])


def handoff_context_missing(f, s, spec) -> np.ndarray:
    return f["handoff_missing"] >= 2


def custom_terms(f, s, spec) -> np.ndarray:
    return f["deviating_terms"] > 0


def stale_data(f, s, spec) -> np.ndarray:
    return _filled(f["days_since_activity"], np.inf) > spec.target("stale_after_days")


def awaiting_data(f, spec) -> np.ndarray:
    """No signal ever received, and still within `silence_grace_days` of the later of contract
    start and arrival in Candor: missing, not red (the score is `unknown`)."""
    return ~_bools(f["has_any_signal"]) & (
        f["days_since_arrival"] < spec.target("silence_grace_days")
    )


def never_active(f, s, spec) -> np.ndarray:
    """No signal ever received, past the grace: the silence is real."""
    return ~_bools(f["has_any_signal"]) & ~awaiting_data(f, spec)


def _between(values, low, high) -> np.ndarray:
    """Series.between: both ends included, NaN outside."""
    return (values >= low) & (values <= high)


def _filled(values, value) -> np.ndarray:
    """Series.fillna on a float array."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isnan(values), value, values)


def _bools(values) -> np.ndarray:
    return np.asarray(values, dtype=bool)


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    rule: Callable[[dict, dict, object], np.ndarray]
    reasons: Callable[[object], list[str]]
    caps: bool  # caps a green score at amber unless a scorecard chooses otherwise


# A lying dashboard, a score resting on old data, or a customer whose people or promises are
# known to be failing is never shown green; missing handoff notes and custom terms are debt to
# see, not proof that the customer is failing.
FLAGS = (
    Flag("renewal_without_engagement", "Renewal without engagement", renewal_without_engagement,
         why.renewal_without_engagement_reasons, caps=True),
    Flag("checklist_illusion", "Checklist illusion", checklist_illusion,
         why.checklist_illusion_reasons, caps=True),
    Flag("stakeholder_misalignment", "Stakeholder misalignment", stakeholder_misalignment,
         why.stakeholder_misalignment_reasons, caps=True),
    Flag("commitment_gap", "Commitment gap", commitment_gap, why.commitment_reasons, caps=True),
    Flag("champion_left", "Champion left", champion_left, why.champion_left_reasons, caps=True),
    Flag("handoff_context_missing", "Handoff context missing", handoff_context_missing,
         why.handoff_context_missing_reasons, caps=False),
    Flag("custom_terms", "Custom terms", custom_terms, why.custom_terms_reasons, caps=False),
    Flag("stale_data", "Stale data", stale_data, why.stale_data_reasons, caps=True),
    Flag("never_active", "Never active", never_active, why.never_active_reasons, caps=True),
)  # fmt: skip
FLAG_BY_CODE = {flag.code: flag for flag in FLAGS}
FLAG_CODES = tuple(FLAG_BY_CODE)
FLAG_RULES = {flag.code: flag.rule for flag in FLAGS}
# What people read for each flag, on pages, in filters and in exports.
FLAG_LABELS = {flag.code: flag.label for flag in FLAGS}
CAPPING_FLAGS = tuple(flag.code for flag in FLAGS if flag.caps)
# The flags that rest on missing activity: an account still awaiting its first signal has none.
ACTIVITY_FLAGS = ("renewal_without_engagement", "stale_data")


def capping_mask(codes) -> int:
    """The capping flags as bits, by position in `FLAGS`: one number in each score's facts."""
    return sum(1 << i for i, code in enumerate(FLAG_CODES) if code in set(codes))


def capping_codes(mask) -> tuple[str, ...]:
    return tuple(code for i, code in enumerate(FLAG_CODES) if int(mask) >> i & 1)
