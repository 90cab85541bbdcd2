"""A one-account features frame describing a healthy customer; tests say what differs."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

AS_OF = date(2026, 6, 30)


def at(days_ago: int) -> datetime:
    return datetime.combine(AS_OF - timedelta(days=days_ago), datetime.min.time(), UTC)


def healthy(**overrides) -> dict:
    row = {
        "segment": "mid_market", "seats": 50.0, "contract_start": AS_OF - timedelta(days=200),
        "renewal_date": AS_OF + timedelta(days=165), "last_renewed_on": None,
        "crm_status": "Onboarded", "crm_onboarded": True, "handoff_urgency": "high",
        "handoff_missing": 0.0, "deviating_terms": 0.0,
        "last_signal_at": at(0), "first_value_at": at(180), "last_exec_meeting_at": at(30),
        "value_kinds_seen": True, "exec_touch_recorded": True, "expansion_recorded": True,
        "objectives_recorded": True, "support_recorded": True, "support_events_90d": 0.0,
        "exec_last_engaged_on": AS_OF - timedelta(days=20),
        "activity_30d": 120.0, "activity_prev_30d": 110.0, "value_events_90d": 3.0,
        "invites_90d": 4.0, "upsell_accepted_180d": 1.0, "upsell_declined_180d": 0.0,
        "active_users_30d": 40.0, "features_90d": 8.0,
        "tasks_total": 5.0, "tasks_done": 5.0, "outcomes_total": 4.0, "outcomes_due": 4.0,
        "outcomes_due_reached": 4.0, "stakeholders": 6.0, "key_roles_present": 3.0,
        "conflicting_definitions": 0.0, "has_objective": True, "objective_key_signers": 3.0,
        "objective_review_overdue": False, "decisions": 3.0, "decisions_reopened_7d": 0.0,
        "decisions_circulated_late": 0.0, "champion_left": False, "commitments": 1.0,
        "commitments_gap": 0.0, "commitments_unscoped_open": 0.0, "commitments_overdue": 0.0,
        "survey_answers": 2.0, "confidence_mean": 10.0, "csm_sentiment": None,
        "has_any_signal": True, "arrived_on": AS_OF - timedelta(days=200),
    }  # fmt: skip
    row.update(overrides)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    f = pd.DataFrame(list(rows), index=pd.Index(range(1, len(rows) + 1), name="account_id"))
    for column in ("last_signal_at", "first_value_at", "last_exec_meeting_at"):
        f[column] = pd.to_datetime(f[column], utc=True)
    return f.replace({None: np.nan})
