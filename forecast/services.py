"""Writes of the forecast: a CSM's call on a renewal, and the finance view's kept figures."""

from django.db import transaction
from django.utils import timezone

from forecast.models import ForecastCall, ForecastFigures
from forecast.selectors import forecast_figures_kept, forecast_page_figures, page_key


@transaction.atomic
def forecast_call_set(*, account, call: str, note: str, user) -> ForecastCall:
    """Record `user`'s call on the account's next renewal: a new row, the earlier calls kept."""
    return ForecastCall.objects.create(
        account=account, call=call, note=note, renewal_date=account.renewal_date,
        arr=account.arr, made_by=user, made_at=timezone.now(),
    )  # fmt: skip


def forecast_page(*, accounts, quarters: int = 4, today=None) -> dict:
    """The finance view's figures for these accounts: the kept ones while the data they came
    from is unchanged, else computed now and kept (forecast.models.ForecastFigures)."""
    today = today or timezone.now().date()
    key, version = page_key(accounts, quarters, today)
    kept = forecast_figures_kept(key, version)
    if kept is not None:
        return kept
    return forecast_figures_refresh(accounts=accounts, quarters=quarters, today=today)


def forecast_figures_prune(*, before) -> int:
    """Drop the figures computed before `before`: a scope's key holds its day, so a kept row is
    never read again once the day has turned."""
    deleted, _ = ForecastFigures.objects.filter(computed_at__lt=before).delete()
    return deleted


def forecast_figures_refresh(*, accounts, quarters: int = 4, today=None) -> dict:
    """Compute and keep the finance view's figures for these accounts (one row per scope)."""
    today = today or timezone.now().date()
    key, version = page_key(accounts, quarters, today)
    figures = forecast_page_figures(accounts, quarters, today)
    ForecastFigures.objects.update_or_create(
        key=key,
        defaults={"version": version, "figures": figures, "computed_at": timezone.now()},
    )
    return figures
