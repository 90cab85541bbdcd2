"""Missing is missing beyond value events: a portfolio that records no exec sponsor touch, no
expansion call or no shared objective anywhere has that part of Engagement or Alignment left
out, not scored zero for every account; one that records them still scores an account
without them low."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import SharedObjective
from health.features import build_features
from health.models import HealthScore
from health.scoring import ScorecardSpec, score_frame
from health.services import score_accounts
from tests.factories import days_ago, make_account, make_signal, make_stakeholder
from tests.health.builders import AS_OF, frame, healthy

NO_EXEC = {"last_exec_meeting_at": None, "exec_last_engaged_on": None}


def engagement(**row) -> float:
    return score_frame(frame(healthy(**row)), ScorecardSpec(), AS_OF)["engagement"].iloc[0]


def test_no_exec_touch_scores_zero_for_it_where_the_portfolio_records_exec_touch():
    assert engagement() - engagement(**NO_EXEC) == pytest.approx(25.0)  # its quarter of 100


def test_exec_touch_is_left_out_where_no_account_of_the_scorecard_records_any():
    unrecorded = engagement(**NO_EXEC, exec_touch_recorded=False)
    assert unrecorded > engagement(**NO_EXEC)
    assert unrecorded == pytest.approx(engagement(exec_touch_recorded=False))


def test_expansion_calls_are_left_out_where_none_is_recorded():
    neutral = {"upsell_accepted_180d": 0.0}
    assert engagement(**neutral, expansion_recorded=False) > engagement(**neutral)


def test_the_objective_is_left_out_of_alignment_where_no_account_keeps_one():
    no_objective = {"has_objective": False, "objective_key_signers": 0.0}
    spec = ScorecardSpec()
    kept = score_frame(frame(healthy(**no_objective)), spec, AS_OF)["alignment"].iloc[0]
    unrecorded = healthy(**no_objective, objectives_recorded=False)
    left_out = score_frame(frame(unrecorded), spec, AS_OF)["alignment"].iloc[0]
    assert left_out == pytest.approx(100.0) and kept == pytest.approx(70.0)


@pytest.mark.django_db
def test_features_say_whether_the_scorecards_portfolio_records_each_thing(alice):
    quiet = make_account(csm=alice)
    other = make_account(csm=alice)
    before = build_features(timezone.now().date()).loc[quiet.pk]
    make_signal(account=other, kind="exec_meeting", occurred_at=timezone.now() - timedelta(days=3))
    SharedObjective.objects.create(account=other, outcome="Close the books in 3 days")
    after = build_features(timezone.now().date()).loc[quiet.pk]
    recorded = ["exec_touch_recorded", "expansion_recorded", "objectives_recorded"]
    assert [bool(before[c]) for c in recorded] == [False, False, False]
    assert [bool(after[c]) for c in recorded] == [True, False, True]


@pytest.mark.django_db
def test_an_exec_sponsors_last_engaged_day_counts_as_a_recorded_touch(alice):
    account = make_account(csm=alice)
    make_stakeholder(account=account, role="exec_sponsor", last_engaged_on=days_ago(40))
    assert bool(build_features(timezone.now().date()).loc[account.pk, "exec_touch_recorded"])


@pytest.mark.django_db
def test_the_reasons_say_what_was_left_out_and_why(alice):
    account = make_account(csm=alice, contract_start=days_ago(300))
    make_stakeholder(account=account, role="champion")
    for days in (2, 9, 16, 40):
        make_signal(
            account=account, kind="login", occurred_at=timezone.now() - timedelta(days=days)
        )
    score_accounts(account_ids=[account.pk])
    score = HealthScore.objects.filter(account=account).latest()
    engagement_reasons = " ".join(score.components["engagement"]["reasons"])
    alignment_reasons = " ".join(score.components["alignment"]["reasons"])
    assert (
        "No exec sponsor touches recorded for any account of this scorecard" in engagement_reasons
    )
    assert "No expansion calls recorded" in engagement_reasons
    assert "No shared objectives recorded" in alignment_reasons
