"""The finance view reads figures kept from the last computation while the data they came from
is unchanged, so a request does not pass over the whole portfolio."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Account
from forecast.models import ForecastFigures
from forecast.selectors import forecast_figures_kept, page_key
from forecast.tasks import QUARTERS_ON_THE_PAGE, forecast_figures_sweep
from health.services import score_accounts
from tests.api.conftest import client_for
from tests.factories import give_health, make_account
from tests.forecast.builders import put_call, this_quarter_day

pytestmark = pytest.mark.django_db


def test_the_page_keeps_its_figures(client, alice, renewing):
    client.force_login(alice)
    client.get("/forecast/")
    kept = ForecastFigures.objects.get()
    assert kept.figures["forecast"]["quarters"][0]["renewal_count"] == 2


def test_the_page_reads_the_kept_figures_without_computing_them_again(
    client,
    alice,
    renewing,
    django_assert_max_num_queries,
):
    client.force_login(alice)
    client.get("/forecast/")
    cache.clear()
    with django_assert_max_num_queries(12):
        content = client.get("/forecast/").content.decode()
    assert "Big" in content


def test_a_new_call_is_shown_at_once(client, alice, renewing):
    big, _ = renewing
    client.force_login(alice)
    client.get("/forecast/")
    put_call(client_for(alice), big, "lost")
    assert "Where the CSM and the model disagree" in client.get("/forecast/").content.decode()
    assert "(alice" in client.get("/forecast/").content.decode()


def test_the_page_shows_the_first_renewals_of_a_quarter_and_how_many_there_are(
    client,
    alice,
    renewing,
):
    for i in range(30):
        make_account(csm=alice, name=f"Renewal {i:02d}", arr=Decimal("1000"),
                     renewal_date=this_quarter_day())  # fmt: skip
    client.force_login(alice)
    content = client.get("/forecast/").content.decode()
    assert "The 32 renewals, the first 25 by date" in content


def test_the_sweep_recomputes_the_portfolio_only_when_its_data_changed(alice, renewing):
    big, _ = renewing
    assert forecast_figures_sweep() is True
    assert forecast_figures_sweep() is False
    give_health(big, overall=20, rag="red")
    assert forecast_figures_sweep() is True


def test_the_sweep_drops_figures_older_than_two_days(alice, renewing):
    ForecastFigures.objects.create(
        key="an old scope", version="v", figures={},
        computed_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    forecast_figures_sweep()
    assert not ForecastFigures.objects.filter(key="an old scope").exists()


def test_a_whole_portfolio_run_keeps_the_figures_a_vp_opens_next(alice, renewing):
    score_accounts()
    scope = page_key(Account.objects.all(), QUARTERS_ON_THE_PAGE, timezone.now().date())
    assert forecast_figures_kept(*scope)["forecast"]["quarters"][0]["renewal_count"] == 2


def test_a_rescore_of_a_few_accounts_leaves_the_kept_figures_to_the_sweep(alice, renewing):
    big, _ = renewing
    score_accounts(account_ids=[big.pk])
    assert not ForecastFigures.objects.exists()


def test_beat_refreshes_the_figures_every_two_minutes_by_default(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-forecast-figures"]
    assert (entry["task"], entry["schedule"]) == ("forecast.tasks.forecast_figures_sweep", 120.0)
