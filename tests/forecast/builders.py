"""A hand-made churn model for forecast tests: every account has the same chance to churn."""

import math

from django.utils import timezone

from health.models import ChurnModel, Scorecard, ScorecardVersion
from health.scoring.constants import COMPONENTS
from health.scoring.forecasting import quarters


def adopt_flat_model(probability: float, *, horizon: int = 90) -> ChurnModel:
    """An adopted model reading `probability` for every score: no coefficient, and Platt's
    sigmoid 1 / (1 + e^(a*0 + b)) with b = ln(1/p - 1)."""
    scorecard, _ = Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})
    version = ScorecardVersion.objects.get(scorecard=scorecard, number=scorecard.version)
    model = {
        "horizon_days": horizon,
        "means": dict.fromkeys(COMPONENTS, 0.5),
        "intercept": 0.0,
        "coefficients": {},
        "calibration": {"method": "sigmoid", "a": 1.0, "b": math.log(1 / probability - 1)},
        "train_churn_rate": probability,
    }
    return ChurnModel.objects.create(
        version=version, horizon_days=horizon, model=model, adopted_at=timezone.now()
    )


def this_quarter_day():
    """The last day of the current calendar quarter."""
    return quarters(timezone.now().date(), 1)[0]["end"]


def put_call(client, account, call, note="") -> object:
    return client.put(f"/api/v1/accounts/{account.pk}/forecast-call/",
                      {"call": call, "note": note}, format="json")  # fmt: skip
