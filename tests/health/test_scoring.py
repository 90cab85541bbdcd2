"""The pure scorer, without a database: hand-computed numbers for each rule."""

from datetime import timedelta

import pytest

from health.scoring import ScorecardSpec, explain, score_frame
from health.scoring.flags import CAPPING_FLAGS, FLAG_LABELS, FLAGS
from tests.health.builders import AS_OF, at, frame, healthy

SPEC = ScorecardSpec()


def score(spec=SPEC, **overrides):
    """One account's scores, with the explanation worded from its stored facts."""
    row = score_frame(frame(healthy(**overrides)), spec, AS_OF).iloc[0]
    return {**row, **explain(row["facts"], row["flag_codes"], row["overall"])}


def test_healthy_account_scores_100_and_green_without_flags():
    result = score()
    assert result["overall"] == 100
    assert result["rag"] == "green"
    assert result["flags"] == []
    assert result["flag_codes"] == ""


def test_no_roi_report_after_94_days_zeroes_time_to_value_and_says_so():
    result = score(
        contract_start=AS_OF - timedelta(days=94), first_value_at=None, outcomes_due_reached=1.0
    )
    # time to value 0 (x0.5), milestones 1/4 = 25 (x0.3), recurring n/a -> 7.5 / 0.8
    assert result["outcomes"] == pytest.approx(9.375)
    reasons = result["components"]["outcomes"]["reasons"]
    assert "No value event (ROI report generated) 94 days after kickoff; target 30 days." in reasons


def test_late_first_roi_report_scores_on_a_linear_ramp_to_three_times_target():
    result = score(contract_start=AS_OF - timedelta(days=60), first_value_at=at(15))
    # 45 days against 30: (45 - 90) / (30 - 90) = 0.75; recurring n/a (kickoff < 90 days)
    assert result["outcomes"] == pytest.approx((75 * 0.5 + 100 * 0.3) / 0.8)


def test_adoption_weighs_active_users_invites_and_breadth():
    result = score(active_users_30d=15.0, invites_90d=1.0, features_90d=3.0)
    # 15/50 = 0.3 of a 0.6 target -> 50; 1/3 invites -> 33.3; 3/6 features -> 50
    assert result["adoption"] == pytest.approx(50 * 0.5 + 100 / 3 * 0.25 + 50 * 0.25)


def test_engagement_combines_trend_recency_exec_touch_and_upsell():
    result = score(
        activity_30d=20.0, activity_prev_30d=40.0, last_exec_meeting_at=None,
        exec_last_engaged_on=AS_OF - timedelta(days=135), upsell_accepted_180d=0.0,
        upsell_declined_180d=1.0,
    )  # fmt: skip
    # trend 50 (x.35) + recency 100 (x.25) + exec touch 135 days -> 50 (x.25) + declined 30 (x.15)
    assert result["engagement"] == pytest.approx(17.5 + 25 + 12.5 + 4.5)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, 100),
        ({"key_roles_present": 2.0}, 100 - 100 / 3 * 0.3),
        ({"has_objective": False, "objective_key_signers": 0.0}, 70),
        ({"objective_review_overdue": True}, 91),
        ({"decisions_reopened_7d": 1.0}, 100 - 100 / 6 * 0.2),
        ({"conflicting_definitions": 2.0}, 90),
        ({"champion_left": True}, 90),
    ],
)
def test_alignment_penalties(overrides, expected):
    assert score(**overrides)["alignment"] == pytest.approx(expected)


def test_commitments_lose_points_for_gaps_unscoped_and_overdue_promises():
    result = score(
        commitments=3.0, commitments_gap=1.0, commitments_unscoped_open=2.0, commitments_overdue=1.0
    )
    assert result["commitments"] == pytest.approx(100 - 30 - 30 - 20)


def test_missing_component_is_reported_as_missing_and_weights_renormalise():
    result = score(commitments=0.0, stakeholders=0.0, active_users_30d=15.0, invites_90d=1.0)
    assert result["components"]["commitments"]["score"] is None
    assert result["components"]["alignment"]["score"] is None
    adoption = 50 * 0.5 + 100 / 3 * 0.25 + 100 * 0.25
    overall = (100 * 35 + adoption * 20 + 100 * 20 + 100 * 10) / 85
    assert result["overall"] == pytest.approx(overall, abs=0.05)
    assert result["components"]["outcomes"]["weight"] == pytest.approx(35 / 85, abs=1e-4)
    assert result["components"]["alignment"]["weight"] == 0


