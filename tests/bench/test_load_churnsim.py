"""The ChurnSim loader maps simulated customers onto accounts and dated signals, registers the
customer's value event as a signal kind and names it on the scorecard, through the API only."""

from io import StringIO

import pytest

from accounts.models import Account
from bench.load_churnsim import load, map_accounts, map_customer
from health.models import Scorecard
from signals.models import Signal, SignalKindDef
from tests.bench.api_client import InProcessApi

CHURNED = {
    "id": "3", "channel": "web", "start": "2026-01-10", "plan": "premier_mthly", "mrr": "1900.0",
    "seats": "100", "users": "40", "churned_on": "2026-06-10", "renewal_date": "2026-06-10",
    "last_renewed_on": "2026-05-10",
}  # fmt: skip
ACTIVE = {
    **CHURNED, "id": "4", "plan": "basic_mthly", "mrr": "200.0", "seats": "10",
    "churned_on": "", "renewal_date": "2026-12-10", "last_renewed_on": "2026-11-10",
}  # fmt: skip
ACTIVITY = [
    {"account": "3", "behaviour": "search", "day": "2026-02-01", "count": "12", "first_user": "5"},
    {"account": "3", "behaviour": "win_opportunity", "day": "2026-03-02", "count": "2",
     "first_user": "1"},
    {"account": "3", "behaviour": "search", "day": "2026-06-10", "count": "3", "first_user": "2"},
    {"account": "4", "behaviour": "add_contact", "day": "2026-11-20", "count": "4",
     "first_user": "0"},
]  # fmt: skip


def test_a_churned_customer_ends_on_its_last_subscription_day_with_no_signal_after():
    mapped = map_customer(CHURNED, ACTIVITY[:3], csm="alice")
    assert (mapped.account["outcome"], mapped.account["outcome_on"]) == ("churned", "2026-06-10")
    assert [s["occurred_at"][:10] for s in mapped.signals] == ["2026-02-01", "2026-03-02"]


def test_the_plan_gives_segment_arr_and_seats():
    account = map_customer(CHURNED, [], csm="alice").account
    assert (account["segment"], account["arr"], account["seats"]) == ("enterprise", "22800.0", 100)
    assert map_customer(ACTIVE, [], csm="alice").account["segment"] == "smb"


def test_a_won_opportunity_is_a_value_event_and_other_behaviour_a_feature_used():
    signals = map_customer(CHURNED, ACTIVITY[:2], csm="alice").signals
    assert [(s["kind"], s["value"], s["actor"]) for s in signals] == [
        ("feature_used", "search", "user5"),
        ("opportunity_won", "2", "user1"),
    ]


@pytest.mark.django_db
def test_load_registers_the_value_kind_names_it_and_writes_through_the_api(vera, alice):
    mapped = map_accounts([CHURNED, ACTIVE], ACTIVITY, csm="alice")
    summary = load(InProcessApi(vera), mapped, out=StringIO())
    assert (summary["accounts"], summary["churned"], summary["signals"]) == (2, 1, 3)
    assert SignalKindDef.objects.get(code="opportunity_won").category == "value"
    assert Scorecard.objects.get(segment="").value_kinds == ["opportunity_won"]
    assert Account.objects.get(external_id="churnsim-crm6-00003").outcome == "churned"


@pytest.mark.django_db
def test_a_second_load_adds_nothing(vera, alice):
    mapped = map_accounts([CHURNED, ACTIVE], ACTIVITY, csm="alice")
    load(InProcessApi(vera), mapped, out=StringIO())
    again = load(InProcessApi(vera), mapped, out=StringIO())
    assert again["signals"] == 0
    assert (Account.objects.count(), Signal.objects.count()) == (2, 3)
