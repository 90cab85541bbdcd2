"""Not enough data is not red (issue 21), end to end on fixed dates: a CRM import, the scoring
runs and the rules after them, day by day through the silence grace."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from accounts.models import Account
from accounts.services import csv_rows_import
from actions.models import Action
from health.backtest import backtest_cards, backtest_rows
from health.models import CurrentHealth, HealthScore
from health.services import default_scorecard, score_accounts, scorecard_update
from tests.factories import make_signal

pytestmark = pytest.mark.django_db

ARRIVED = date(2026, 3, 2)  # the CRM import
CONTRACT = date(2026, 3, 1)
HEADER = "external_id,name,segment,arr,seats,contract_start,renewal_date,csm\n"


def on(day: date):
    """Travel to 9:00 UTC on `day`; the clock ticks, so each run is a run of its own."""
    return time_machine.travel(datetime.combine(day, time(9), UTC))


def imported(contract_start: date = CONTRACT) -> Account:
    """An account as a team's first CRM import brings it: renewing within 120 days, nothing
    else on record, no signal."""
    row = f"crm-new,New Co,mid_market,60000,20,{contract_start},2026-05-15,alice\n"
    with on(ARRIVED):
        csv_rows_import(kind="accounts", content=HEADER + row)
    # The import stamps created_at with the database's clock, which does not travel.
    accounts = Account.objects.filter(external_id="crm-new")
    accounts.update(created_at=datetime.combine(ARRIVED, time(9), UTC))
    return accounts.get()


@pytest.fixture
def rules_run(django_capture_on_commit_callbacks):
    """Score every account on a day, with the rules after it, as the nightly run does."""

    def run(day: date) -> CurrentHealth:
        with on(day), django_capture_on_commit_callbacks(execute=True):
            score_accounts()
        return CurrentHealth.objects.get()

    return run


def days_after_arrival(n: int) -> date:
    return ARRIVED + timedelta(days=n)


def test_a_newly_imported_account_with_no_signals_is_unknown_and_raises_nothing(alice, rules_run):
    imported()
    health = rules_run(ARRIVED)
    assert (health.rag, health.overall) == ("unknown", None)
    assert "renewal_without_engagement" not in health.flag_codes
    assert "stale_data" not in health.flag_codes
    assert not Action.objects.exists()


def test_an_unknown_score_says_no_data_received_yet(alice, rules_run):
    imported()
    rules_run(ARRIVED)
    assert HealthScore.objects.get().reasons[0].startswith("No data received yet")


def test_it_stays_unknown_and_quiet_through_the_grace(alice, rules_run):
    imported()
    for n in (0, 10, 29):
        assert rules_run(days_after_arrival(n)).rag == "unknown"
    assert not Action.objects.exists()


def test_after_the_grace_it_is_red_with_never_active(alice, rules_run):
    imported()
    rules_run(ARRIVED)
    health = rules_run(days_after_arrival(30))
    assert health.rag == "red"
    assert ",never_active," in health.flag_codes


def test_after_the_grace_the_alert_is_never_active_not_entered_red(alice, rules_run):
    imported()
    rules_run(ARRIVED)
    rules_run(days_after_arrival(30))
    assert not Action.objects.filter(rule__in=["entered_red", "score_drop"]).exists()
    assert Action.objects.filter(rule="flag_raised", flag="never_active").exists()


def test_a_first_signal_makes_it_score_normally(alice, rules_run):
    account = imported()
    rules_run(ARRIVED)
    with on(days_after_arrival(5)):
        make_signal(account=account, kind="login", actor="ana")
    health = rules_run(days_after_arrival(5))
    assert health.rag in ("red", "amber", "green")
    assert health.overall is not None
    assert "never_active" not in health.flag_codes


def test_a_contract_starting_after_the_import_extends_the_grace(alice, rules_run):
    imported(contract_start=days_after_arrival(20))
    assert rules_run(days_after_arrival(49)).rag == "unknown"  # 29 days into the contract
    assert rules_run(days_after_arrival(50)).rag == "red"


def test_editing_silence_grace_days_moves_the_boundary(alice, vera, rules_run):
    imported()
    scorecard_update(scorecard=default_scorecard(), user=vera, targets={"silence_grace_days": 10})
    assert rules_run(days_after_arrival(9)).rag == "unknown"
    assert rules_run(days_after_arrival(10)).rag == "red"


def test_the_backtest_agrees_with_the_scores_of_each_day(alice, rules_run):
    account = imported()
    days = [days_after_arrival(n) for n in (5, 35)]
    for day in days:
        rules_run(day)
    with on(days_after_arrival(60)):
        make_signal(account=account, kind="login", actor="ana")
        cards, key = backtest_cards()
        rows = backtest_rows(days, cards=cards, key=key)
    said = {row.as_of: (row.rag, row.flag_codes) for row in rows.itertuples()}
    stored = {s.as_of: (s.rag, s.flag_codes) for s in HealthScore.objects.all()}
    assert [said[day][0] for day in days] == ["unknown", "red"]
    assert said == stored
