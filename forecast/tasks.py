"""The finance view's figures refreshed by a worker, so the page reads them instead of passing
over the whole portfolio on a request."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from accounts.models import Account
from forecast.selectors import forecast_figures_kept, page_key
from forecast.services import forecast_figures_prune, forecast_figures_refresh

QUARTERS_ON_THE_PAGE = 4


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def forecast_figures_sweep() -> bool:
    """Recompute the whole portfolio's figures (what VPs and finance see) where the data they
    came from changed since (beat, every FORECAST_REFRESH_SECONDS), and drop any scope's figures
    older than two days. True when it recomputed."""
    forecast_figures_prune(before=timezone.now() - timedelta(days=2))
    accounts, today = Account.objects.all(), timezone.now().date()
    if forecast_figures_kept(*page_key(accounts, QUARTERS_ON_THE_PAGE, today)) is not None:
        return False
    forecast_figures_refresh(accounts=accounts, quarters=QUARTERS_ON_THE_PAGE, today=today)
    return True


def forecast_figures_after_run(**kwargs) -> bool:
    """health's `portfolio_scored` receiver: the sweep, at once, in the process that ran the
    scoring (a VP opening /forecast/ after the nightly run reads the figures, not waits for
    them)."""
    return forecast_figures_sweep()
