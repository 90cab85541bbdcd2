"""The portfolio's aggregates are computed at the end of a scoring run and read by the page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from accounts.models import Account
from health import portfolio_figures as figures_module
from health.models import CurrentHealth
from health.portfolio import score_validity
from health.portfolio_figures import (
    FIGURES_KEY,
    _computed,
    portfolio_figures,
    portfolio_figures_refresh,
)
from health.services import score_accounts
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(alice, bob):
    red = make_account(csm=alice, arr=Decimal("400000"))
    give_health(red, overall=25, rag="red", flags=["checklist_illusion"])
    green = make_account(csm=bob, arr=Decimal("90000"))
    give_health(green, overall=90, rag="green")
    churned = make_account(csm=bob, arr=Decimal("50000"), outcome="churned")
    churned.outcome_on = days_ago(10)
    churned.save()
    give_health(churned, overall=20, rag="red", as_of=days_ago(45))
    return Account.objects.all()


def live(accounts) -> dict:
    return _computed(accounts, score_validity(accounts))


def without_edits(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if key not in ("edits", "version")}


def test_the_figures_a_run_computed_equal_the_live_computation(portfolio):
    portfolio_figures_refresh()
    assert without_edits(portfolio_figures(Account.objects.all())) == live(portfolio)


def test_the_page_reads_the_figures_without_recomputing_them(portfolio, monkeypatch):
    portfolio_figures_refresh()

    def recomputed(*args, **kwargs):
        raise AssertionError("recomputed on the request")

    monkeypatch.setattr(figures_module, "portfolio_rollup", recomputed)
    monkeypatch.setattr(figures_module, "score_validity", recomputed)
    assert portfolio_figures(Account.objects.all())["rollup"]


def test_a_whole_portfolio_scoring_run_refreshes_the_figures(alice):
    account = make_account(csm=alice, arr=Decimal("70000"), contract_start=date(2025, 1, 1))
    portfolio_figures_refresh()
    assert [row["current_health__rag"] for row in cache.get(FIGURES_KEY)["rollup"]] == [None]
    score_accounts()
    rag = CurrentHealth.objects.get(account=account).rag
    assert [row["current_health__rag"] for row in cache.get(FIGURES_KEY)["rollup"]] == [rag]


def test_an_edited_account_makes_the_page_compute_afresh(portfolio, alice):
    portfolio_figures_refresh()
    added = make_account(csm=alice, arr=Decimal("30000"))
    give_health(added, overall=50, rag="amber")
    assert without_edits(portfolio_figures(Account.objects.all())) == live(portfolio)


def test_a_book_smaller_than_the_portfolio_is_computed_for_itself(portfolio, alice):
    portfolio_figures_refresh()
    book = Account.objects.filter(csm=alice)
    assert without_edits(portfolio_figures(book)) == live(book)
