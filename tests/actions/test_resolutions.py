"""Actions follow the truth: when what raised an action clears, the action resolves itself,
says what cleared, shows on the timeline; when it returns, a new action opens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import Action, Sentiment
from actions.timeline import account_timeline
from tests.actions.test_rules import (  # run_joined_as: autouse, both ways of joining the run
    actions_of,
    known_before,
    run_joined_as,  # noqa: F401
    run_rules,
)
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    return make_account(csm=alice, renewal_date=days_ago(-200))


def turned_red(account):
    give_health(account, overall=55, rag="amber")
    run_rules(account)
    give_health(account, overall=35, rag="red")
    run_rules(account)


def test_an_account_that_leaves_red_resolves_its_entered_red_action(account):
    turned_red(account)
    give_health(account, overall=52, rag="amber")
    run_rules(account)
    [action] = actions_of(account, "entered_red")
    assert (action.status, action.resolution) == ("resolved", "Account left red (now amber).")
    assert action.closed_at is not None and action.closed_by is None


def test_an_account_still_red_keeps_its_action_open(account):
    turned_red(account)
    give_health(account, overall=33, rag="red")
    run_rules(account)
    assert [a.status for a in actions_of(account, "entered_red")] == ["open"]


def test_red_again_after_resolving_opens_a_new_action(account):
    turned_red(account)
    give_health(account, overall=52, rag="amber")
    run_rules(account)
    give_health(account, overall=30, rag="red")
    run_rules(account)
    actions = Action.objects.filter(account=account, rule="entered_red").order_by("pk")
    assert [(a.status, "Entered red at 30" in a.reason) for a in actions] == [
        ("resolved", False), ("open", True)]  # fmt: skip


def test_a_cleared_flag_resolves_its_action_and_names_the_flag(account):
    give_health(account, overall=60, rag="amber", flags=["champion_left", "custom_terms"])
    run_rules(account)
    give_health(account, overall=60, rag="amber", flags=["custom_terms"])
    run_rules(account)
    actions = {a.flag: a for a in actions_of(account, "flag_raised")}
    assert actions["champion_left"].status == "resolved"
    assert actions["champion_left"].resolution == "Flag cleared: Champion left."
    assert actions["custom_terms"].status == "open"


def test_an_unknown_colour_resolves_nothing(account):
    give_health(account, overall=60, rag="amber", flags=["champion_left"])
    run_rules(account)
    give_health(account, overall=None, rag="unknown")
    run_rules(account)
    assert [a.status for a in actions_of(account, "flag_raised")] == ["open"]


def test_a_renewal_at_risk_resolves_when_the_account_turns_green(alice):
    soon = make_account(csm=alice, renewal_date=days_ago(-60))
    give_health(soon, overall=50, rag="amber")
    run_rules(soon)
    give_health(soon, overall=80, rag="green")
    run_rules(soon)
    [action] = actions_of(soon, "renewal_at_risk")
    assert (action.status, action.resolution) == ("resolved", "Account is green now.")


def test_a_renewal_moved_beyond_the_window_resolves_its_action(alice):
    soon = make_account(csm=alice, renewal_date=days_ago(-60))
    give_health(soon, overall=50, rag="amber")
    run_rules(soon)
    soon.renewal_date = days_ago(-400)
    soon.save()
    run_rules(soon)
    [action] = actions_of(soon, "renewal_at_risk")
    assert action.status == "resolved"
    assert action.resolution.endswith("beyond the 90-day window.")


def test_a_resolved_renewal_does_not_hold_back_a_new_one_in_its_window(alice):
    """A dismissal is kept for the renewal window; a resolution is not: the risk is back."""
    soon = make_account(csm=alice, renewal_date=days_ago(-60))
    give_health(soon, overall=50, rag="amber")
    run_rules(soon)
    give_health(soon, overall=80, rag="green")
    run_rules(soon)
    give_health(soon, overall=45, rag="amber")
    run_rules(soon)
    assert sorted(a.status for a in actions_of(soon, "renewal_at_risk")) == ["open", "resolved"]


def test_a_score_that_recovers_resolves_its_drop(account):
    known_before(account)
    give_health(account, overall=70, rag="green", as_of=days_ago(7))
    give_health(account, overall=59, rag="amber")
    run_rules(account)
    give_health(account, overall=72, rag="green")
    run_rules(account)
    [action] = actions_of(account, "score_drop")
    assert (action.status, action.resolution) == (
        "resolved", "Score recovered to 72 (it fell from 70).")  # fmt: skip


def test_a_fresh_sentiment_resolves_the_stale_sentiment_action(alice):
    account = make_account(csm=alice, renewal_date=days_ago(-100))
    give_health(account, overall=80, rag="green")
    Sentiment.objects.create(
        account=account, rating="green", reason="Happy", valid_days=7, created_by=alice,
        created_at=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    run_rules(account)
    Sentiment.objects.create(account=account, rating="amber", reason="Budget cut",
                             valid_days=30, created_by=alice)  # fmt: skip
    run_rules(account)
    [action] = actions_of(account, "sentiment_stale")
    assert action.status == "resolved"
    assert action.resolution.startswith("Sentiment refreshed (amber, valid until")


def test_an_action_added_by_hand_never_resolves_itself(account, alice):
    Action.objects.create(account=account, title="Plan the QBR", owner=alice)
    give_health(account, overall=80, rag="green")
    run_rules(account)
    assert Action.objects.get(title="Plan the QBR").status == "open"


def test_a_resolution_shows_on_the_account_timeline(account):
    turned_red(account)
    give_health(account, overall=52, rag="amber")
    run_rules(account)
    events = [(e.title, e.detail) for e in account_timeline(account, ["action"])]
    assert events[0] == (
        "Action resolved: Account entered red: find out why this week",
        "Account left red (now amber).",
    )


def test_no_second_open_action_with_the_same_playbook(account, alice):
    """A playbook already at work on the account (here added by hand) is not raised twice."""
    from actions.models import Playbook

    playbook, _ = Playbook.objects.get_or_create(
        code="checklist_illusion", defaults={"title": "Prove capability", "steps": ["Watch"]}
    )
    Action.objects.create(account=account, title="Prove it", owner=alice,
                          playbook=playbook)  # fmt: skip
    give_health(account, overall=60, rag="amber", flags=["checklist_illusion"])
    run_rules(account)
    assert Action.objects.filter(account=account, playbook=playbook).count() == 1
