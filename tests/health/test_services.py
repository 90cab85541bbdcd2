from datetime import timedelta

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, OnboardingMilestone
from health import services
from health.features import AccountRange, build_features
from health.models import CurrentHealth, HealthScore
from health.selectors import health_diff, health_trend
from health.services import score_accounts
from health.tasks import portfolio_shards, rescore_stale_accounts
from signals.models import Signal
from tests.factories import days_ago, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


def moment(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def account(alice):
    account = make_account(csm=alice, contract_start=days_ago(120), seats=10)
    make_signal(account=account, kind="login", actor="ana", occurred_at=moment(2))
    make_signal(account=account, kind="login", actor="ben", occurred_at=moment(5))
    make_signal(account=account, kind="login", actor="ana", occurred_at=moment(40))
    make_signal(account=account, kind="roi_report_generated", actor="ana", occurred_at=moment(100))
    make_signal(
        account=account, kind="feature_used", actor="ben", value="alerts", occurred_at=moment(3)
    )
    make_stakeholder(account=account, role="exec_sponsor", last_engaged_on=days_ago(10))
    OnboardingMilestone.objects.create(
        account=account, name="First ROI report", kind="outcome",
        proof_signal="roi_report_generated", target_on=days_ago(90),
    )  # fmt: skip
    return account


def test_features_come_from_the_accounts_own_data(account):
    row = build_features(timezone.now().date()).loc[account.pk]
    assert row["activity_30d"] == 3
    assert row["activity_prev_30d"] == 1
    assert row["active_users_30d"] == 2
    assert row["features_90d"] == 1
    assert row["key_roles_present"] == 1
    assert row["outcomes_due_reached"] == 1, "the proof signal reaches the milestone"


def test_a_range_shard_has_the_same_features_as_its_id_list(account, bob):
    other = make_account(csm=bob, contract_start=days_ago(50))
    make_signal(account=other, kind="login", occurred_at=moment(1))
    today = timezone.now().date()
    ids = sorted([account.pk, other.pk])
    by_range = build_features(today, AccountRange(ids[0], ids[-1])).sort_index()
    by_list = build_features(today, ids).sort_index()
    assert list(by_range.index) == list(by_list.index) == ids
    assert by_range[["activity_30d", "active_users_30d", "stakeholders"]].equals(
        by_list[["activity_30d", "active_users_30d", "stakeholders"]]
    )


def test_a_range_shard_leaves_accounts_outside_it_alone(account, bob):
    outside = make_account(csm=bob)
    assert score_accounts(account_ids=AccountRange(account.pk, account.pk)) == 1
    assert not HealthScore.objects.filter(account=outside).exists()


def test_portfolio_shards_cover_every_id_in_ranges_of_the_shard_size():
    assert portfolio_shards([3, 5, 8, 13, 21], 2) == [(3, 5), (8, 13), (21, 21)]
    assert portfolio_shards([], 2) == []


def test_as_of_features_ignore_later_data(account):
    row = build_features(timezone.now().date() - timedelta(days=30)).loc[account.pk]
    assert row["activity_30d"] == 1
    assert row["active_users_30d"] == 1


def test_as_of_scoring_reproduces_a_past_score(account):
    past = timezone.now().date() - timedelta(days=20)
    score_accounts(as_of=past)
    first = HealthScore.objects.get(account=account, as_of=past)
    make_signal(account=account, kind="login", actor="new", occurred_at=moment(1))
    score_accounts(as_of=past)
    again = HealthScore.objects.filter(account=account, as_of=past).latest("computed_at")
    assert again.pk != first.pk
    assert (again.overall, again.components, again.flags) == (
        first.overall,
        first.components,
        first.flags,
    )


def test_history_is_appended_and_current_health_follows_the_latest(account):
    score_accounts()
    score_accounts()
    scores = HealthScore.objects.filter(account=account)
    assert scores.count() == 2
    current = CurrentHealth.objects.get(account=account)
    assert current.score_id == scores.latest("computed_at").pk
    assert current.last_signal_at is not None


def test_a_retried_run_writes_nothing_twice(account):
    run = timezone.now()
    assert score_accounts(computed_at=run) == 1
    assert score_accounts(computed_at=run) == 0
    assert HealthScore.objects.filter(account=account).count() == 1


def test_a_retried_copied_run_writes_nothing_twice_and_the_rest_once(account, alice, monkeypatch):
    monkeypatch.setattr(services, "SMALL_WRITE", 0)  # the COPY path, inserting plainly first
    run = timezone.now()
    assert score_accounts(computed_at=run) == 1
    make_account(csm=alice, contract_start=days_ago(400))  # arrived since the shard first ran
    failed = []
    assert score_accounts(computed_at=run, failed=failed) == 1
    assert failed == []  # nothing refused and isolated: the written account was skipped
    assert HealthScore.objects.filter(computed_at=run).count() == 2
    assert CurrentHealth.objects.filter(computed_at=run).count() == 2


def test_past_scores_do_not_move_current_health(account):
    score_accounts()
    current = CurrentHealth.objects.get(account=account).score_id
    score_accounts(as_of=timezone.now().date() - timedelta(days=10))
    assert CurrentHealth.objects.get(account=account).score_id == current


def test_health_trend_compares_with_history_days_earlier(account):
    today = timezone.now().date()
    score_accounts(as_of=today - timedelta(days=30))
    HealthScore.objects.filter(account=account).update(overall=50.0)
    score_accounts(as_of=today)
    latest = HealthScore.objects.filter(account=account).latest("as_of")
    trend = health_trend(latest)
    assert trend["change_30d"] == pytest.approx(latest.overall - 50.0)
    assert trend["change_7d"] == trend["change_30d"]  # the newest score a week before is that one


def test_health_trend_of_a_first_score_has_no_change(account):
    score_accounts()
    trend = health_trend(HealthScore.objects.get(account=account))
    assert trend["change_7d"] is None and trend["change_30d"] is None


def test_health_diff_lists_component_and_flag_changes(account):
    score_accounts(as_of=timezone.now().date() - timedelta(days=1))
    # All but the ROI report of 100 days ago: an account with no signal at all would be
    # unknown (no data yet), not stale.
    Signal.objects.filter(account=account, occurred_at__gt=moment(99)).delete()
    score_accounts()
    older, newer = HealthScore.objects.filter(account=account).order_by("as_of")
    changes = health_diff(newer, older)
    components = {change["component"] for change in changes}
    assert "adoption" in components
    flags = next(change for change in changes if change["component"] == "flags")
    assert "stale_data" in flags["flags_raised"]


def test_sweep_rescores_accounts_with_signals_newer_than_their_score(account, bob):
    score_accounts()
    untouched = make_account(csm=bob)
    score_accounts(account_ids=[untouched.pk])
    before = HealthScore.objects.count()
    make_signal(account=account, kind="login", occurred_at=moment(0))
    assert rescore_stale_accounts() == 1
    assert HealthScore.objects.count() == before + 1


def test_churned_accounts_are_not_scored_after_they_churned(alice):
    churned = make_account(csm=alice, outcome="churned", outcome_on=days_ago(10))
    assert score_accounts() == 0
    assert score_accounts(as_of=timezone.now().date() - timedelta(days=20)) == 1
    assert HealthScore.objects.filter(account=churned).count() == 1


STORY_FLAGS = {
    "checklist_illusion": "checklist_illusion",
    "renewal_without_engagement": "renewal_without_engagement",
    "commitment_gap": "commitment_gap",
    "handoff_context_missing": "handoff_context_missing",
    "custom_terms": "custom_terms",
    "stakeholder_misalignment": "stakeholder_misalignment",
    "champion_left": "champion_left",
    "stale_data": "stale_data",
}
RISK_FLAGS = set(STORY_FLAGS.values())


@pytest.fixture
def demo_portfolio(db):
    call_command("seed_demo", accounts=60, seed=7, stdout=open("/dev/null", "w"))
    score_accounts()
    return {
        account.external_id.split("-")[1]: account
        for account in Account.objects.select_related("current_health")
        if hasattr(account, "current_health")
    }


def test_demo_stories_surface_with_their_flag(demo_portfolio):
    accounts = Account.objects.select_related("current_health").exclude(outcome="churned")
    for account in accounts:
        story = account.external_id.split("-")[1]
        if story in STORY_FLAGS:
            assert account.current_health.flag_codes.find(f",{STORY_FLAGS[story]},") >= 0, account


def test_demo_lying_dashboards_are_never_green_and_healthy_ones_are(demo_portfolio):
    for account in Account.objects.select_related("current_health").exclude(outcome="churned"):
        story, health = account.external_id.split("-")[1], account.current_health
        if story in ("checklist_illusion", "renewal_without_engagement", "stale_data"):
            assert health.rag != "green", account
        if story in ("healthy", "renewed_healthy"):
            assert health.rag == "green", account
            raised = {code for code in health.flag_codes.strip(",").split(",") if code}
            assert not raised & RISK_FLAGS, account


def test_a_segment_with_its_own_scorecard_is_scored_by_it(account, alice):
    from health.models import Scorecard

    strict = Scorecard.objects.create(
        name="Enterprise", segment="enterprise", thresholds={"green": 95, "amber": 60}
    )
    big = make_account(csm=alice, segment="enterprise", contract_start=days_ago(120), seats=10)
    for other in (account, big):
        make_signal(account=other, kind="login", actor="ana", occurred_at=moment(1))
    score_accounts(account_ids=[account.pk, big.pk])
    default = HealthScore.objects.get(account=account).scorecard
    assert (default.segment, HealthScore.objects.get(account=big).scorecard_id) == ("", strict.pk)


def test_the_kickoff_call_ticked_on_the_checklist_is_the_kickoff_the_features_carry(account):
    OnboardingMilestone.objects.create(
        account=account, name="Kickoff call held", kind="task", completed_on=days_ago(100)
    )
    features = build_features(timezone.now().date(), [account.pk])
    assert features.loc[account.pk, "kickoff_on"].date() == days_ago(100)
    assert build_features(days_ago(101), [account.pk]).loc[account.pk, "kickoff_on"] is pd.NaT


@pytest.mark.parametrize(
    ("name", "kind", "kickoff"),
    [
        ("Kickoff call held", "task", True),
        ("KICK-OFF meeting", "task", True),
        ("Kick off with the sponsor", "task", True),
        ("Workspace configured", "task", False),
        ("Kickoff goals reached", "outcome", False),
    ],
)
def test_a_milestone_is_a_kickoff_when_it_is_a_task_named_for_one(account, name, kind, kickoff):
    milestone = OnboardingMilestone.objects.create(account=account, name=name, kind=kind)
    stored = OnboardingMilestone.objects.values_list("is_kickoff", flat=True).get(pk=milestone.pk)
    assert stored is kickoff


def test_a_task_renamed_to_the_kickoff_call_becomes_the_kickoff_the_features_carry(account):
    task = OnboardingMilestone.objects.create(
        account=account, name="Workspace configured", kind="task", completed_on=days_ago(40)
    )
    today = timezone.now().date()
    assert build_features(today, [account.pk]).loc[account.pk, "kickoff_on"] is pd.NaT
    task.name = "Kick-off call held"
    task.save()
    assert build_features(today, [account.pk]).loc[account.pk, "kickoff_on"].date() == days_ago(40)


HISTORY_VALUES = [
    "account_id", "as_of", "overall", "rag", "facts", "flag_codes", "checklist_completion",
    "outcome_attainment", "scorecard_id", "scorecard_version",
]  # fmt: skip
CURRENT_VALUES = ["account_id", "overall", "rag", "flag_codes", "last_signal_at"]


def written(run) -> list:
    return list(
        HealthScore.objects.filter(computed_at=run)
        .order_by("account_id")
        .values_list(*HISTORY_VALUES)
    )


@pytest.mark.parametrize("days_back", [0, 10])
def test_a_small_batch_writes_the_rows_a_copied_batch_writes(
    account, alice, monkeypatch, days_back
):
    make_account(csm=alice, contract_start=days_ago(400))  # never signalled: NULLs to write
    as_of = timezone.now().date() - timedelta(days=days_back)
    small, copied = moment(0) - timedelta(minutes=2), moment(0) - timedelta(minutes=1)
    assert score_accounts(as_of=as_of, computed_at=small) == 2
    current = list(CurrentHealth.objects.order_by("account_id").values_list(*CURRENT_VALUES))
    monkeypatch.setattr(services, "SMALL_WRITE", 0)
    assert score_accounts(as_of=as_of, computed_at=copied) == 2
    assert written(small) == written(copied) and written(small)[1][2] is None
    assert (
        list(CurrentHealth.objects.order_by("account_id").values_list(*CURRENT_VALUES)) == current
    )
