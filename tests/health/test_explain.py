"""Explanations worded on read from a score's stored facts, without a database."""

from datetime import timedelta

import orjson
import pandas as pd
import pytest

from health.models import DEFAULT_TARGETS
from health.scoring import ScorecardSpec, explain, score_frame
from health.scoring.explain import (
    ADDED_FACTS,
    FACTS,
    LAYOUT,
    LAYOUTS,
    RENAMED_FACTS,
    read_facts,
)
from tests.health.builders import AS_OF, at, frame, healthy

SPEC = ScorecardSpec()


def scored(spec=SPEC, **overrides):
    return score_frame(frame(healthy(**overrides)), spec, AS_OF).iloc[0]


def test_facts_name_their_layout_then_hold_one_value_per_named_fact():
    facts = orjson.loads(scored()["facts"])
    assert facts[0] == f"layout {LAYOUT}"
    assert len(facts) == 1 + len(FACTS)
    assert read_facts(facts).crm_status == "Onboarded"


def test_explanation_is_the_same_from_the_stored_json_and_its_decoded_list():
    row = scored(stakeholders=0.0, first_value_at=None, last_renewed_on=AS_OF - timedelta(days=30))
    decoded = orjson.loads(row["facts"])
    assert explain(decoded, row["flag_codes"], row["overall"]) == explain(
        row["facts"], row["flag_codes"], row["overall"]
    )


def test_missing_component_is_null_in_the_facts_not_zero():
    row = scored(stakeholders=0.0)
    assert orjson.loads(row["facts"])[1 + FACTS.index("score_alignment")] is None


def test_each_accounts_facts_are_its_own_in_a_many_account_frame():
    rows = [healthy(seats=seats, crm_status=f"Live {seats}") for seats in (10.0, 20.0, 30.0)]
    scores = score_frame(frame(*rows), SPEC, AS_OF)
    facts = [read_facts(text) for text in scores["facts"]]
    assert [row.seats for row in facts] == [10.0, 20.0, 30.0]
    statuses = [row.crm_status for row in facts]
    assert statuses == ["Live 10.0", "Live 20.0", "Live 30.0"]


def test_explanation_words_the_targets_the_score_was_computed_with():
    spec = ScorecardSpec(targets={**DEFAULT_TARGETS, "time_to_value_days": 45})
    row = scored(spec, contract_start=AS_OF - timedelta(days=94), first_value_at=None)
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"]["outcomes"]
    assert (
        "No value event (ROI report generated) 94 days after kickoff; target 45 days."
        in reasons["reasons"]
    )


def test_flags_are_explained_in_reading_order_from_the_flag_codes():
    row = scored(champion_left=True, deviating_terms=2.0)
    flags = explain(row["facts"], row["flag_codes"], row["overall"])["flags"]
    assert [flag["code"] for flag in flags] == ["champion_left", "custom_terms"]
    assert flags[1]["reasons"] == ["2 deal terms deviate from the standard contract."]


def test_a_score_without_facts_explains_nothing_rather_than_guessing():
    assert explain([], ",stale_data,", 50.0) == {
        "components": {}, "flags": [], "reasons": [], "colour_rule": ""
    }  # fmt: skip


# A score as the scorer wrote it before facts carried their layout (layout 1, 50 values):
# champion left and 20 days without signals; it was capped by stale data alone, because
# champion_left did not cap then.
LAYOUT_1_FACTS = (
    "[90.0,100.0,84.2593,90.0,100.0,35.0,20.0,20.0,15.0,10.0,70.0,30.0,120.0,180.0,20.0,200.0,"
    "4.0,4.0,1.0,40.0,50.0,4.0,8.0,120.0,110.0,20.0,20.0,1.0,0.0,6.0,3.0,1.0,3.0,0.0,0.0,0.0,"
    '0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,165.0,null,5.0,5.0,100.0,"Onboarded"]'
)


def test_a_score_written_in_layout_1_still_explains_itself_after_facts_were_added():
    assert len(LAYOUTS[LAYOUT]) > len(LAYOUTS[1])
    explained = explain(LAYOUT_1_FACTS, ",champion_left,stale_data,", 91.9)
    assert explained["reasons"] == [
        "Capped at amber by stale data despite a score of 92: green needs 70+ and no capping flag.",
        "The champion has left and nobody has taken the role.",
        "No signals for 20 days: this score rests on old data.",
    ]
    assert explained["components"]["outcomes"]["reasons"] == [
        "First value event (ROI report generated) after 20 days (target 30).",
        "4 of 4 outcome milestones due are reached.",
        "1 value event (ROI report generated) in the last 90 days.",
    ]
    assert [flag["caps"] for flag in explained["flags"]] == [False, True]


def test_every_fact_added_since_an_older_layout_says_what_older_scores_were_computed_with():
    for layout, names in LAYOUTS.items():
        renamed = set(RENAMED_FACTS.get(layout, {}).values())
        added = set(FACTS) - set(names) - renamed
        assert added <= set(ADDED_FACTS), f"layout {layout} lacks defaults for {added}"


def test_a_row_matching_no_layout_explains_nothing():
    assert read_facts(["layout 99", 1.0]) is None
    assert read_facts([1.0, 2.0]) is None


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
        first_value_at=None,
    )
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"]["outcomes"]
    assert (
        "No value event (ROI report generated) 94 days after kickoff; target 30 days."
        in reasons["reasons"]
    )


def test_days_after_kickoff_count_from_the_contract_start_without_a_kickoff_call():
    row = scored(contract_start=AS_OF - timedelta(days=120), kickoff_on=pd.NaT, first_value_at=None)
    reasons = explain(row["facts"], row["flag_codes"], row["overall"])["components"]["outcomes"]
    assert (
        "No value event (ROI report generated) 120 days after kickoff; target 30 days."
        in reasons["reasons"]
    )


def test_a_score_from_before_layout_4_reads_exec_touch_expansion_and_objectives_as_recorded():
    explained = explain(LAYOUT_1_FACTS, ",champion_left,stale_data,", 91.9)
    engagement = explained["components"]["engagement"]["reasons"]
    assert any(reason.startswith("Last exec sponsor touch") for reason in engagement)
    parts = ("engagement", "alignment")
    reasons = [reason for part in parts for reason in explained["components"][part]["reasons"]]
    assert not [reason for reason in reasons if "left out" in reason]
