"""An account's ARR over time (ArrChange), kept by database triggers whoever writes the account."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account, ArrChange
from accounts.services import csv_rows_import
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def arr_history(account) -> list[tuple[date, Decimal]]:
    return list(ArrChange.objects.filter(account=account).values_list("valid_from", "arr"))


def test_a_new_accounts_arr_holds_from_its_contract_start(alice):
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=date(2025, 3, 1))
    assert arr_history(account) == [(date(2025, 3, 1), Decimal("12000"))]


def test_a_changed_arr_holds_from_the_day_it_changed(alice):
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=date(2025, 3, 1))
    account.arr = Decimal("18000")
    account.save()
    assert arr_history(account)[-1] == (timezone.now().date(), Decimal("18000"))


def test_two_changes_on_one_day_keep_the_last(alice):
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=date(2025, 3, 1))
    Account.objects.filter(pk=account.pk).update(arr=Decimal("18000"))
    Account.objects.filter(pk=account.pk).update(arr=Decimal("15000"))
    assert arr_history(account) == [
        (date(2025, 3, 1), Decimal("12000")),
        (timezone.now().date(), Decimal("15000")),
    ]


def test_an_edit_that_leaves_the_arr_alone_records_nothing(alice):
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=date(2025, 3, 1))
    account.name = "Renamed"
    account.save()
    assert len(arr_history(account)) == 1


def test_a_change_before_the_contract_starts_replaces_the_opening_arr(alice):
    start = timezone.now().date() + timedelta(days=30)
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=start,
                           renewal_date=start + timedelta(days=365))  # fmt: skip
    Account.objects.filter(pk=account.pk).update(arr=Decimal("9000"))
    assert arr_history(account) == [(start, Decimal("9000"))]


def test_a_contract_start_moved_earlier_takes_the_opening_arr_with_it(alice):
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=date(2025, 3, 1))
    Account.objects.filter(pk=account.pk).update(contract_start=date(2024, 11, 1))
    assert arr_history(account) == [(date(2024, 11, 1), Decimal("12000"))]


def test_a_csv_import_that_changes_arr_records_the_change(alice):
    account = make_account(csm=alice, external_id="crm-1", arr=Decimal("12000"),
                           contract_start=date(2025, 3, 1))  # fmt: skip
    content = "external_id,arr\ncrm-1,30000\n"
    csv_rows_import(kind="accounts", content=content)
    assert arr_history(account)[-1] == (timezone.now().date(), Decimal("30000"))


def test_a_csv_import_of_a_new_account_opens_its_arr_at_its_contract_start(alice):
    content = (
        "external_id,name,segment,arr,seats,contract_start,renewal_date,csm\n"
        "crm-9,Harbor Foods,smb,12000,10,2026-01-01,2027-01-01,alice\n"
    )
    csv_rows_import(kind="accounts", content=content)
    account = Account.objects.get(external_id="crm-9")
    assert arr_history(account) == [(date(2026, 1, 1), Decimal("12000"))]


def test_a_future_start_moved_earlier_with_a_new_arr_keeps_one_opening_arr(alice):
    start = timezone.now().date() + timedelta(days=60)
    account = make_account(csm=alice, arr=Decimal("12000"), contract_start=start,
                           renewal_date=start + timedelta(days=365))  # fmt: skip
    earlier = start - timedelta(days=30)
    Account.objects.filter(pk=account.pk).update(contract_start=earlier, arr=Decimal("9000"))
    assert arr_history(account) == [(earlier, Decimal("9000"))]
