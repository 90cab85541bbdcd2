"""/roadmap/ in a real browser, at desktop and phone widths: a product manager sees the gap
first, drills to an account, and moves an item's status."""

import pytest

from accounts.models import RoadmapItem
from accounts.services import user_create_with_role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.roadmap.builders import build_portfolio

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tasks_inline")]


@pytest.fixture
def promised(transactional_db, alice, bob):
    user_create_with_role(username="paula", role="product", password=PASSWORD)
    return build_portfolio(alice, bob)


def open_roadmap(page, live_server):
    log_in(page, live_server, "paula", PASSWORD)
    page.get_by_role("link", name="Roadmap").click()
    page.wait_for_url("**/roadmap/")


def test_the_gap_comes_first_and_drills_to_the_account(page, live_server, promised):
    open_roadmap(page, live_server)
    first = page.locator("section.roadmap-item").first
    assert first.get_by_role("heading").inner_text().startswith("Audit log")
    assert "told “coming soon”; product: under consideration" in first.inner_text()
    first.get_by_role("link", name="Dune").click()
    page.wait_for_url(f"**/accounts/{promised.d.pk}/")
    assert page.get_by_role("link", name="Audit log").is_visible()


def test_a_product_manager_moves_an_item_from_the_page(page, live_server, promised):
    open_roadmap(page, live_server)
    sso = page.locator("section.roadmap-item", has_text="SSO")
    sso.get_by_label("Product status").select_option("declined")
    sso.get_by_role("button", name="Change status").click()
    page.wait_for_url("**/roadmap/")
    assert RoadmapItem.objects.get(title="SSO").product_status == "declined"
    assert "2 in a commitment gap" in page.locator("section.roadmap-item").first.inner_text()


def test_the_roadmap_fits_a_phone(page, live_server, promised, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    open_roadmap(page, live_server)
    assert page.locator("table.roadmap-promises").first.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=tmp_path / "roadmap-phone.png", full_page=True)
