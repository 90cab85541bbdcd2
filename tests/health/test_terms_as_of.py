"""A past date is scored by the terms in force then (accounts.TermsChange), not today's: an
account that renewed last month was, before that, an account about to renew."""

from datetime import timedelta

import pandas as pd
import pytest
from django.utils import timezone

from accounts.models import Account
from health.backtest import backtest_cards, portfolio_as_of, score_as_known
from health.features import build_features
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.now().date()


def renewed_on(day, csm, years: int = 1):
    """An account `years` into its contract that renewed on `day` for another year."""
    return make_account(
        csm=csm, contract_start=day - timedelta(days=365 * years),
        renewal_date=day + timedelta(days=365), last_renewed_on=day,
    )  # fmt: skip


def test_before_a_renewal_the_features_see_the_renewal_then_due(alice, today):
    renewed = today - timedelta(days=30)
    account = renewed_on(renewed, alice)
    before = build_features(renewed - timedelta(days=45)).loc[account.pk]
    assert before["renewal_date"].date() == renewed
    assert pd.isna(before["last_renewed_on"])


def test_after_a_renewal_the_features_see_the_next_one(alice, today):
    renewed = today - timedelta(days=30)
    account = renewed_on(renewed, alice)
    after = build_features(renewed + timedelta(days=5)).loc[account.pk]
    assert after["renewal_date"].date() == renewed + timedelta(days=365)
    assert after["last_renewed_on"].date() == renewed


def test_a_past_date_reads_the_crm_status_and_seats_of_that_day(alice, today):
    account = make_account(
        csm=alice, crm_status="", seats=10, contract_start=today - timedelta(days=200)
    )
    Account.objects.filter(pk=account.pk).update(crm_status="Onboarded", seats=40)
    past = build_features(today - timedelta(days=10)).loc[account.pk]
    now = build_features(today).loc[account.pk]
    assert (past["crm_onboarded"], past["seats"]) == (False, 10)
    assert (now["crm_onboarded"], now["seats"]) == (True, 40)


def test_a_quiet_account_backtested_before_its_renewal_is_flagged_as_renewing(alice, today):
    renewed = today - timedelta(days=20)
    account = renewed_on(renewed, alice, years=2)
    as_of = renewed - timedelta(days=60)
    # Quiet, not silent: an account that never sent a signal is unknown, not flagged.
    make_signal(account=account, occurred_at=timezone.now() - timedelta(days=400))
    cards, _ = backtest_cards()
    rows = score_as_known(portfolio_as_of(as_of, cards), as_of, cards).set_index("account_id")
    assert "renewal_without_engagement" in rows.loc[account.pk, "flag_codes"]
