"""Each rule fires once for what it finds, and a rule that fires again updates its open action."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import run
from actions.models import Action, AlertState, FlagSnooze, RuleSetting, Sentiment
from actions.rules import run_snoozes
from actions.services import actions_raise, rules_after_scoring
from health.models import HealthScore
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["array", "table"])
def run_joined_as(request, monkeypatch):
    """Every rule holds whether the run's accounts are joined as an array (a small run, as in
    a rescore) or from the temporary table (a large one, a portfolio shard: actions.run)."""
    if request.param == "table":
        monkeypatch.setattr(run, "SMALL_RUN", 0)


def known_before(account, rag="green"):
    """The rules saw this account's colour before the scores the test writes: a drop from a
    score of the last week counts (it is not the account's first score, nor a history load)."""
    AlertState.objects.create(
        account=account, rag=rag, flag_codes="", computed_at=timezone.now() - timedelta(days=30),
        first_known_on=days_ago(30),
    )  # fmt: skip


def run_rules(*accounts):
    return actions_raise(account_ids=[a.pk for a in accounts], as_of=timezone.now().date())


def actions_of(account, rule):
    return list(Action.objects.filter(account=account, rule=rule))


@pytest.fixture
def account(alice):
    return make_account(csm=alice, renewal_date=days_ago(-200))


def test_entered_red_fires_once_when_an_account_turns_red(account):
    give_health(account, overall=55, rag="amber")
    run_rules(account)
    give_health(account, overall=35, rag="red")
    run_rules(account)
    run_rules(account)
    [action] = actions_of(account, "entered_red")
    assert action.status == "open"
    assert "Entered red at 35 (was amber)" in action.reason
    assert action.owner == account.csm


def test_entered_red_fires_again_after_recovering_only_if_the_first_was_closed(account, alice):
    give_health(account, overall=35, rag="red")
    run_rules(account)
    give_health(account, overall=55, rag="amber")
    run_rules(account)
    give_health(account, overall=30, rag="red")
    run_rules(account)
    [action] = actions_of(account, "entered_red")
    assert "Entered red at 30" in action.reason  # the open one was updated, not duplicated


def test_a_red_account_that_stays_red_raises_nothing_new_after_a_dismissal(account, alice):
    give_health(account, overall=55, rag="amber")
    run_rules(account)
    give_health(account, overall=35, rag="red")
    run_rules(account)
    Action.objects.filter(account=account).update(
        status="dismissed", closed_at=timezone.now(), outcome_note="Known"
    )
    give_health(account, overall=34, rag="red")
    run_rules(account)
    assert [a.status for a in actions_of(account, "entered_red")] == ["dismissed"]


def test_flag_raised_fires_one_action_per_flag_with_its_playbook(account):
    give_health(account, overall=60, rag="amber", flags=["checklist_illusion", "champion_left"])
    run_rules(account)
    run_rules(account)
    actions = {a.flag: a for a in actions_of(account, "flag_raised")}
    assert set(actions) == {"checklist_illusion", "champion_left"}
    illusion = actions["checklist_illusion"]
    assert illusion.playbook.code == "checklist_illusion"
    assert any("explain the report back" in step["text"] for step in illusion.steps)
    assert not any(step["done"] for step in illusion.steps)


def action_reasons_on_the_page(client, account) -> list[str]:
    """The reasons of the open actions as the account page shows them to a person."""
    content = client.get(reverse("account_detail", args=[account.pk])).content.decode()
    return [html.unescape(text) for text in re.findall(r'class="action-reason">(.*?)</p>', content)]


def test_flag_raised_action_shows_the_flags_own_words_on_the_account_page(client, alice, account):
    give_health(account, overall=60, rag="amber", flags=["checklist_illusion"],
                tasks_done=14, tasks_total=14, outcome_attainment=0.0)  # fmt: skip
    run_rules(account)
    client.force_login(alice)
    assert action_reasons_on_the_page(client, account) == [
        "CRM says 'Onboarded' and 14 of 14 checklist tasks are done, "
        "but only 0% of due outcomes are reached."
    ]


def test_a_flag_that_clears_and_returns_opens_a_new_action_beside_the_resolved_one(account):
    give_health(account, overall=60, rag="amber", flags=["champion_left"])
    run_rules(account)
    give_health(account, overall=60, rag="amber")
    run_rules(account)
    give_health(account, overall=60, rag="amber", flags=["champion_left"])
    run_rules(account)
    statuses = [a.status for a in Action.objects.filter(account=account).order_by("pk")]
    assert statuses == ["resolved", "open"]


def test_score_drop_fires_for_ten_points_in_seven_days(account):
    known_before(account)
    give_health(account, overall=70, rag="green", as_of=days_ago(7))
    give_health(account, overall=59, rag="amber")
    run_rules(account)
    run_rules(account)
    [action] = actions_of(account, "score_drop")
    assert "fell 11 points in 7 days" in action.reason


def test_score_drop_does_not_fire_for_nine_points(account):
    known_before(account)
    give_health(account, overall=70, rag="green", as_of=days_ago(7))
    give_health(account, overall=61, rag="amber")
    run_rules(account)
    assert actions_of(account, "score_drop") == []


def test_score_drop_threshold_is_the_admins(account):
    RuleSetting.objects.filter(rule="score_drop").update(points=5)
    known_before(account)
    give_health(account, overall=70, rag="green", as_of=days_ago(7))
    give_health(account, overall=64, rag="amber")
    run_rules(account)
    assert len(actions_of(account, "score_drop")) == 1


def test_score_drop_dismissed_is_not_raised_again_for_the_same_drop(account):
    known_before(account)
    give_health(account, overall=70, rag="green", as_of=days_ago(7))
    give_health(account, overall=55, rag="amber")
    run_rules(account)
    Action.objects.filter(rule="score_drop").update(
        status="dismissed", closed_at=timezone.now(), outcome_note="Seasonal"
    )
    run_rules(account)
    assert [a.status for a in actions_of(account, "score_drop")] == ["dismissed"]


def test_renewal_at_risk_fires_within_90_days_when_not_green(alice):
    soon = make_account(csm=alice, renewal_date=days_ago(-60))
    later = make_account(csm=alice, renewal_date=days_ago(-120))
    green = make_account(csm=alice, renewal_date=days_ago(-30))
    give_health(soon, overall=50, rag="amber")
    give_health(later, overall=50, rag="amber")
    give_health(green, overall=80, rag="green")
    run_rules(soon, later, green)
    run_rules(soon, later, green)
    assert len(actions_of(soon, "renewal_at_risk")) == 1
    assert actions_of(later, "renewal_at_risk") == actions_of(green, "renewal_at_risk") == []


def test_renewal_at_risk_updates_the_open_action_when_the_colour_changes(alice):
    soon = make_account(csm=alice, renewal_date=days_ago(-60))
    give_health(soon, overall=50, rag="amber")
    run_rules(soon)
    give_health(soon, overall=30, rag="red")
    run_rules(soon)
    [action] = actions_of(soon, "renewal_at_risk")
    assert "is red" in action.reason


def test_sentiment_stale_fires_when_sentiment_expired_and_renewal_within_120_days(alice):
    account = make_account(csm=alice, renewal_date=days_ago(-100))
    give_health(account, overall=80, rag="green")
    Sentiment.objects.create(
        account=account, rating="green", reason="Happy", valid_days=7, created_by=alice,
        created_at=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    run_rules(account)
    run_rules(account)
    [action] = actions_of(account, "sentiment_stale")
    assert "expired" in action.reason


def test_fresh_sentiment_raises_nothing(alice):
    account = make_account(csm=alice, renewal_date=days_ago(-100))
    give_health(account, overall=80, rag="green")
    Sentiment.objects.create(
        account=account, rating="green", reason="Happy", valid_days=30, created_by=alice
    )
    run_rules(account)
    assert actions_of(account, "sentiment_stale") == []


def test_a_snoozed_flag_raises_no_action(account, alice):
    FlagSnooze.objects.create(
        account=account, flag="champion_left", reason="New champion starts Monday",
        snoozed_by=alice, until=days_ago(-30),
    )  # fmt: skip
    give_health(account, overall=60, rag="amber", flags=["champion_left"])
    run_rules(account)
    assert actions_of(account, "flag_raised") == []


def test_the_runs_snoozes_in_force_and_ended_are_read_at_once(
    account, alice, django_assert_num_queries
):
    other = make_account(csm=alice)

    def snooze(on, flag, until, reraised=None):
        return FlagSnooze.objects.create(
            account=on, flag=flag, reason="Wait", snoozed_by=alice, until=until,
            reraised_at=reraised,
        )  # fmt: skip

    snooze(account, "champion_left", days_ago(-3))
    ended = snooze(account, "stale_data", days_ago(0))
    snooze(account, "custom_terms", days_ago(5), reraised=timezone.now())
    snooze(other, "champion_left", days_ago(-3))
    with django_assert_num_queries(1):
        in_force, ran_out = run_snoozes([account.pk], timezone.now().date())
    assert in_force == {(account.pk, "champion_left")}
    assert ran_out == [(ended.pk, account.pk, "stale_data")], "raised again already: left out"


def test_a_flag_is_raised_again_when_its_snooze_ends(account, alice):
    snooze = FlagSnooze.objects.create(
        account=account, flag="champion_left", reason="Wait", snoozed_by=alice,
        until=days_ago(-30),
    )  # fmt: skip
    give_health(account, overall=60, rag="amber", flags=["champion_left"])
    run_rules(account)
    FlagSnooze.objects.filter(pk=snooze.pk).update(until=days_ago(0))
    run_rules(account)
    run_rules(account)
    [action] = actions_of(account, "flag_raised")
    assert action.reason.startswith("Snooze ended")


def test_switched_off_rules_raise_nothing(account, settings):
    settings.CANDOR = {**settings.CANDOR, "ACTION_RULES": False}
    give_health(account, overall=30, rag="red", flags=["champion_left"])
    rules_after_scoring(
        HealthScore, as_of=timezone.now().date(), computed_at=timezone.now(),
        account_ids=[account.pk], current=True,
    )  # fmt: skip
    assert not Action.objects.exists()


def test_a_backfill_of_past_days_raises_nothing(account):
    give_health(account, overall=30, rag="red", flags=["champion_left"])
    rules_after_scoring(
        HealthScore, as_of=days_ago(7), computed_at=timezone.now(),
        account_ids=[account.pk], current=False,
    )  # fmt: skip
    assert not Action.objects.exists()
