"""Acting on an account in a real browser: tick a step, dismiss with a note, snooze a flag,
set the CSM's sentiment."""

import pytest

from actions.models import Action, FlagSnooze, Sentiment
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.factories import give_health, make_account

pytestmark = pytest.mark.browser

STEPS = [
    {"text": "Screen-share until the user can explain the report back", "done": False},
    {"text": "Agree the outcome milestone and its date", "done": False},
]


@pytest.fixture
def account(transactional_db, alice):
    account = make_account(csm=alice, name="Harbor Foods")
    give_health(account, overall=62, rag="amber", flags=["checklist_illusion"],
                tasks_done=10, tasks_total=10)  # fmt: skip
    Action.objects.create(account=account, title="Prove capability, not checklist completion",
                          owner=alice, rule="flag_raised", flag="checklist_illusion",
                          steps=STEPS)  # fmt: skip
    Action.objects.create(account=account, title="Renewal at risk", owner=alice,
                          rule="renewal_at_risk", steps=[])  # fmt: skip
    return account


def open_account(page, live_server, account):
    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")


def test_ticking_a_step_keeps_it_ticked(page, live_server, account, tmp_path):
    open_account(page, live_server, account)
    page.get_by_role("button", name=f"Tick step 1: {STEPS[0]['text']}").click()
    page.wait_for_url("**#action-*")
    untick = page.get_by_role("button", name=f"Untick step 1: {STEPS[0]['text']}")
    assert untick.get_attribute("aria-pressed") == "true"
    assert page.get_by_text("1 of 2 steps done.").is_visible()
    assert page.get_by_text("it never moves the score").is_visible()
    action = Action.objects.get(flag="checklist_illusion")
    assert [step["done"] for step in action.steps] == [True, False]
    page.screenshot(path=tmp_path / "actions.png", full_page=True)


def test_dismissing_with_a_note_takes_the_action_off_the_list(page, live_server, account):
    open_account(page, live_server, account)
    form = page.get_by_role("form", name="Close “Renewal at risk”")
    form.get_by_label("What happened").fill("Renewed early at full price")
    form.get_by_role("button", name="Dismiss").click()
    page.wait_for_url("**#actions")
    assert page.get_by_text("Action dismissed: Renewal at risk.").is_visible()
    assert page.locator("#actions article h3", has_text="Renewal at risk").count() == 0
    action = Action.objects.get(rule="renewal_at_risk")
    assert (action.status, action.outcome_note) == ("dismissed", "Renewed early at full price")


def test_snoozing_a_flag_keeps_it_visible_with_who_and_why(page, live_server, account):
    open_account(page, live_server, account)
    flag = page.locator("#flag-checklist_illusion")
    flag.get_by_text("Snooze this flag's alerts").click()
    flag.get_by_label("Because").fill("Training is booked for Monday")
    flag.get_by_label("Raise it again after (days)").fill("14")
    flag.get_by_role("button", name="Snooze alerts").click()
    page.wait_for_url("**#flag-checklist_illusion")
    note = page.locator("#flag-checklist_illusion .snoozed")
    assert "by alice because “Training is booked for Monday”" in note.inner_text()
    assert page.locator("#flag-checklist_illusion li").count() >= 1  # its reasons stay
    assert page.locator(".headline-score .badge.amber").is_visible()
    assert FlagSnooze.objects.get().flag == "checklist_illusion"


def test_setting_sentiment_shows_it_beside_the_score(page, live_server, account):
    open_account(page, live_server, account)
    page.get_by_text("Set your sentiment").click()
    form = page.get_by_role("form", name="Set your sentiment")
    form.get_by_label("Your read").select_option("green")
    form.get_by_label("Why").fill("The sponsor renewed her team's seats")
    form.get_by_role("button", name="Save sentiment").click()
    page.wait_for_url("**#sentiment")
    block = page.locator("#sentiment")
    assert "CSM says" in block.inner_text() and "Green" in block.inner_text()
    assert "The sponsor renewed her team's seats" in block.inner_text()
    assert Sentiment.objects.get().rating == "green"


def test_sentiment_against_the_data_is_called_out(page, live_server, transactional_db, alice):
    red = make_account(csm=alice, name="Quay Metals")
    give_health(red, overall=31, rag="red")
    open_account(page, live_server, red)
    page.get_by_text("Set your sentiment").click()
    form = page.get_by_role("form", name="Set your sentiment")
    form.get_by_label("Your read").select_option("green")
    form.get_by_label("Why").fill("The sponsor says they will renew")
    form.get_by_role("button", name="Save sentiment").click()
    page.wait_for_url("**#sentiment")
    notice = page.locator("#sentiment .disagreement")
    assert notice.inner_text().startswith("The CSM says green; the data says red.")
    page.goto(f"{live_server.url}/")
    assert page.locator(".chip.disagreement", has_text="CSM says green").is_visible()
