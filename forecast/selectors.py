"""Reads of the renewal forecast: each quarter's renewals with the model's probability and the
CSM's latest call, and the figures forecast.forecasting makes of them."""

import hashlib
from datetime import date

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone

from accounts.models import ArrChange
from accounts.selectors import retention_summary
from forecast.models import ForecastCall, ForecastFigures
from health.models import ChurnModel, HealthScore
from health.scoring import forecasting
from health.selectors import churn_models_live, renewal_churn_probabilities

RENEWAL_COLUMNS = ["account_id", "name", "csm", "renewal_date", "arr"]


PAGE_RENEWALS = 25  # each quarter's first renewals by date on the page (the API lists all)
PAGE_DISAGREEMENTS = 50


def forecast_summary(accounts, quarters: int = 4, today=None) -> dict:
    """{quarters: [...], disagreements: [...], grr, nrr} over the accounts in scope.
    Remembered until a score, a call, a churn model or an account changes, or the day turns."""
    today = today or timezone.now().date()
    key = f"candor:forecast:{_digest(accounts, quarters, today, forecast_version(accounts))}"
    return cache.get_or_set(key, lambda: _forecast(accounts, quarters, today), 24 * 3600)


def forecast_version(accounts) -> dict:
    """What the forecast and the retention tables read, summarised: any new score, call, model
    adoption, edited account or ARR change gives a new value."""
    version = accounts.aggregate(n=Count("pk"), arr=Sum("arr"), edited=Max("updated_at"))
    version["score"] = HealthScore.objects.aggregate(newest=Max("pk"))["newest"]
    version |= ForecastCall.objects.aggregate(calls=Count("pk"), newest_call=Max("pk"))
    version |= ChurnModel.objects.aggregate(adopted=Max("adopted_at"))
    version |= ArrChange.objects.aggregate(changes=Count("pk"), newest_change=Max("pk"))
    return version


def page_key(accounts, quarters: int, today) -> tuple[str, str]:
    """(the scope's key, the version of its data) the finance view's kept figures go by."""
    return _digest(accounts, quarters, today), _digest(forecast_version(accounts))


def _digest(*parts) -> str:
    text = "|".join(str(sorted(p.items()) if isinstance(p, dict) else p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()


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


def forecast_page_figures(accounts, quarters: int, today) -> dict:
    """What the finance view shows: the forecast with each quarter's first PAGE_RENEWALS
    renewals and their count, the first PAGE_DISAGREEMENTS disagreements, and the retention
    tables beside it."""
    summary = forecast_summary(accounts, quarters, today)
    shown = [
        q | {"renewals": q["renewals"][:PAGE_RENEWALS], "renewal_count": len(q["renewals"])}
        for q in summary["quarters"]
    ]
    forecast = summary | {
        "quarters": shown,
        "disagreements": summary["disagreements"][:PAGE_DISAGREEMENTS],
        "disagreement_count": len(summary["disagreements"]),
    }
    return {"forecast": forecast, "retention": retention_summary(accounts, today)["retention"]}


def forecast_figures_kept(key: str, version: str) -> dict | None:
    """The kept figures of this scope, if computed from this version of the data."""
    kept = ForecastFigures.objects.filter(key=key, version=version).values_list("figures")
    row = kept.first()
    return None if row is None else with_dates(row[0])


def with_dates(figures: dict) -> dict:
    """Kept figures (JSON) with the dates the page formats read back as dates."""
    forecast = figures["forecast"]
    for q in forecast["quarters"]:
        q["start"], q["end"] = _day(q["start"]), _day(q["end"])
        _renewal_days(q["renewals"])
    _renewal_days(forecast["disagreements"])
    return figures


def _renewal_days(rows: list[dict]) -> None:
    for row in rows:
        row["renewal_date"] = _day(row["renewal_date"])


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
