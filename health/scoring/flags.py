"""Flags: the ways a dashboard stays green while the account is already lost.

Each rule is a vectorised boolean over the features frame; `FLAG_RULES` keeps them in the order
the reasons should be read.
"""

import numpy as np
import pandas as pd

from health.scoring.spec import ScorecardSpec


def renewal_without_engagement(f: pd.DataFrame, s: pd.DataFrame, spec: ScorecardSpec) -> pd.Series:
    """Renewed recently or renewing soon, while engagement is low or falling and execs are silent."""
    renewed = f["days_since_renewed"].between(0, spec.target("renewed_within_days"))
    renewing = f["days_to_renewal"].between(0, spec.target("renewing_within_days"))
    falling = (f["activity_prev_30d"] > 0) & (f["activity_30d"] < 0.7 * f["activity_prev_30d"])
    low = s["engagement"].fillna(0) < 50
    silent = (f["days_since_exec_touch"].fillna(np.inf) > spec.target("exec_silence_days")) & (
        f["upsell_accepted_180d"] == 0
    )
    return (renewed | renewing) & (low | falling) & silent


def checklist_illusion(f: pd.DataFrame, s: pd.DataFrame, spec: ScorecardSpec) -> pd.Series:
    """The CRM says onboarded (or every task is ticked) but the customer cannot do the thing."""
    ticked = f["crm_onboarded"] | ((f["tasks_total"] > 0) & (f["tasks_done"] == f["tasks_total"]))
    return ticked & (s["outcome_attainment"] < 50)


def stakeholder_misalignment(f, s, spec) -> pd.Series:
    """Two or more of the signs: conflicting success, reopened decisions, unsigned one-pager, late circulation."""
    signs = (
        (f["conflicting_definitions"] > 0).astype(int)
        + (f["decisions_reopened_7d"] > 0).astype(int)
        + ((f["stakeholders"] > 0) & (f["objective_key_signers"] < 3)).astype(int)
        + (f["decisions_circulated_late"] > 0).astype(int)
    )
    return signs >= 2


def commitment_gap(f, s, spec) -> pd.Series:
    return (f["commitments_gap"] + f["commitments_overdue"]) > 0


def champion_left(f, s, spec) -> pd.Series:
    return f["champion_left"].astype(bool)


def handoff_context_missing(f, s, spec) -> pd.Series:
    return f["handoff_missing"] >= 2


def custom_terms(f, s, spec) -> pd.Series:
    return f["deviating_terms"] > 0


def stale_data(f, s, spec) -> pd.Series:
    return f["days_since_activity"].fillna(np.inf) > spec.target("stale_after_days")


FLAG_RULES = {
    "renewal_without_engagement": renewal_without_engagement,
    "checklist_illusion": checklist_illusion,
    "stakeholder_misalignment": stakeholder_misalignment,
    "commitment_gap": commitment_gap,
    "champion_left": champion_left,
    "handoff_context_missing": handoff_context_missing,
    "custom_terms": custom_terms,
    "stale_data": stale_data,
}
# A lying dashboard, or a score resting on old data, is never shown green.
CAPPING_FLAGS = ("renewal_without_engagement", "checklist_illusion", "stale_data")

# What people read for each flag, on pages, in filters and in exports.
FLAG_LABELS = {
    "renewal_without_engagement": "Renewal without engagement",
    "checklist_illusion": "Checklist illusion",
    "stakeholder_misalignment": "Stakeholder misalignment",
    "commitment_gap": "Commitment gap",
    "champion_left": "Champion left",
    "handoff_context_missing": "Handoff context missing",
    "custom_terms": "Custom terms",
    "stale_data": "Stale data",
}
