"""/my-work/ in a real browser, at desktop and phone widths: the morning's list, closing two
actions at once with a note, the navigation's count."""

import pytest

from actions.models import Action
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.browser


@pytest.fixture
def work(transactional_db, alice):
    harbor = make_account(csm=alice, name="Harbor Foods", arr=120_000)
    give_health(harbor, overall=35, rag="red")
    quay = make_account(csm=alice, name="Quay Metals")
    give_health(quay, overall=62, rag="amber")
    steps = [{"text": "Call the operating owner", "done": False}]
    for account, title, due in [(harbor, "Find out why it went red", -2),
                                (quay, "Replace the champion who left", 0),
                                (quay, "Know the custom terms", 5)]:  # fmt: skip
        Action.objects.create(account=account, title=title, owner=alice, steps=steps,
                              due_on=days_ago(-due))  # fmt: skip


def open_my_work(page, live_server):
    log_in(page, live_server, "alice", PASSWORD)
    page.get_by_role("link", name="My work").click()
    page.wait_for_url("**/my-work/")


def test_the_morning_list_groups_by_due_and_counts_in_the_navigation(
    page, live_server, work, tmp_path
):
    open_my_work(page, live_server)
    assert page.get_by_label("3 open actions of yours").is_visible()
    assert page.get_by_role("heading", name="Overdue (1)").is_visible()
    assert page.get_by_role("heading", name="Due today (1)").is_visible()
    overdue = page.locator("#due-overdue tbody tr")
    assert "Harbor Foods" in overdue.inner_text() and "Call the operating owner" in (
        overdue.inner_text())  # fmt: skip
    page.screenshot(path=tmp_path / "my-work.png", full_page=True)


def test_closing_two_actions_at_once_with_a_note(page, live_server, work):
    open_my_work(page, live_server)
    page.get_by_label("Select “Find out why it went red” on Harbor Foods").check()
    page.get_by_label("Select “Replace the champion who left” on Quay Metals").check()
    page.get_by_label("Do").select_option("close")
    page.get_by_label("Outcome note").fill("Covered at the QBR")
    page.get_by_role("button", name="Apply to ticked").click()
    page.wait_for_load_state()
    assert page.get_by_text("Close: 2 actions.").is_visible()
    assert page.get_by_label("1 open action of yours").is_visible()
    assert set(Action.objects.filter(status="done").values_list("outcome_note", flat=True)) == {
        "Covered at the QBR"}  # fmt: skip


def test_my_work_is_usable_at_phone_width(page, live_server, work, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    open_my_work(page, live_server)
    assert page.get_by_role("link", name="Harbor Foods").is_visible()
    assert page.get_by_role("button", name="Apply to ticked").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=tmp_path / "my-work-phone.png", full_page=True)
