"""Outcomes from the CRM: which accounts renewed or churned, and when, label the backtest."""

from datetime import date

import pandas as pd
import pytest

from accounts.imports import ImportRefused
from accounts.models import Account, CsvImport, TermsChange
from accounts.selectors import crm_data_imported
from accounts.services import csv_rows_import
from health.backtest import with_outcomes
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(alice):
    return [
        make_account(csm=alice, external_id=f"crm-{n}", contract_start=date(2024, 1, 1))
        for n in (1, 2, 3)
    ]


def refused_errors(content: str) -> list[dict]:
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="outcomes", content=content)
    return refused.value.errors


def test_imported_churns_are_the_churn_dates_the_backtest_reads(accounts):
    content = "Account ID,Outcome,Churn Date\ncrm-1,churned,2025-11-30\ncrm-2,Renewed,1/1/2025\n"
    assert csv_rows_import(kind="outcomes", content=content) == {
        "rows": 2, "created": 0, "updated": 2,
    }  # fmt: skip
    read = with_outcomes(pd.DataFrame({"account_id": [a.pk for a in accounts]}))
    assert read["churned_on"].tolist()[0] == pd.Timestamp("2025-11-30")
    assert read["churned_on"].isna().tolist() == [False, True, True]
    renewed = Account.objects.get(external_id="crm-2")
    assert (renewed.outcome, renewed.outcome_on) == ("renewed", date(2025, 1, 1))


def test_crm_words_for_an_outcome_are_understood(accounts):
    csv_rows_import(
        kind="outcomes", content="external_id,status,date\ncrm-1,Closed Lost,2025-06-01\n"
    )
    assert Account.objects.get(external_id="crm-1").outcome == "churned"


def test_an_outcome_for_an_account_candor_does_not_hold_refuses_the_file(accounts):
    content = (
        "external_id,outcome,outcome_on\ncrm-1,churned,2025-06-01\ncrm-404,churned,2025-06-01\n"
    )
    assert refused_errors(content) == [
        {"row": 3, "column": "external_id", "message": "no account has external_id 'crm-404'"}
    ]
    assert not Account.objects.filter(outcome="churned").exists()


def test_a_churn_without_its_day_is_refused(accounts):
    errors = refused_errors("external_id,outcome,outcome_on\ncrm-1,churned,\n")
    assert errors[0]["column"] == "outcome_on"
    assert "a churned account needs its outcome_on" in errors[0]["message"]


def test_an_outcome_row_without_an_outcome_is_refused(accounts):
    errors = refused_errors("external_id,outcome,outcome_on\ncrm-1,,2025-06-01\n")
    assert [(e["row"], e["column"]) for e in errors] == [(2, "outcome")]


def test_an_outcome_before_the_contract_start_is_refused(accounts):
    errors = refused_errors("external_id,outcome,outcome_on\ncrm-1,churned,2023-06-01\n")
    assert errors[0]["message"] == "outcome date is before the contract start"


def test_an_outcomes_file_creates_no_account(accounts):
    with pytest.raises(ImportRefused):
        csv_rows_import(
            kind="outcomes", content="external_id,outcome,outcome_on\nnew,churned,2025-06-01\n"
        )
    assert Account.objects.count() == 3


def test_a_churned_account_imported_with_its_outcome_opens_its_terms_history_as_a_churn(alice):
    content = (
        "external_id,name,arr,contract_start,renewal_date,csm,crm_status,outcome,outcome_on\n"
        "crm-9,Gone Co,1000,2024-01-01,2025-01-01,alice,Churned,churned,2024-10-01\n"
    )
    csv_rows_import(kind="accounts", content=content)
    history = TermsChange.objects.filter(account__external_id="crm-9").order_by("valid_from")
    assert [(t.valid_from, t.crm_status) for t in history] == [
        (date(2024, 1, 1), ""), (date(2024, 10, 1), "Churned"),
    ]  # fmt: skip


def test_what_the_crm_has_brought_in_is_counted_for_the_connect_page(accounts, alice):
    csv_rows_import(
        kind="outcomes", content="external_id,outcome,outcome_on\ncrm-1,churned,2025-06-01\n"
    )
    CsvImport.objects.create(kind="accounts", filename="a.csv", content="", created_by=alice,
                             status="done", created=3, finished_at="2026-12-01T10:00Z")  # fmt: skip
    imported = crm_data_imported()
    assert {
        k: imported[k]
        for k in ("accounts", "accounts_imported", "with_outcome", "churned", "renewed")
    } == {  # fmt: skip
        "accounts": 3,
        "accounts_imported": 3,
        "with_outcome": 1,
        "churned": 1,
        "renewed": 0,
    }
    assert imported["last_imported"]["accounts"] is not None
    assert imported["last_imported"]["outcomes"] is None
