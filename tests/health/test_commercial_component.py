"""Commercial: tenure, renewals, term length, deviating terms and the price change at the last
renewal, shown beside the score (weight 0 until calibration gives it one)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import ArrChange
from health.models import CurrentHealth
from health.scoring import ScorecardSpec, score_frame
from health.services import score_accounts
from tests.factories import days_ago, make_account
from tests.health.builders import AS_OF, frame, healthy

LOYAL = {  # three years in, renewed twice, now on a two-year term
    "contract_start": AS_OF - timedelta(days=1100),
    "last_renewed_on": AS_OF - timedelta(days=370),
    "renewal_date": AS_OF + timedelta(days=360),
}


def scored(**row):
    return score_frame(frame(healthy(**row)), ScorecardSpec(), AS_OF).iloc[0]


def test_a_new_customer_on_a_yearly_term_scores_40_plus_its_tenure():
    assert scored()["commercial"] == pytest.approx(40 + 10 * 200 / 365, abs=0.01)


def test_tenure_renewals_and_a_long_term_raise_it_to_100():
    assert scored(**LOYAL)["commercial"] == pytest.approx(100)


def test_each_deviating_term_costs_10():
    assert scored(**LOYAL, deviating_terms=2.0)["commercial"] == pytest.approx(80)


def test_a_price_change_of_ten_percent_either_way_costs_20():
    assert scored(**LOYAL, price_change_at_renewal=-0.15)["commercial"] == pytest.approx(80)


def test_commercial_carries_no_weight_by_default():
    assert scored(price_change_at_renewal=0.5)["overall"] == scored()["overall"]


def test_a_scorecard_can_weigh_it():
    weighed = ScorecardSpec(weights={**ScorecardSpec().weights, "commercial": 30})
    rows = frame(healthy(**LOYAL, price_change_at_renewal=0.5)), frame(healthy(**LOYAL))
    repriced, steady = (score_frame(row, weighed, AS_OF)["overall"].iloc[0] for row in rows)
    assert repriced < steady


@pytest.mark.django_db
def test_the_reasons_say_what_it_saw_including_the_price_change_at_renewal(alice):
    account = make_account(csm=alice, arr=Decimal("100000"), contract_start=days_ago(400),
                           last_renewed_on=days_ago(35),
                           renewal_date=timezone.now().date() + timedelta(days=330))  # fmt: skip
    ArrChange.objects.create(account=account, valid_from=days_ago(35), arr=Decimal("120000"))
    score_accounts()
    reasons = CurrentHealth.objects.get(account=account).score.components["commercial"]["reasons"]
    assert reasons[0].startswith("Customer for 1.1 years, 1 renewal")
    assert "Price changed +20% at the last renewal." in reasons
