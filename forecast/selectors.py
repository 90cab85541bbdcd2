"""Reads of the renewal forecast: each quarter's renewals with the model's probability and the
CSM's latest call, and the figures forecast.forecasting makes of them."""

import hashlib

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone

from accounts.selectors import retention_summary
from forecast.models import ForecastCall
from health.models import ChurnModel, HealthScore
from health.scoring import forecasting
from health.selectors import churn_models_live, renewal_churn_probabilities

RENEWAL_COLUMNS = ["account_id", "name", "csm", "renewal_date", "arr"]


def forecast_summary(accounts, quarters: int = 4, today=None) -> dict:
    """{quarters: [...], disagreements: [...], grr, nrr} over the accounts in scope.
    Remembered until a score, a call, a churn model or an account changes, or the day turns."""
    today = today or timezone.now().date()
    version = accounts.aggregate(n=Count("pk"), arr=Sum("arr"), edited=Max("updated_at"))
    version["score"] = HealthScore.objects.aggregate(newest=Max("pk"))["newest"]
    version |= ForecastCall.objects.aggregate(calls=Count("pk"), newest_call=Max("pk"))
    version |= ChurnModel.objects.aggregate(adopted=Max("adopted_at"))
    inputs = f"{accounts.query}|{quarters}|{today}|{sorted(version.items())}"
    key = f"candor:forecast:{hashlib.sha256(inputs.encode()).hexdigest()}"
    return cache.get_or_set(key, lambda: _forecast(accounts, quarters, today), 24 * 3600)


def _forecast(accounts, quarters: int, today) -> dict:
    periods = forecasting.quarters(today, quarters)
    renewals = forecast_renewals(accounts, periods[0]["start"], periods[-1]["end"])
    result = []
    for period in periods:
        inside = renewals[
            (renewals["renewal_date"] >= period["start"])
            & (renewals["renewal_date"] <= period["end"])
        ]
        result.append(period | forecasting.quarter_figures(inside) | {"renewals": _records(inside)})
    retention = retention_summary(accounts, today)
    return {
        "quarters": result,
        "disagreements": _records(forecasting.disagreements(renewals)),
        "grr": retention["grr"],
        "nrr": retention["nrr"],
        "model": _model_note(),
    }


def forecast_renewals(accounts, start, end) -> pd.DataFrame:
    """The customers renewing in [start, end], each with its churn probability (the model's
    training churn rate where its score gives none), the model's call and the CSM's latest
    call on this renewal."""
    renewing = accounts.exclude(outcome="churned").filter(renewal_date__range=(start, end))
    rows = renewing.order_by("renewal_date", "pk").values_list(
        "pk", "name", "csm__username", "renewal_date", "arr"
    )
    frame = pd.DataFrame(list(rows), columns=RENEWAL_COLUMNS)
    frame["arr"] = frame["arr"].astype(float)
    frame = frame.join(renewal_churn_probabilities(renewing), on="account_id")
    frame["churn_probability"] = frame["churn_probability"].astype(float)
    base = _base_rate()
    if base is not None:
        frame["churn_probability"] = frame["churn_probability"].fillna(base)
    frame["model_call"] = frame["churn_probability"].map(forecasting.model_call)
    return _with_calls(frame)


def _with_calls(frame: pd.DataFrame) -> pd.DataFrame:
    """The CSM's latest call per account, where it was made for the renewal now due."""
    latest = (
        ForecastCall.objects.filter(account_id__in=list(frame["account_id"]))
        .order_by("account_id", "-made_at", "-pk")
        .distinct("account_id")
        .values_list("account_id", "call", "note", "renewal_date", "made_by__username", "made_at")
    )
    calls = pd.DataFrame(
        list(latest),
        columns=["account_id", "call", "call_note", "call_for", "call_by", "call_at"],
    )
    frame = frame.merge(calls, on="account_id", how="left")
    stale = frame["call_for"].astype(object) != frame["renewal_date"].astype(object)
    frame.loc[stale, ["call", "call_note", "call_by", "call_at"]] = None
    return frame.drop(columns=["call_for"]).astype(object).where(frame.notna(), None)


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {
            "account_id": int(row["account_id"]),
            "name": row["name"],
            "csm": row["csm"],
            "renewal_date": row["renewal_date"],
            "arr": row["arr"],
            "churn_probability": _rounded(row["churn_probability"]),
            "model_call": row["model_call"],
            "call": row["call"],
            "call_note": row["call_note"] or "",
            "call_by": row["call_by"],
            "call_at": row["call_at"],
        }
        for row in frame.to_dict("records")
    ]


def _rounded(value):
    return None if value is None else round(float(value), 4)


def _base_rate() -> float | None:
    model = churn_models_live().get("")
    return None if model is None else model.model.get("train_churn_rate")


def _model_note() -> str:
    if churn_models_live().get("") is None:
        return (
            "No churn model adopted yet, so no expected renewal: `python manage.py calibrate` "
            "fits one on the company's own churns and a VP adopts it."
        )
    return ""


def forecast_call_history(account) -> list[ForecastCall]:
    return list(account.forecast_calls.select_related("made_by"))


def forecast_page_data(accounts, quarters: int = 4) -> dict:
    """The forecast, plus the retention tables the finance view shows beside it."""
    summary = forecast_summary(accounts, quarters)
    return {"forecast": summary, "retention": retention_summary(accounts)["retention"]}
