"""The "Connect your data" walk-through in headless Chromium, as a VP of a new company lives it:
make a source, send events with the source's key, map them, then run the backtest on the
company's own history and read which churns Candor would have warned about."""

import json
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.health.outcomes import churn_portfolio

pytestmark = pytest.mark.browser


def send(live_server, key: str, batch: list) -> dict:
    request = urllib.request.Request(
        f"{live_server.url}/ingest/segment/v1/batch",
        data=json.dumps({"batch": batch}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def step(page, key: str):
    return page.locator(f"#step-{key}")


@pytest.fixture
def history(transactional_db, alice):
    return churn_portfolio(csm=alice, churners=3, stayers=3)


def test_a_vp_connects_a_source_maps_its_events_and_backtests_the_history(
    page, live_server, vera, history
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Connect data").click()
    assert "Missing" in step(page, "source").inner_text()
    assert "Done" in step(page, "import").inner_text()  # accounts with outcomes are loaded

    step(page, "source").get_by_role("link", name="Make a source").click()
    page.get_by_label("Name").fill("Product (Segment)")
    page.get_by_role("button", name="Create source").click()
    key = page.locator("#source-key").inner_text()

    assert send(live_server, key, [
        {"type": "group", "groupId": "acme", "userId": "u1", "traits": {"name": "Acme"},
         "messageId": "g1"},
        {"type": "track", "event": "Report Exported", "userId": "u1", "messageId": "t1"},
    ]) == {"success": True}  # fmt: skip

    page.goto(f"{live_server.url}/connect/")
    assert "Done" in step(page, "source").inner_text()
    assert "Done" in step(page, "send").inner_text()
    assert "Report Exported" in step(page, "map").inner_text()

    step(page, "map").get_by_role("link", name="The event map").click()
    page.get_by_label("Kind for Report Exported").select_option("report_generated")
    page.get_by_role("button", name="Save the event map").click()
    page.goto(f"{live_server.url}/connect/")
    assert "Done" in step(page, "map").inner_text()

    page.get_by_role("button", name="Run the backtest on my history").click()
    table = step(page, "backtest").locator("table")
    assert table.locator("tbody tr").count() == 3
    churned = {account.name for account in history if account.outcome == "churned"}
    assert churned == set(table.locator("tbody th").all_inner_texts())
    assert "needs at least 30" in step(page, "calibrate").inner_text()
