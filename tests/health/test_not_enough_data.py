"""Not enough data is not red (issue 21), in the pure scorer: no database, fixed dates."""

from datetime import timedelta

import pytest

from health.scoring import ScorecardSpec, explain, score_frame
from health.scoring.constants import DEFAULT_TARGETS
from tests.health.builders import AS_OF, at, frame, healthy

SILENT = dict(
    has_any_signal=False, last_signal_at=None, first_value_at=None, last_exec_meeting_at=None,
    activity_30d=0.0, activity_prev_30d=0.0, value_events_90d=0.0, invites_90d=0.0,
    active_users_30d=0.0, features_90d=0.0, upsell_accepted_180d=0.0, survey_answers=0.0,
    confidence_mean=None, outcomes_due_reached=0.0,
    # Renews within 120 days with execs silent: what made a new account renewal_without_engagement.
    renewal_date=AS_OF + timedelta(days=60), exec_last_engaged_on=None,
    # ...and nothing else on record yet, as a CRM import leaves it.
    stakeholders=0.0, key_roles_present=0.0, has_objective=False, objective_key_signers=0.0,
    decisions=0.0, commitments=0.0, tasks_total=0.0, tasks_done=0.0, outcomes_total=0.0,
    outcomes_due=0.0, crm_onboarded=False,
)  # fmt: skip


def silent(arrived_days_ago: int, contract_days_ago: int | None = None, spec=None, **more):
    """One account that never sent a signal, arrived `arrived_days_ago` days before AS_OF."""
    contract = arrived_days_ago if contract_days_ago is None else contract_days_ago
    row = healthy(
        **{**SILENT, **more}, arrived_on=AS_OF - timedelta(days=arrived_days_ago),
        contract_start=AS_OF - timedelta(days=contract),
    )  # fmt: skip
    scored = score_frame(frame(row), spec or ScorecardSpec(), AS_OF).iloc[0]
    return {**scored, **explain(scored["facts"], scored["flag_codes"], scored["overall"])}


def test_the_default_grace_is_thirty_days():
    assert DEFAULT_TARGETS["silence_grace_days"] == 30


def test_an_account_with_no_signal_yet_is_unknown_with_no_score():
    result = silent(arrived_days_ago=3)
    assert result["rag"] == "unknown"
    assert result["overall"] != result["overall"]  # NaN: no score


def test_unknown_says_no_data_received_yet():
    assert silent(arrived_days_ago=3)["reasons"][0].startswith("No data received yet")


def test_unknown_carries_no_flag_resting_on_missing_activity():
    codes = silent(arrived_days_ago=3)["flag_codes"]
    for code in ("renewal_without_engagement", "stale_data", "never_active"):
        assert f",{code}," not in codes


def test_unknown_keeps_flags_that_do_not_rest_on_activity():
    assert ",custom_terms," in silent(arrived_days_ago=3, deviating_terms=2.0)["flag_codes"]


@pytest.mark.parametrize("days", [0, 15, 29])
def test_an_account_stays_unknown_through_the_grace(days):
    assert silent(arrived_days_ago=days)["rag"] == "unknown"


@pytest.mark.parametrize("days", [30, 45])
def test_after_the_grace_silence_is_scored_with_never_active(days):
    result = silent(arrived_days_ago=days)
    assert result["rag"] in ("red", "amber")  # never green: never_active caps
    assert result["overall"] == result["overall"]  # a number again
    assert ",never_active," in result["flag_codes"]
    assert ",stale_data," in result["flag_codes"]  # scored as before the grace existed


def test_never_active_says_how_long_the_silence_has_lasted():
    flags = {flag["code"]: flag["reasons"] for flag in silent(arrived_days_ago=40)["flags"]}
    assert flags["never_active"] == [
        "Never active: no signal in the 40 days since the account started (grace 30 days): "
        "the silence is real."
    ]


def test_a_first_signal_makes_it_score_normally():
    result = silent(arrived_days_ago=3, has_any_signal=True, last_signal_at=at(0))
    assert result["rag"] in ("red", "amber", "green")
    assert ",never_active," not in result["flag_codes"]


def test_a_contract_starting_after_arrival_extends_the_grace():
    # In Candor 40 days, contract started 20 days ago: the grace runs from the contract start.
    assert silent(arrived_days_ago=40, contract_days_ago=20)["rag"] == "unknown"
    assert silent(arrived_days_ago=60, contract_days_ago=30)["rag"] != "unknown"


def test_an_account_arriving_after_its_contract_started_gets_the_grace_from_arrival():
    # Imported 5 days ago with a contract two years old: not red on its first days.
    assert silent(arrived_days_ago=5, contract_days_ago=730)["rag"] == "unknown"


def test_the_scorecards_silence_grace_days_moves_the_boundary():
    short = ScorecardSpec(targets={**DEFAULT_TARGETS, "silence_grace_days": 10})
    assert silent(arrived_days_ago=9, spec=short)["rag"] == "unknown"
    assert ",never_active," in silent(arrived_days_ago=10, spec=short)["flag_codes"]


def test_a_frame_without_arrival_counts_the_grace_from_the_contract_start():
    row = healthy(**SILENT, contract_start=AS_OF - timedelta(days=5))
    del row["arrived_on"]
    assert score_frame(frame(row), ScorecardSpec(), AS_OF).iloc[0]["rag"] == "unknown"
