"""An account's renewal dates, CRM status and seats over time (TermsChange), kept by database
triggers whoever writes the account, so a backtest reads the terms in force on a past date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, TermsChange
from tests.factories import make_account

pytestmark = pytest.mark.django_db

START = date(2024, 3, 1)


def terms(account) -> list[tuple]:
    return list(
        TermsChange.objects.filter(account=account).values_list(
            "valid_from", "renewal_date", "last_renewed_on", "crm_status", "seats"
        )
    )


def test_a_new_accounts_terms_hold_from_its_contract_start(alice):
    account = make_account(
        csm=alice, contract_start=START, renewal_date=date(2025, 3, 1), seats=20, crm_status="Live"
    )
    assert terms(account) == [(START, date(2025, 3, 1), None, "Live", 20)]


def test_before_its_last_renewal_an_account_was_due_to_renew_that_day(alice):
    renewed = date(2025, 3, 1)
    account = make_account(
        csm=alice, contract_start=START, renewal_date=date(2026, 3, 1), last_renewed_on=renewed,
        seats=20, crm_status="Live",
    )  # fmt: skip
    assert terms(account) == [
        (START, renewed, None, "Live", 20),
        (renewed, date(2026, 3, 1), renewed, "Live", 20),
    ]


def test_before_its_churn_a_churned_accounts_crm_status_is_unknown(alice):
    churned = date(2025, 3, 1)
    account = make_account(
        csm=alice, contract_start=START, renewal_date=churned, crm_status="Churned",
        outcome="churned", outcome_on=churned, seats=20,
    )  # fmt: skip
    assert terms(account) == [
        (START, churned, None, "", 20),
        (churned, churned, None, "Churned", 20),
    ]


def test_a_change_holds_from_the_day_it_was_made(alice):
    account = make_account(csm=alice, contract_start=START, renewal_date=date(2025, 3, 1))
    Account.objects.filter(pk=account.pk).update(
        renewal_date=date(2026, 3, 1), last_renewed_on=date(2025, 3, 1), seats=80
    )
    today = timezone.now().date()
    assert terms(account)[-1] == (today, date(2026, 3, 1), date(2025, 3, 1), "Onboarded", 80)
    assert len(terms(account)) == 2


def test_an_edit_that_leaves_the_terms_alone_records_nothing(alice):
    account = make_account(csm=alice, contract_start=START, renewal_date=date(2025, 3, 1))
    account.name = "Renamed"
    account.arr = 99_000
    account.save()
    assert len(terms(account)) == 1


def test_a_contract_start_moved_earlier_takes_the_opening_terms_with_it(alice):
    account = make_account(csm=alice, contract_start=START, renewal_date=date(2025, 3, 1))
    Account.objects.filter(pk=account.pk).update(contract_start=START - timedelta(days=90))
    assert [row[0] for row in terms(account)] == [START - timedelta(days=90)]
