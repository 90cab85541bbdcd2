"""Component overrides in force on a day, as feature columns for the scorer (`override_<name>`).

An override holds from the moment it was made through its `until` day, unless ended earlier."""

from datetime import date

import pandas as pd
from django.db.models import Q

from health.features import day_end, scoped
from health.frames import fetch_scoped_tuples
from health.models import COMPONENTS, ComponentOverride


def overrides_in_force(as_of: date):
    end = day_end(as_of)
    return ComponentOverride.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=end), created_at__lt=end, until__gte=as_of
    )


def override_rows(as_of: date, restrict):
    """(account, component, value) of the overrides in force, the newest where two overlap."""
    return (
        scoped(overrides_in_force(as_of), restrict)
        .order_by("account_id", "component", "-created_at")
        .distinct("account_id", "component")
        .values_list("account_id", "component", "value")
    )


def override_features(as_of: date, restrict) -> pd.DataFrame:
    """Per account with an override in force at the end of `as_of`: its value per component
    (the newest where two overlap), NaN for the rest."""
    rows = fetch_scoped_tuples(override_rows, as_of, restrict)
    if not rows:  # the usual case: no pivot of nothing (a fixed cost of a small rescore)
        columns = [f"override_{name}" for name in COMPONENTS]
        return pd.DataFrame(columns=columns, index=pd.Index([], name="account_id"), dtype=float)
    frame = pd.DataFrame(rows, columns=["account_id", "component", "value"])
    wide = frame.pivot(index="account_id", columns="component", values="value")
    return wide.reindex(columns=list(COMPONENTS)).add_prefix("override_").astype(float)
