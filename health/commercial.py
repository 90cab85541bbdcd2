"""The price change at each account's last renewal, as a feature column for the Commercial
component (`price_change_at_renewal`: the ARR in force on the day scored over the ARR in force
before that renewal, minus 1), from the ARR history the triggers keep (accounts.ArrChange).

It reads today's last renewal date: a backtest of a date before it sees no renewal price yet."""

from datetime import date

import pandas as pd
from django.db.models import F, OuterRef, Subquery

from accounts.models import Account, ArrChange
from health.features import AccountRange, GroupedSource


def _arr_in_force(**when) -> Subquery:
    rows = ArrChange.objects.filter(account=OuterRef("pk"), **when).order_by("-valid_from")
    return Subquery(rows.values("arr")[:1])


def renewal_arr(as_of: date, restrict):
    """The ARR in force before each renewed account's last renewal and on as_of."""
    renewed = Account.objects.filter(last_renewed_on__lte=as_of).order_by()
    if isinstance(restrict, AccountRange):
        renewed = renewed.filter(restrict.lookup("pk"))
    elif restrict is not None:
        renewed = renewed.filter(pk__any=restrict)
    return renewed.annotate(
        account_id=F("pk"),
        before=_arr_in_force(valid_from__lt=OuterRef("last_renewed_on")),
        after=_arr_in_force(valid_from__lte=as_of),
    ).values("account_id", "before", "after")


def price_change(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    before = frame["before"].astype(float)
    change = frame["after"].astype(float) / before.where(before > 0) - 1
    return change.rename("price_change_at_renewal").to_frame()


price_change_features = GroupedSource(renewal_arr, price_change)
