"""CSV imports of accounts and stakeholders: mapping, preview, all-or-nothing upsert."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.imports import ACCOUNTS, ImportRefused, column_mapping, preview
from accounts.models import Account, Stakeholder
from accounts.services import csv_rows_import
from tests.factories import make_account

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,segment,arr,seats,contract_start,renewal_date,csm\n"


def accounts_csv(*rows: str, header: str = HEADER) -> str:
    return header + "".join(f"{row}\n" for row in rows)


def errors_of(kind: str, content: str) -> list[dict]:
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind=kind, content=content)
    return refused.value.errors


def test_new_accounts_are_created_with_their_csm(alice):
    content = accounts_csv(
        "crm-1,Harbor Foods,smb,12000,10,2026-01-01,2027-01-01,alice",
        'crm-2,Cedar Labs,Enterprise,"$1,200,000",200,2025-06-01,2026-12-31,alice',
    )
    assert csv_rows_import(kind="accounts", content=content) == {
        "rows": 2, "created": 2, "updated": 0,
    }  # fmt: skip
    cedar = Account.objects.get(external_id="crm-2")
    assert (cedar.name, cedar.segment, cedar.arr, cedar.csm) == (
        "Cedar Labs", "enterprise", Decimal("1200000.00"), alice,
    )  # fmt: skip
    assert cedar.lifecycle_stage == "onboarding" and cedar.deal_terms == {}


def test_an_existing_external_id_is_updated_and_empty_cells_keep_what_is_stored(alice):
    make_account(csm=alice, external_id="crm-1", name="Old name", seats=7, crm_status="Live")
    content = accounts_csv("crm-1,New name,,,,,,", header=HEADER)
    assert csv_rows_import(kind="accounts", content=content)["updated"] == 1
    account = Account.objects.get(external_id="crm-1")
    assert (account.name, account.seats, account.crm_status) == ("New name", 7, "Live")


def test_a_wrong_cell_refuses_the_whole_file_and_names_its_row_and_column(alice):
    content = accounts_csv(
        "crm-1,Harbor Foods,smb,12000,10,2026-01-01,2027-01-01,alice",
        "crm-2,Cedar Labs,galactic,lots,10,early June,2026-12-31,nobody",
    )
    errors = errors_of("accounts", content)
    assert {(e["row"], e["column"]) for e in errors} == {
        (3, "segment"), (3, "arr"), (3, "contract_start"), (3, "csm"),
    }  # fmt: skip
    assert any("no user called 'nobody'" in e["message"] for e in errors)
    assert not Account.objects.exists()


def test_a_new_account_without_what_it_needs_is_refused(alice):
    content = accounts_csv("crm-9,Nameless,,,,,,", header=HEADER)
    errors = errors_of("accounts", content)
    assert {e["column"] for e in errors} == {"arr", "contract_start", "renewal_date", "csm"}
    assert not Account.objects.exists()


def test_a_renewal_before_the_stored_contract_start_is_refused(alice):
    make_account(csm=alice, external_id="crm-1", contract_start=date(2026, 1, 1))
    content = "external_id,renewal_date\ncrm-1,2025-06-01\n"
    errors = errors_of("accounts", content)
    assert errors == [{"row": 2, "column": "renewal_date",
                       "message": "renewal date is before the contract start"}]  # fmt: skip


def test_the_same_external_id_twice_in_a_file_is_refused(alice):
    content = accounts_csv(
        "crm-1,A,smb,1,1,2026-01-01,2027-01-01,alice", "crm-1,B,smb,1,1,2026-01-01,2027-01-01,alice"
    )
    assert errors_of("accounts", content)[0]["message"] == "'crm-1' appears again (first at row 2)."


def test_a_file_without_external_id_is_refused_before_anything_else(alice):
    assert "external_id column" in errors_of("accounts", "name\nHarbor\n")[0]["message"]


def test_headers_map_by_name_or_a_common_alias_and_the_rest_are_ignored():
    mapping = column_mapping(ACCOUNTS, ["CRM ID", "Account Name", "ARR", "Owner", "Notes"])
    assert mapping == {"CRM ID": "external_id", "Account Name": "name", "ARR": "arr",
                       "Owner": "csm", "Notes": None}  # fmt: skip


def test_the_preview_shows_the_mapping_the_first_rows_and_what_new_rows_lack():
    shown = preview("accounts", "CRM ID;Account Name;Notes\ncrm-1;Harbor;hi\n")
    assert shown["rows"] == 1
    assert shown["mapping"][2] == {"header": "Notes", "field": None}
    assert shown["first_rows"] == [["crm-1", "Harbor", "hi"]]
    assert set(shown["missing"]) == {"arr", "contract_start", "renewal_date", "csm"}


def test_deal_terms_are_imported_with_their_deviations(alice):
    content = (
        "external_id,name,arr,contract_start,renewal_date,csm,deal_terms\n"
        'crm-1,Harbor,1000,2026-01-01,2027-01-01,alice,"{""payment_terms"": ""net_90""}"\n'
    )
    csv_rows_import(kind="accounts", content=content)
    assert Account.objects.get().deviating_terms == ["payment_terms"]


def test_stakeholders_are_upserted_onto_their_accounts(alice):
    account = make_account(csm=alice, external_id="crm-1")
    content = (
        "external_id,account_external_id,name,email,role,active\n"
        "p-1,crm-1,Ines Exec,ines@example.com,Exec sponsor,yes\n"
        "p-2,crm-1,Omar Owner,,operating_owner,no\n"
    )
    assert csv_rows_import(kind="stakeholders", content=content)["created"] == 2
    ines = Stakeholder.objects.get(external_id="p-1")
    assert (ines.account, ines.role, ines.active) == (account, "exec_sponsor", True)
    assert Stakeholder.objects.get(external_id="p-2").active is False
    again = "external_id,function\np-1,Finance\n"
    assert csv_rows_import(kind="stakeholders", content=again)["updated"] == 1
    assert Stakeholder.objects.get(external_id="p-1").function == "Finance"


def test_a_stakeholder_of_an_unknown_account_refuses_the_file(alice):
    make_account(csm=alice, external_id="crm-1")
    content = (
        "external_id,account_external_id,name,role\n"
        "p-1,crm-1,Ines,champion\np-2,crm-404,Omar,champion\n"
    )
    errors = errors_of("stakeholders", content)
    assert errors == [{"row": 3, "column": "account_external_id",
                       "message": "no account has external_id 'crm-404'"}]  # fmt: skip
    assert not Stakeholder.objects.exists()


def test_an_import_rescores_the_accounts_it_touched(
    alice, django_capture_on_commit_callbacks, settings
):
    from health.models import CurrentHealth

    settings.CELERY_TASK_ALWAYS_EAGER = True
    content = accounts_csv("crm-1,Harbor Foods,smb,12000,10,2026-01-01,2027-01-01,alice")
    with django_capture_on_commit_callbacks(execute=True):
        csv_rows_import(kind="accounts", content=content)
    assert CurrentHealth.objects.filter(account__external_id="crm-1").exists()


def test_the_command_prints_the_mapping_a_progress_line_and_the_outcome(alice, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(accounts_csv("crm-1,Harbor Foods,smb,12000,10,2026-01-01,2027-01-01,alice"))
    out = StringIO()
    call_command("import_csv", "accounts", str(path), stdout=out)
    text = out.getvalue()
    assert "arr" in text and "writing: 1 of 1 rows (100%)" in text
    assert "Imported 1 accounts" in text and "1 created, 0 updated" in text


def test_the_command_lists_the_problems_and_fails_when_the_file_is_refused(alice, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(accounts_csv("crm-1,Harbor Foods,smb,lots,10,2026-01-01,2027-01-01,alice"))
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_csv", "accounts", str(path), stdout=StringIO(), stderr=err)
    assert "row 2, arr: 'lots' is not an amount of 0 or more" in err.getvalue()
    assert not Account.objects.exists()


def test_the_command_reads_slashed_dates_in_the_order_it_is_given(alice, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(accounts_csv("crm-1,Harbor Foods,smb,12000,10,03/04/2026,2027-01-01,alice"))
    call_command("import_csv", "accounts", str(path), "--date-order", "dmy", stdout=StringIO())
    assert Account.objects.get().contract_start == date(2026, 4, 3)