def test_weights_need_not_add_to_100():
    spec = ScorecardSpec(weights=dict.fromkeys(SPEC.weights, 1))
    result = score(spec, active_users_30d=15.0, invites_90d=1.0, features_90d=3.0)
    # nine weights of 1; Sentiment has no rating in force, so eight components count (Support
    # is 100: no support request in 90 days; Commercial reads the contract dates)
    expected = (600 + result["adoption"] + result["commercial"]) / 8
    assert result["overall"] == pytest.approx(expected, abs=0.05)


def test_confidence_is_the_mean_survey_answer_on_a_ramp_from_5_to_10():
    assert score(confidence_mean=8.0)["confidence"] == pytest.approx(60)
    assert score(confidence_mean=4.0)["confidence"] == 0


def test_confidence_is_missing_when_nobody_answered_a_survey():
    result = score(survey_answers=0.0, confidence_mean=None)
    assert result["components"]["confidence"]["score"] is None
    assert result["components"]["confidence"]["reasons"] == [
        "No survey answers from the customer in the last year."
    ]


def test_low_confidence_lowers_the_score():
    assert score(confidence_mean=5.0)["overall"] < score()["overall"]


def test_csm_sentiment_is_shown_but_not_weighed_by_default():
    result = score(csm_sentiment=0.0)
    assert result["components"]["sentiment"]["score"] == 0
    assert result["components"]["sentiment"]["reasons"] == ["The CSM rates the account red."]
    assert result["overall"] == score()["overall"]


def test_a_scorecard_that_weighs_sentiment_moves_the_score_with_it():
    spec = ScorecardSpec(weights={**SPEC.weights, "sentiment": 10})
    assert score(spec, csm_sentiment=0.0)["overall"] < score(spec, csm_sentiment=100.0)["overall"]


def test_checklist_completion_has_no_weight_in_the_score():
    assert score(tasks_done=0.0)["overall"] == score()["overall"]
    assert score(tasks_done=0.0)["checklist_completion"] == 0


@pytest.mark.parametrize(
    ("overall_target", "rag"), [(70, "green"), (69.9, "amber"), (40, "amber"), (39.9, "red")]
)
def test_rag_thresholds(overall_target, rag):
    spec = ScorecardSpec(
        weights={"outcomes": 1, "adoption": 0, "engagement": 0, "alignment": 0, "commitments": 0}
    )
    # outcomes only; time to value not yet due scores 60 (x.5), milestones (x.3) make the rest
    share = (overall_target * 0.8 - 60 * 0.5) / 0.3
    result = score(
        spec, contract_start=AS_OF - timedelta(days=10), first_value_at=None,
        outcomes_due=1000.0, outcomes_due_reached=share * 10,
    )  # fmt: skip
    assert result["overall"] == pytest.approx(overall_target, abs=0.05)
    assert result["rag"] == rag


FLAG_CASES = {
    "renewal_without_engagement": dict(
        renewal_date=AS_OF + timedelta(days=60), activity_30d=20.0, activity_prev_30d=60.0,
        last_exec_meeting_at=None, exec_last_engaged_on=AS_OF - timedelta(days=200),
        upsell_accepted_180d=0.0,
    ),
    "checklist_illusion": dict(outcomes_due_reached=1.0, first_value_at=None),
    "stakeholder_misalignment": dict(conflicting_definitions=2.0, decisions_reopened_7d=1.0),
    "commitment_gap": dict(commitments_gap=1.0),
    "champion_left": dict(champion_left=True),
    "handoff_context_missing": dict(handoff_missing=3.0),
    "custom_terms": dict(deviating_terms=2.0),
    "stale_data": dict(last_signal_at=at(20)),
    "never_active": dict(has_any_signal=False),
}  # fmt: skip


