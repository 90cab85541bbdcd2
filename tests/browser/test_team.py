"""The team page in a real browser, as the demo's team lead sees it, at desktop and phone widths."""

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_team_lead_opens_the_team_and_drills_into_a_csms_book(page, live_server, portfolio):
    log_in(page, live_server, "hannah")
    page.get_by_role("link", name="Team", exact=True).click()
    page.wait_for_url("**/team/")
    rows = page.locator("table.team tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == [
        "maya", "omar", "tom"
    ]  # fmt: skip
    rows.filter(has_text="omar").get_by_role("link", name="omar").click()
    page.wait_for_url("**/?csm=omar")
    assert page.get_by_role("heading", name="omar's book").is_visible()


def test_the_team_page_is_a_card_per_csm_on_a_phone(page, live_server, portfolio):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "hannah")
    page.goto(f"{live_server.url}/team/")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    first = page.locator("table.team tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == "grid"
    assert first.locator("td[data-label='Overdue']").is_visible()
