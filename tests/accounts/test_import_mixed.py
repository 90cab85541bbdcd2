"""A CRM export as it comes: new accounts and updates side by side, every problem at once."""

import pytest

from accounts.imports import ImportRefused
from accounts.limits import TEXT_LIMIT
from accounts.models import Account
from accounts.services import csv_rows_import
from tests.factories import make_account

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,arr,contract_start,renewal_date,csm\n"


def test_new_accounts_and_an_update_that_leaves_csm_blank_import_together(alice):
    make_account(csm=alice, external_id="crm-3", name="Old name")
    content = HEADER + (
        "crm-1,Harbor Foods,12000,2026-01-01,2027-01-01,alice\n"
        "crm-2,Cedar Labs,9000,2026-02-01,2027-02-01,alice\n"
        "crm-3,New name,,,,\n"
    )
    assert csv_rows_import(kind="accounts", content=content) == {
        "rows": 3, "created": 2, "updated": 1,
    }  # fmt: skip
    assert Account.objects.get(external_id="crm-3").name == "New name"
    assert set(Account.objects.values_list("csm__username", flat=True)) == {"alice"}


def test_cell_errors_and_what_a_new_row_lacks_are_listed_in_one_pass(alice):
    content = HEADER + (
        "crm-1,Harbor Foods,lots,2026-01-01,2027-01-01,alice\n"
        "crm-2,Cedar Labs,,2026-02-01,2027-02-01,alice\n"
    )
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="accounts", content=content)
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [(2, "arr"), (3, "arr")]
    assert "a new account needs its arr" in refused.value.errors[1]["message"]
    assert not Account.objects.exists()


def test_a_stakeholder_with_a_bad_cell_and_an_unknown_account_are_listed_in_one_pass(alice):
    make_account(csm=alice, external_id="crm-1")
    content = (
        "external_id,account_external_id,name,role\n"
        "p-1,crm-1,Ines,galactic\np-2,crm-404,Omar,champion\n"
    )
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="stakeholders", content=content)
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [
        (2, "role"), (3, "account_external_id"),
    ]  # fmt: skip


def test_a_text_column_over_the_one_text_limit_is_refused(alice):
    content = HEADER.replace("csm\n", "csm,handoff_politics\n") + (
        f"crm-1,Harbor Foods,12000,2026-01-01,2027-01-01,alice,{'x' * (TEXT_LIMIT + 1)}\n"
    )
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="accounts", content=content)
    assert refused.value.errors == [
        {"row": 2, "column": "handoff_politics", "message": f"longer than {TEXT_LIMIT} characters"}
    ]
    assert not Account.objects.exists()


def test_a_text_column_at_the_text_limit_is_stored_whole(alice):
    content = HEADER.replace("csm\n", "csm,handoff_politics\n") + (
        f"crm-1,Harbor Foods,12000,2026-01-01,2027-01-01,alice,{'x' * TEXT_LIMIT}\n"
    )
    csv_rows_import(kind="accounts", content=content)
    assert len(Account.objects.get().handoff_politics) == TEXT_LIMIT


def test_a_row_without_its_external_id_is_reported_once_not_as_a_new_account_lacking_all(alice):
    content = HEADER + "crm-1,Harbor Foods,12000,2026-01-01,2027-01-01,alice\n,,,,,\n"
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="accounts", content=content)
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [(3, "external_id")]
