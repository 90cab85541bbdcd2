"""/playbooks/ in a real browser: a VP edits a playbook's steps from the page, at desktop and
phone widths."""

import pytest

from accounts.services import user_create_with_role
from actions.models import Playbook
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def playbook(transactional_db):
    user_create_with_role(username="rachel", password="candor-demo", role="vp")
    found, _ = Playbook.objects.update_or_create(
        code="champion_left",
        defaults={"title": "Replace the champion who left", "steps": ["Find who inherited it"]},
    )
    return found


def test_a_vp_edits_a_playbooks_steps_from_the_page(page, live_server, playbook):
    log_in(page, live_server, "rachel")
    page.get_by_role("link", name="Playbooks", exact=True).click()
    page.wait_for_url("**/playbooks/")
    page.get_by_role("link", name="Replace the champion who left").click()
    page.get_by_label("Steps (one a line)").fill("Find who inherited it\nMeet them within a week")
    page.get_by_role("button", name="Save playbook").click()
    page.wait_for_url("**/playbooks/")
    row = page.locator("table.playbooks tbody tr", has_text="Replace the champion who left")
    assert row.locator("td").nth(1).inner_text() == "2"
    playbook.refresh_from_db()
    assert playbook.steps == ["Find who inherited it", "Meet them within a week"]


def test_the_playbooks_page_fits_a_phone(page, live_server, playbook):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rachel")
    page.goto(f"{live_server.url}/playbooks/")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.get_by_role("link", name="Replace the champion who left").click()
    assert page.get_by_label("Steps (one a line)").is_visible()
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
