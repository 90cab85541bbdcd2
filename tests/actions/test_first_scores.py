"""Nothing "entered" or "dropped" on an account's first colour, and an account with no data yet
raises no action of any rule (issue 21)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from actions.models import Action, Sentiment
from actions.services import actions_raise
from tests.factories import days_ago, give_health, make_account, make_signal

pytestmark = pytest.mark.django_db

UNKNOWN = dict(overall=None, rag="unknown", has_any_signal=0, days_since_arrival=3)


def run_rules(account):
    return actions_raise(account_ids=[account.pk], as_of=timezone.now().date())


def rules_fired(account) -> list[str]:
    return sorted(Action.objects.filter(account=account).values_list("rule", flat=True))


@pytest.fixture
def renewing(alice):
    """Renews in 60 days: renewal_at_risk would fire for any colour but green."""
    return make_account(csm=alice, renewal_date=days_ago(-60))


def test_a_first_score_of_red_raises_no_entered_red(renewing):
    give_health(renewing, overall=20, rag="red")
    run_rules(renewing)
    assert not Action.objects.filter(rule="entered_red").exists()


def test_red_after_amber_still_enters_red(renewing):
    give_health(renewing, overall=50, rag="amber")
    run_rules(renewing)
    give_health(renewing, overall=20, rag="red")
    run_rules(renewing)
    assert Action.objects.filter(rule="entered_red").count() == 1


def test_an_unknown_account_raises_no_action_of_any_rule(renewing, alice):
    Sentiment.objects.create(
        account=renewing, rating="green", reason="Kickoff went well", valid_days=7,
        created_by=alice, created_at=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    give_health(renewing, **UNKNOWN, flags=["custom_terms", "handoff_context_missing"])
    run_rules(renewing)
    run_rules(renewing)
    assert rules_fired(renewing) == []


def test_unknown_turning_red_raises_its_flags_but_no_entered_red(renewing):
    give_health(renewing, **UNKNOWN, flags=["custom_terms"])
    run_rules(renewing)
    give_health(renewing, overall=None, rag="red", flags=["custom_terms", "never_active"])
    run_rules(renewing)
    flags = set(Action.objects.filter(rule="flag_raised").values_list("flag", flat=True))
    assert flags == {"custom_terms", "never_active"}
    assert "entered_red" not in rules_fired(renewing)


def test_no_score_drop_from_history_written_before_the_account_was_first_known(renewing):
    give_health(renewing, overall=80, rag="green", as_of=days_ago(7))  # a backfill, a load
    give_health(renewing, overall=50, rag="amber")
    run_rules(renewing)
    run_rules(renewing)  # and not on a later run either
    assert not Action.objects.filter(rule="score_drop").exists()


def test_score_backfill_then_today_raises_no_entered_red_or_score_drop(
    alice, django_capture_on_commit_callbacks
):
    """The `make run` path: a history load, then the first score of today."""
    falling = make_account(csm=alice, contract_start=days_ago(120), seats=5)
    for day in range(60, 20, -1):  # busy until three weeks ago, silent since
        for actor in ("ana", "ben", "cy"):
            make_signal(account=falling, actor=actor, occurred_at=timezone.now() - timedelta(day))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("score", backfill=28, stdout=open("/dev/null", "w"))
    scores = dict(falling.health_scores.values_list("as_of", "overall"))
    assert max(scores.values()) - scores[timezone.now().date()] >= 10  # it did fall
    assert not Action.objects.filter(rule__in=["entered_red", "score_drop"]).exists()
