"""Explanations worded on read from a score's stored facts, without a database."""

from datetime import timedelta

import orjson
import pandas as pd
import pytest

from health.models import DEFAULT_TARGETS
from health.scoring import ScorecardSpec, explain, score_frame
from health.scoring.explain import FACTS
from tests.health.builders import AS_OF, at, frame, healthy

SPEC = ScorecardSpec()


def scored(spec=SPEC, **overrides):
    return score_frame(frame(healthy(**overrides)), spec, AS_OF).iloc[0]


def test_facts_hold_one_value_per_named_fact():
    facts = orjson.loads(scored()["facts"])
    assert len(facts) == len(FACTS)
    assert facts[FACTS.index("crm_status")] == "Onboarded"


def test_explanation_is_the_same_from_the_stored_json_and_its_decoded_list():
    row = scored(stakeholders=0.0, first_roi_at=None, last_renewed_on=AS_OF - timedelta(days=30))
    decoded = orjson.loads(row["facts"])
    assert explain(decoded, row["flag_codes"], row["overall"]) == explain(
        row["facts"], row["flag_codes"], row["overall"]
    )


def test_missing_component_is_null_in_the_facts_not_zero():
    row = scored(stakeholders=0.0)
    assert orjson.loads(row["facts"])[FACTS.index("score_alignment")] is None


def test_each_accounts_facts_are_its_own_in_a_many_account_frame():
    rows = [healthy(seats=seats, crm_status=f"Live {seats}") for seats in (10.0, 20.0, 30.0)]
    scores = score_frame(frame(*rows), SPEC, AS_OF)
    facts = [orjson.loads(text) for text in scores["facts"]]
    assert [row[FACTS.index("seats")] for row in facts] == [10.0, 20.0, 30.0]
    statuses = [row[FACTS.index("crm_status")] for row in facts]
    assert statuses == ["Live 10.0", "Live 20.0", "Live 30.0"]


def test_explanation_words_the_targets_the_score_was_computed_with():
    spec = ScorecardSpec(targets={**DEFAULT_TARGETS, "time_to_value_days": 45})
    row = scored(spec, contract_start=AS_OF - timedelta(days=94), first_roi_at=None)
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"]["outcomes"]
    assert "No ROI report 94 days after kickoff; target 45 days." in reasons["reasons"]


def test_flags_are_explained_in_reading_order_from_the_flag_codes():
    row = scored(champion_left=True, deviating_terms=2.0)
    flags = explain(row["facts"], row["flag_codes"], row["overall"])["flags"]
    assert [flag["code"] for flag in flags] == ["champion_left", "custom_terms"]
    assert flags[1]["reasons"] == ["2 deal terms deviate from the standard contract."]


def test_a_score_without_facts_explains_nothing_rather_than_guessing():
    assert explain([], ",stale_data,", 50.0) == {"components": {}, "flags": [], "reasons": []}


@pytest.mark.parametrize(
    ("overrides", "component", "wording"),
    [
        ({"invites_90d": 1.0}, "adoption", "1 colleague invited in 90 days."),
        ({"features_90d": 1.0}, "adoption", "1 distinct feature used in 90 days."),
        ({"last_signal_at": at(1)}, "engagement", "Last activity yesterday."),
        ({"last_signal_at": at(0)}, "engagement", "Last activity today."),
        ({"last_signal_at": at(5)}, "engagement", "Last activity 5 days ago."),
        ({"commitments": 1.0}, "commitments", "1 commitment, all committed by product."),
        (
            {"commitments": 1.0, "commitments_overdue": 1.0},
            "commitments",
            "1 commitment is overdue.",
        ),
        (
            {"decisions_reopened_7d": 1.0, "decisions": 3.0},
            "alignment",
            "1 decision reopened within 7 days.",
        ),
    ],
)
def test_counts_of_one_read_in_the_singular(overrides, component, wording):
    row = scored(**overrides)
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"][component]
    assert wording in reasons["reasons"]


def test_a_component_without_data_is_explained_without_jargon():
    row = scored(commitments=0.0)
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["reasons"]
    assert (
        "Nothing recorded yet for commitments, so the score is worked out from the other "
        "components." in reasons
    )
    assert not any("re-normalised" in reason for reason in reasons)


def test_days_after_kickoff_count_from_the_kickoff_call_when_the_checklist_has_one():
    row = scored(
        contract_start=AS_OF - timedelta(days=120),
        kickoff_on=pd.Timestamp(AS_OF - timedelta(days=94)),
        first_roi_at=None,
    )
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"]["outcomes"]
    assert "No ROI report 94 days after kickoff; target 30 days." in reasons["reasons"]


def test_days_after_kickoff_count_from_the_contract_start_without_a_kickoff_call():
    row = scored(contract_start=AS_OF - timedelta(days=120), kickoff_on=pd.NaT, first_roi_at=None)
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"]["outcomes"]
    assert "No ROI report 120 days after kickoff; target 30 days." in reasons["reasons"]
