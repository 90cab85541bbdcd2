"""Every portfolio figure, checked against a small hand-built book (the page reads them set-based)."""

from decimal import Decimal

import pytest

from accounts.models import Account, Commitment
from dashboard.book import BookFilters, book_queryset
from dashboard.portfolio_page import riskiest_accounts
from health.portfolio import (
    commitment_debt,
    csm_trend,
    lying_dashboards,
    portfolio_rollup,
    score_validity,
    score_validity_remembered,
    summarise,
)
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(alice, bob):
    red = make_account(csm=alice, arr=Decimal("400000"))
    give_health(red, overall=25, rag="red", flags=["checklist_illusion", "custom_terms"])
    amber = make_account(csm=alice, arr=Decimal("20000"), crm_status="Live")
    give_health(amber, overall=55, rag="amber", flags=["renewal_without_engagement"])
    green = make_account(csm=alice, arr=Decimal("90000"), crm_status="Pending")
    give_health(green, overall=90, rag="green")
    unscored = make_account(csm=bob, arr=Decimal("10000"), last_renewed_on=days_ago(100))
    churned = make_account(csm=bob, arr=Decimal("999000"), outcome="churned")
    give_health(churned, overall=10, rag="red", flags=["checklist_illusion"])
    return {"red": red, "amber": amber, "green": green, "unscored": unscored}


def figures():
    return summarise(portfolio_rollup(Account.objects.all()))


def test_arr_by_health_counts_active_accounts_only(book):
    assert figures()["by_rag"] == {
        "red": {"accounts": 1, "arr": 400000.0},
        "amber": {"accounts": 1, "arr": 20000.0},
        "green": {"accounts": 1, "arr": 90000.0},
        "unknown": {"accounts": 0, "arr": 0.0},
        "unscored": {"accounts": 1, "arr": 10000.0},
    }


def test_an_account_counts_under_each_of_its_flags(book):
    by_flag = figures()["by_flag"]
    for code in ("checklist_illusion", "custom_terms"):
        assert (by_flag[code]["accounts"], by_flag[code]["arr"]) == (1, 400000.0)
    assert by_flag["renewal_without_engagement"]["arr"] == 20000.0
    assert by_flag["stale_data"] == {"label": "Stale data", "accounts": 0, "arr": 0.0}


def test_books_by_csm_split_rag_and_arr_at_risk(book):
    by_csm = figures()["by_csm"]
    assert list(by_csm) == ["alice", "bob"]
    assert by_csm["alice"] == {"accounts": 3, "arr": 510000.0, "red": 1, "amber": 1,
                               "green": 1, "unknown": 0, "arr_at_risk": 420000.0}  # fmt: skip
    assert by_csm["bob"] == {"accounts": 1, "arr": 10000.0, "red": 0, "amber": 0,
                             "green": 0, "unknown": 0, "arr_at_risk": 0.0}  # fmt: skip


def test_lying_dashboards_compare_the_crm_with_the_flags(book):
    lying = lying_dashboards(portfolio_rollup(Account.objects.all()))
    assert lying == {
        "crm_onboarded": 3,  # two "Onboarded", one "Live"; not "Pending"
        "crm_onboarded_but_not_capable": 1,
        "checklist_illusion_arr": 400000.0,
        "renewed_last_year": 1,
        "renewal_without_engagement": 1,
        "renewal_without_engagement_arr": 20000.0,
    }


def test_csm_trend_compares_today_with_the_last_scoring_day_30_days_ago(book):
    give_health(book["red"], overall=45, rag="amber", as_of=days_ago(35))
    give_health(book["green"], overall=80, rag="green", as_of=days_ago(35))
    give_health(book["green"], overall=10, rag="red", as_of=days_ago(50))
    trend = csm_trend(Account.objects.all(), portfolio_rollup(Account.objects.all()))
    assert trend["alice"]["now"] == pytest.approx((25 + 55 + 90) / 3)
    assert trend["alice"]["then"] == pytest.approx((45 + 80) / 2)
    assert trend["alice"]["change"] == pytest.approx((25 + 55 + 90) / 3 - 62.5)
    assert trend["bob"] == {"now": None, "then": None, "change": None}


