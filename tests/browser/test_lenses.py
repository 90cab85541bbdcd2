"""The Sales and Finance lenses in a real browser, at desktop and phone widths."""

import pytest

from accounts.models import Account
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

# The lenses' hand-computed portfolio and its people, as fixtures of this module.
from tests.lenses.builders import deals, fiona, sam, terms, tina  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844}


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.usefixtures("deals", "sam")
def test_an_ae_follows_a_close_quarter_down_to_the_account(page, live_server):
    log_in(page, live_server, "sam", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales").click()
    page.wait_for_url("**/sales/")
    row = page.locator("table.sales-sellers tbody tr").first
    assert "2026-Q1" in row.inner_text() and "$150k" in row.inner_text()
    row.get_by_role("link", name="sam").click()
    page.wait_for_url("**/sales/deals/**")
    page.get_by_role("link", name="A1").click()
    page.wait_for_url(f"**/accounts/{Account.objects.get(name='A1').pk}/")


@pytest.mark.usefixtures("deals", "sam")
def test_the_sales_lens_fits_a_phone(page, live_server):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "sam", PASSWORD)
    page.goto(f"{live_server.url}/sales/")
    assert page.locator("table.sales-quarters").is_visible()
    assert not scrolls_sideways(page)
    page.screenshot(path="/tmp/candor-24-sales-phone.png", full_page=True)


@pytest.mark.usefixtures("terms", "fiona")
def test_finance_counts_the_structures_and_drills_into_a_deviation(page, live_server):
    log_in(page, live_server, "fiona", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Terms").click()
    page.wait_for_url("**/terms/")
    assert page.locator("[data-structures]").inner_text() == "3"
    page.locator("table.terms-deviations").get_by_role("link", name="payment_terms").first.click()
    page.wait_for_url("**/terms/accounts/**")
    names = page.locator("table.term-accounts tbody th").all_inner_texts()
    assert sorted(names) == ["T3", "T4"]  # payment_terms: net_60, the first row


@pytest.mark.usefixtures("terms", "fiona")
def test_the_terms_lens_fits_a_phone(page, live_server):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "fiona", PASSWORD)
    page.goto(f"{live_server.url}/terms/")
    assert page.locator("[data-structures]").is_visible()
    assert not scrolls_sideways(page)
    page.screenshot(path="/tmp/candor-24-terms-phone.png", full_page=True)
