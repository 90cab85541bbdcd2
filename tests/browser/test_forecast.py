"""The renewal forecast and a component override in a real browser."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from forecast.models import ForecastCall
from health.models import ComponentOverride
from health.scoring.forecasting import quarters
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.factories import give_health, make_account
from tests.forecast.builders import adopt_flat_model

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tasks_inline")]


@pytest.fixture
def renewing(transactional_db, alice):
    adopt_flat_model(0.2)
    end = quarters(timezone.now().date(), 1)[0]["end"]
    account = make_account(csm=alice, name="Harbor Foods", arr=Decimal("100000"), renewal_date=end)
    give_health(account, overall=62, rag="amber", flags=["custom_terms"])
    ForecastCall.objects.create(account=account, call="lost", note="Budget gone", renewal_date=end,
                                arr=account.arr, made_by=alice, made_at=timezone.now())  # fmt: skip
    return account


def test_the_forecast_page_shows_the_quarter_and_the_disagreement(page, live_server, renewing):
    log_in(page, live_server, "alice", PASSWORD)
    page.get_by_role("link", name="Forecast").click()
    page.wait_for_url("**/forecast/")
    quarter = page.locator("table.forecast-quarters tbody tr").first
    assert "$100k\t$80k" in quarter.inner_text()  # up for renewal, then expected (x 0.8)
    disagreement = page.locator("table.disagreements tbody tr").first
    assert "Harbor Foods" in disagreement.inner_text() and "lost" in disagreement.inner_text()


def test_setting_an_override_shows_it_and_keeps_the_flag(page, live_server, renewing):
    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/accounts/{renewing.pk}/")
    page.get_by_text("Override a component").click()
    form = page.get_by_role("form", name="Override a component")
    form.get_by_label("Component").select_option("engagement")
    form.get_by_label("Value (0-100)").fill("90")
    form.get_by_label("Why").fill("Exec workshop booked")
    form.get_by_label("Until").fill((timezone.now().date() + timedelta(days=10)).isoformat())
    form.get_by_role("button", name="Set override").click()
    page.wait_for_url("**#overrides")
    shown = page.locator("[data-override=engagement]")
    assert "Engagement set to 90" in shown.inner_text()
    assert ComponentOverride.objects.get(account=renewing).author.username == "alice"
    assert "Handoff context missing" in page.content()  # rescored from the data: the flag stays
