"""The public churn loader maps rows onto accounts, a contact and signals, through the API only."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest

from accounts.models import Account
from bench.load_public_churn import ApiError, load, map_row, read_rows
from signals.models import Signal
from tests.bench.api_client import InProcessApi

TODAY = date(2026, 12, 1)
CSV = """\
product_data_storage,product_travel_expense,product_payroll,product_accounting,csat_score,articles_viewed,smartphone_notifications_viewed,marketing_emails_clicked,social_media_ads_viewed,minutes_customer_support,company_size,us_region,months_active,churned
2048,Free-Trial,Active,No,9,4,0,14,1,8.3,10-50,West North Central,3.0,1.0
500,Active,Free-Trial,Active,10,0,2,14,0,0.0,50-100,East South Central,8.0,0.0
"""


@pytest.fixture
def rows(tmp_path):
    path = tmp_path / "churn.csv"
    path.write_text(CSV)
    return read_rows(path)


def test_a_churned_row_ends_months_active_after_it_started(rows):
    mapped = map_row(0, rows[0], today=TODAY, csm="alice")
    start = date.fromisoformat(mapped.account["contract_start"])
    churned_on = date.fromisoformat(mapped.account["outcome_on"])
    assert mapped.account["outcome"] == "churned"
    assert 90 <= (churned_on - start).days < 120  # three months
    assert churned_on < TODAY


def test_signals_fall_within_the_accounts_life_and_never_in_the_future(rows):
    for index, row in enumerate(rows):
        mapped = map_row(index, row, today=TODAY, csm="alice")
        start = date.fromisoformat(mapped.account["contract_start"])
        end = date.fromisoformat(mapped.account["outcome_on"] or TODAY.isoformat())
        for signal in mapped.signals:
            assert start <= datetime.fromisoformat(signal["occurred_at"]).date() < end


def test_active_products_are_used_weekly_and_marketing_is_not_sent(rows):
    mapped = map_row(1, rows[1], today=TODAY, csm="alice")
    used = {s["value"] for s in mapped.signals if s["kind"] == "feature_used"}
    assert used == {"travel_expense", "accounting", "payroll"}  # payroll on trial
    weekly = [s for s in mapped.signals if s["value"] == "accounting"]
    assert len(weekly) >= 34  # eight months of weeks
    assert {s["kind"] for s in mapped.signals} <= {
        "feature_used", "login", "support_ticket", "confidence_survey",
    }  # fmt: skip


def test_load_writes_accounts_contacts_and_signals_through_the_api(rows, vera, alice):
    mapped = [map_row(i, row, today=TODAY, csm="alice") for i, row in enumerate(rows)]
    summary = load(InProcessApi(vera), mapped, out=StringIO())
    assert summary["accounts"] == 2 and summary["churned"] == 1
    churned = Account.objects.get(external_id="pysurvival-churn-0000")
    assert (churned.outcome, churned.csm, churned.stakeholders.count()) == ("churned", alice, 1)
    assert Signal.objects.count() == summary["signals"] == sum(len(m.signals) for m in mapped)
    assert not Signal.objects.filter(occurred_at__gt=datetime.now(UTC)).exists()


def test_load_refuses_through_the_api_when_a_csm_writes_into_anothers_book(rows, alice, bob):
    mapped = [map_row(0, rows[0], today=TODAY, csm="bob")]
    with pytest.raises(ApiError, match="400"):
        load(InProcessApi(alice), mapped, out=StringIO())
    assert not Account.objects.exists()


def test_a_second_load_resumes_without_duplicating_anything(rows, vera, alice):
    mapped = [map_row(i, row, today=TODAY, csm="alice") for i, row in enumerate(rows)]
    load(InProcessApi(vera), mapped[:1], out=StringIO())
    load(InProcessApi(vera), mapped, out=StringIO())
    assert Account.objects.count() == 2
    assert Signal.objects.count() == sum(len(m.signals) for m in mapped)
    assert all(account.stakeholders.count() == 1 for account in Account.objects.all())


def test_terms_renew_yearly_from_the_start_up_to_the_accounts_last_day(rows):
    mapped = map_row(1, rows[1], today=TODAY, csm="alice").account  # eight months active
    assert mapped["last_renewed_on"] is None
    assert date.fromisoformat(mapped["renewal_date"]) > TODAY


def test_a_company_older_than_a_year_renewed_on_its_last_anniversary(rows):
    row = {**rows[1], "months_active": "30.0"}
    mapped = map_row(1, row, today=TODAY, csm="alice").account
    start = date.fromisoformat(mapped["contract_start"])
    renewed = date.fromisoformat(mapped["last_renewed_on"])
    assert (renewed.year - start.year, renewed.month, renewed.day) == (2, start.month, start.day)
    assert renewed < TODAY < date.fromisoformat(mapped["renewal_date"])