@pytest.mark.parametrize("code", FLAG_CASES)
def test_each_flag_is_raised_with_reasons(code):
    result = score(**FLAG_CASES[code])
    flags = {flag["code"]: flag["reasons"] for flag in result["flags"]}
    assert code in flags
    assert flags[code] and all(isinstance(reason, str) and reason for reason in flags[code])
    assert f",{code}," in result["flag_codes"]


def test_renewal_without_engagement_not_raised_when_exec_met_recently():
    overrides = FLAG_CASES["renewal_without_engagement"] | {"last_exec_meeting_at": at(20)}
    assert "renewal_without_engagement" not in score(**overrides)["flag_codes"]


def test_renewal_without_engagement_not_raised_far_from_renewal():
    overrides = FLAG_CASES["renewal_without_engagement"] | {
        "renewal_date": AS_OF + timedelta(days=200)
    }
    assert "renewal_without_engagement" not in score(**overrides)["flag_codes"]


def test_stakeholder_misalignment_needs_two_signs():
    assert "stakeholder_misalignment" not in score(conflicting_definitions=1.0)["flag_codes"]


# The component each case drags down weighs nothing here, so the score itself stays green.
UNWEIGHTED = {"renewal_without_engagement": "engagement", "checklist_illusion": "outcomes",
              "stale_data": "engagement"}  # fmt: skip


def green_but_flagged(code, **spec):
    weights = {**SPEC.weights, UNWEIGHTED.get(code, "commitments"): 0}
    return score(ScorecardSpec(weights=weights, **spec), **FLAG_CASES[code])


@pytest.mark.parametrize("code", [flag.code for flag in FLAGS if flag.caps])
def test_each_capping_flag_caps_green_at_amber_and_says_so(code):
    result = green_but_flagged(code)
    assert result["overall"] >= 70
    assert result["rag"] == "amber"
    label = FLAG_LABELS[code].lower()
    assert result["reasons"][0].startswith(f"Capped at amber by {label} despite a score of")
    assert result["reasons"][0].endswith("green needs 70+ and no capping flag.")


def test_capping_flags_by_default_are_the_seven_that_say_something_is_wrong():
    assert set(CAPPING_FLAGS) == {
        "renewal_without_engagement", "checklist_illusion", "stale_data", "champion_left",
        "stakeholder_misalignment", "commitment_gap", "never_active",
    }  # fmt: skip


@pytest.mark.parametrize("code", ["handoff_context_missing", "custom_terms"])
def test_debt_flags_show_but_leave_a_green_score_green(code):
    result = green_but_flagged(code)
    assert result["rag"] == "green"
    assert [flag["code"] for flag in result["flags"]] == [code]
    assert result["flags"][0]["caps"] is False


def test_a_scorecard_chooses_its_capping_flags():
    assert green_but_flagged("champion_left", capping_flags=())["rag"] == "green"
    assert green_but_flagged("custom_terms", capping_flags=("custom_terms",))["rag"] == "amber"


def test_colour_rule_says_the_cut_offs_and_the_capping_flags():
    spec = ScorecardSpec(thresholds={"green": 75, "amber": 45}, capping_flags=("stale_data",))
    assert score(spec)["colour_rule"] == (
        "Green needs 75+ and no capping flag (stale data); amber needs 45+; below 45 is red."
    )


def test_stale_data_caps_green_to_amber():
    result = score(last_signal_at=at(20))
    assert result["rag"] == "amber"
    assert any("No signals for 20 days" in r for r in result["reasons"])


def test_scores_many_accounts_independently():
    result = score_frame(frame(healthy(), healthy(champion_left=True)), SPEC, AS_OF)
    assert list(result["flag_codes"]) == ["", ",champion_left,"]


def test_scorer_imports_and_runs_without_django_settings():
    """The scorer is pure at import too: a process with no DJANGO_SETTINGS_MODULE scores a frame."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    program = (
        "import sys; from datetime import date; import pandas as pd\n"
        "from health.scoring import ScorecardSpec, score_frame\n"
        "from tests.health.builders import AS_OF, frame, healthy\n"
        "scores = score_frame(frame(healthy()), ScorecardSpec(), AS_OF)\n"
        "assert 'django.conf' not in sys.modules or not __import__('django.conf').conf.settings.configured\n"
        "print(scores['rag'].iloc[0])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "green"