@pytest.fixture
def ended(alice):
    churned = make_account(csm=alice, outcome="churned", outcome_on=days_ago(40))
    give_health(churned, overall=80, rag="green", as_of=days_ago(95))
    give_health(churned, overall=30, rag="red", as_of=days_ago(75))  # newest before day 70
    give_health(churned, overall=75, rag="green", as_of=days_ago(120))  # 60 days before
    renewed = make_account(csm=alice, outcome="renewed", outcome_on=days_ago(10))
    give_health(renewed, overall=85, rag="green", as_of=days_ago(45))
    give_health(renewed, overall=20, rag="red", as_of=days_ago(200))  # too old for any horizon
    make_account(csm=alice, outcome="renewed", outcome_on=None)
    return churned, renewed


def test_score_validity_uses_the_newest_score_in_the_30_days_before_each_horizon(ended):
    rows = {row["horizon"]: row for row in score_validity(Account.objects.all())["rows"]}
    assert rows[30] == {"horizon": 30, "churned_caught": 1, "churned_missed": 0,
                        "churned_unknown": 0, "renewed_green": 1, "renewed_flagged": 0,
                        "renewed_unknown": 0, "churned_caught_share": 1.0}  # fmt: skip
    assert (rows[60]["churned_missed"], rows[60]["renewed_unknown"]) == (1, 1)
    assert (rows[90]["churned_unknown"], rows[90]["renewed_unknown"]) == (1, 1)


def test_score_validity_without_history_says_so(alice):
    make_account(csm=alice, outcome="churned", outcome_on=days_ago(40))
    assert score_validity(Account.objects.all())["has_history"] is False


def promise(account, status="under_consideration", told="Coming soon.", due=None):
    return Commitment.objects.create(
        account=account, title="SSO", told_customer=told, product_status=status, due_on=due
    )


def test_commitment_debt_counts_open_promises_by_deal_age(alice):
    young = make_account(csm=alice, contract_start=days_ago(100))
    promise(young, due=days_ago(5))
    promise(young, status="declined", due=days_ago(-30))
    promise(young, status="shipped")
    promise(young, told="")
    old = make_account(csm=alice, contract_start=days_ago(800), renewal_date=days_ago(-30))
    promise(old)
    gone = make_account(csm=alice, contract_start=days_ago(100), outcome="churned")
    promise(gone, due=days_ago(5))
    debt = {row["label"]: row for row in commitment_debt(Account.objects.all())}
    young_debt = debt["< 6 months"]
    assert (young_debt["commitments"], young_debt["accounts"], young_debt["overdue"]) == (2, 1, 1)
    assert debt["2+ years"]["commitments"] == 1
    assert debt["6–12 months"]["commitments"] == debt["1–2 years"]["commitments"] == 0


def test_riskiest_accounts_are_the_top_of_the_full_risk_ordering(alice):
    for i in range(40):
        account = make_account(csm=alice, arr=Decimal(5000 + 37_000 * (i % 13)))
        give_health(account, overall=(i * 29) % 100, rag="amber")
    huge = make_account(csm=alice, arr=Decimal("1500000"), renewal_date=days_ago(-30))
    give_health(huge, overall=85, rag="green")
    everyone = Account.objects.all()
    expected = list(book_queryset(None, BookFilters(), base=everyone)[:15])
    assert riskiest_accounts(everyone) == expected
    assert huge in expected, "a green account with enough ARR outranks small red ones"


def test_riskiest_accounts_of_a_small_portfolio_are_all_of_them(alice):
    accounts = [make_account(csm=alice, arr=Decimal(1000 * (i + 1))) for i in range(3)]
    assert riskiest_accounts(Account.objects.all()) == accounts[::-1]


def test_remembered_score_validity_follows_new_history_and_outcomes(ended, alice):
    accounts = Account.objects.all()
    assert score_validity_remembered(accounts) == score_validity(accounts)
    churned = make_account(csm=alice, outcome="churned", outcome_on=days_ago(5))
    give_health(churned, overall=20, rag="red", as_of=days_ago(40))
    assert score_validity_remembered(accounts) == score_validity(accounts)
