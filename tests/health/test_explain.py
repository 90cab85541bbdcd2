"""Explanations worded on read from a score's stored facts, without a database."""

from datetime import timedelta

import orjson

from health.models import DEFAULT_TARGETS
from health.scoring import ScorecardSpec, explain, score_frame
from health.scoring.explain import FACTS
from tests.health.builders import AS_OF, frame, healthy

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
