"""What a person would check, in a real browser, on a seeded and scored portfolio."""

import os

import pytest
from django.core.management import call_command

from accounts.models import Account, Decision
from dashboard.book import BookFilters, book_queryset
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "unscored": 3}


def csm_with_red_accounts() -> str:
    """A CSM whose riskiest account (the book's default order) is red."""
    for account in Account.objects.filter(current_health__rag="red").select_related("csm"):
        if book_queryset(account.csm, BookFilters()).first() == account:
            return account.csm.username
    raise AssertionError("The seeded portfolio has no book led by a red account.")


@pytest.fixture
def red_led_portfolio(transactional_db):
    """A 40-account seed in which a red account leads a CSM's book (red is rare in a small
    demo portfolio: six flags cap at amber)."""
    call_command("seed_demo", accounts=40, seed=7, stdout=open(os.devnull, "w"))
    call_command("score", backfill=35, stdout=open(os.devnull, "w"))


def test_csm_book_puts_red_accounts_at_the_top(page, live_server, red_led_portfolio, tmp_path):
    log_in(page, live_server, csm_with_red_accounts())
    rags = page.locator("table.book tbody tr").evaluate_all("rows => rows.map(r => r.dataset.rag)")
    assert rags[0] == "red"
    assert rags.index("green") > max(i for i, rag in enumerate(rags) if rag == "red")
    page.screenshot(path=tmp_path / "book.png", full_page=True)


def test_a_filter_narrows_the_list(page, live_server, portfolio):
    log_in(page, live_server, "rachel")
    before = page.locator("table.book tbody tr").count()
    page.get_by_label("Health").select_option("red")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**rag=red**")
    rags = page.locator("table.book tbody tr").evaluate_all("rows => rows.map(r => r.dataset.rag)")
    assert 0 < len(rags) < before
    assert set(rags) == {"red"}


def test_a_flag_chip_leads_to_its_reasons(page, live_server, portfolio, tmp_path):
    log_in(page, live_server, "rachel")
    chip = page.locator("a.chip", has_text="Checklist illusion").first
    chip.click()
    page.wait_for_url("**#flag-checklist_illusion")
    reasons = page.locator("#flag-checklist_illusion li")
    assert reasons.count() >= 1
    assert "checklist tasks are done" in reasons.first.inner_text()
    page.screenshot(path=tmp_path / "account.png", full_page=True)


def test_the_account_chart_renders_with_data(page, live_server, portfolio):
    log_in(page, live_server, "rachel")
    page.locator("table.book tbody tr th a").first.click()
    page.wait_for_selector("#history-chart svg.main-svg")
    points = page.locator("#history-chart .scatterlayer .trace").count()
    assert points >= 2


def test_a_csm_cannot_reach_another_csms_account(page, live_server, portfolio):
    other = Account.objects.exclude(csm__username="maya").first()
    log_in(page, live_server, "maya")
    response = page.goto(f"{live_server.url}/accounts/{other.pk}/")
    assert response.status == 404


def test_a_logged_decision_appears_in_the_log(page, live_server, portfolio):
    account = Account.objects.filter(csm__username="tom").exclude(outcome="churned").first()
    log_in(page, live_server, "tom")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    form = page.get_by_role("form", name="Log a decision")
    form.get_by_label("Summary").fill("Finance signs off the ROI formula by Friday")
    form.get_by_label("Decided on").fill("2026-11-20")
    form.get_by_role("button", name="Log decision").click()
    page.wait_for_url("**#decisions")
    logged = page.locator("#decisions table").get_by_role(
        "cell", name="Finance signs off the ROI formula"
    )
    assert logged.first.is_visible()
    assert Decision.objects.filter(account=account, summary__startswith="Finance signs").exists()


def test_vp_portfolio_renders_its_charts(page, live_server, portfolio, tmp_path):
    log_in(page, live_server, "rachel")
    page.get_by_role("link", name="Portfolio").click()
    page.wait_for_selector("#arr-by-rag svg.main-svg")
    assert page.locator("#arr-by-rag .bars .point").count() >= 2
    assert page.get_by_role("heading", name="Where the dashboard lies").is_visible()
    assert page.get_by_role("heading", name="Score validity").is_visible()
    page.screenshot(path=tmp_path / "portfolio.png", full_page=True)


def test_book_is_usable_at_phone_width(page, live_server, portfolio, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "rachel")
    assert page.get_by_role("button", name="Apply").is_visible()
    assert page.locator("table.book").is_visible()
    page.screenshot(path=tmp_path / "book-phone.png")


def test_api_docs_render_offline_for_a_signed_in_person(page, live_server, transactional_db, vera):
    log_in(page, live_server, "vera", PASSWORD)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock", has_text="/api/v1/signals/").count() >= 1
