"""Writes of the forecast: a CSM's call on a renewal."""

from django.db import transaction
from django.utils import timezone

from forecast.models import ForecastCall


@transaction.atomic
def forecast_call_set(*, account, call: str, note: str, user) -> ForecastCall:
    """Record `user`'s call on the account's next renewal: a new row, the earlier calls kept."""
    return ForecastCall.objects.create(
        account=account, call=call, note=note, renewal_date=account.renewal_date,
        arr=account.arr, made_by=user, made_at=timezone.now(),
    )  # fmt: skip
