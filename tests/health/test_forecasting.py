"""The forecast's figures on a small hand-computed portfolio (forecast.forecasting, pure)."""

import math
from datetime import date

import pandas as pd
import pytest

from health.scoring import forecasting

# Two renewals, 100,000 and 50,000 ARR, each 20% likely to churn: expected 80,000 + 40,000;
# sd = sqrt(100,000^2 x 0.16 + 50,000^2 x 0.16) = sqrt(2e9); the interval is 1.645 sd either
# side, capped at the 150,000 up for renewal.
RENEWALS = pd.DataFrame({"arr": [100_000.0, 50_000.0], "churn_probability": [0.2, 0.2]})
SPREAD = 1.645 * math.sqrt(2e9)


def test_expected_renewed_arr_is_arr_times_the_chance_to_stay():
    assert forecasting.quarter_figures(RENEWALS)["expected_renewed_arr"] == 120_000


def test_the_interval_is_ninety_percent_either_side_capped_at_what_is_up():
    low, high = forecasting.quarter_figures(RENEWALS)["interval"]
    assert (low, high) == (round(120_000 - SPREAD, 2), 150_000)


def test_arr_up_for_renewal_sums_the_renewals():
    assert forecasting.quarter_figures(RENEWALS)["arr_up_for_renewal"] == 150_000


def test_no_probability_means_no_expectation():
    unknown = RENEWALS.assign(churn_probability=[0.2, None])
    assert forecasting.quarter_figures(unknown)["expected_renewed_arr"] is None


def test_quarters_run_from_the_current_calendar_quarter():
    labels = [q["quarter"] for q in forecasting.quarters(date(2026, 12, 6), 4)]
    assert labels == ["2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3"]


def test_a_quarter_ends_on_its_last_day():
    first = forecasting.quarters(date(2027, 2, 10), 1)[0]
    assert (first["start"], first["end"]) == (date(2027, 1, 1), date(2027, 3, 31))


@pytest.mark.parametrize(
    ("probability", "call"),
    [(0.05, "commit"), (0.1, "best_case"), (0.3, "at_risk"), (0.5, "lost"), (None, None)],
)
def test_the_models_call_reads_its_probability(probability, call):
    assert forecasting.model_call(probability) == call


def test_disagreements_are_calls_on_different_sides_biggest_arr_first():
    renewals = pd.DataFrame(
        {
            "account_id": [1, 2, 3, 4],
            "arr": [10.0, 30.0, 20.0, 40.0],
            "call": ["commit", "lost", "best_case", "at_risk"],
            "model_call": ["lost", "commit", "commit", "at_risk"],
        }
    )
    assert list(forecasting.disagreements(renewals)["account_id"]) == [2, 1]
