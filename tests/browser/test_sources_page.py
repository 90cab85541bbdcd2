"""A VP connects a product in a real browser: makes a source and sees its key once, sends an
event with the real Segment library, sees it in the debugger as unmapped, maps it in the event
map, and sees it become a signal."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account
from signals.models import Signal
from sources import raw
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tasks_inline")]


@pytest.fixture
def acme(transactional_db, alice, vera):
    raw._known.clear()
    yield Account.objects.create(
        external_id="acme", name="Acme", arr=Decimal("50000"), contract_start=date(2026, 1, 1),
        renewal_date=date(2027, 1, 1), csm=alice,
    )  # fmt: skip
    raw._known.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {raw.TABLE}")


def send_export(live_server, key):
    from segment.analytics import Client

    client = Client(write_key=key, host=f"{live_server.url}/ingest/segment", max_retries=0)
    client.track("u1", "Report Exported", {"format": "pdf"}, context={"groupId": "acme"})
    client.flush()
    client.shutdown()


def test_a_vp_makes_a_source_sees_its_key_and_maps_an_event_seen_in_the_debugger(
    page, live_server, acme
):
    log_in(page, live_server, "vera", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    page.get_by_label("Name").fill("Product (Segment)")
    page.get_by_role("button", name="Create source").click()
    key = page.locator("#source-key").inner_text()
    assert re.fullmatch(r"cds_[\w-]{40,}", key)
    assert key in page.locator("pre").first.inner_text()  # the snippets carry it, this once

    send_export(live_server, key)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    page.get_by_role("link", name="Product (Segment)").click()
    debugger = page.locator("#debugger")
    assert "Skipped: unmapped" in debugger.inner_text()
    assert page.locator("#source-key").count() == 0  # never shown again

    page.get_by_label("Kind for Report Exported").select_option("export")
    page.get_by_label("Value property for Report Exported").fill("format")
    page.get_by_role("button", name="Save the event map").click()
    page.wait_for_url(re.compile(r"/sources/\d+/$"))
    assert "Signal stored" in page.locator("#debugger").inner_text()
    assert Signal.objects.get(account=acme).value == "pdf"
