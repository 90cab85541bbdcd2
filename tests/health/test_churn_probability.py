"""The churn probability: calibrated on a hand-made portfolio with known churn rates, and judged
by Brier score and expected calibration error against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from health.scoring.constants import COMPONENTS
from health.scoring.probability import (
    calibration_metrics,
    churn_probability,
    expected_calibration_error,
    fit_churn_model,
    held_out_probability,
    renewal_churn_probability,
    renewal_due,
)

# Two kinds of account, each seen on four as-of dates: poor outcomes churn 40% of the time,
# good outcomes 5%; churn is drawn exactly at those rates on every date.
RATES = {0.0: 0.40, 100.0: 0.05}
# Later, held-out dates where the same accounts churn twice as often.
LATER_RATES = {0.0: 0.80, 100.0: 0.10}


def portfolio(
    per_kind_and_date=200, rates=RATES, start="2026-01-01"
) -> tuple[pd.DataFrame, pd.Series]:
    rows, churned = [], []
    for as_of in pd.date_range(start, periods=4, freq="30D"):
        for outcomes, rate in rates.items():
            churners = int(per_kind_and_date * rate)
            for i in range(per_kind_and_date):
                rows.append({"as_of": as_of, "overall": outcomes, "outcomes": outcomes,
                             "flag_codes": ""})  # fmt: skip
                churned.append(i < churners)
    frame = pd.DataFrame(rows)
    for name in COMPONENTS:
        frame[name] = frame.get(name, 50.0)
    return frame, pd.Series(churned)


@pytest.fixture(scope="module")
def fitted():
    rows, churned = portfolio()
    return fit_churn_model(rows, churned, rows, churned, horizon=90), rows


@pytest.mark.parametrize(("outcomes", "rate"), RATES.items())
def test_probability_matches_the_known_churn_rate(fitted, outcomes, rate):
    model, rows = fitted
    kind = rows[rows["outcomes"] == outcomes].head(1)
    assert churn_probability(model, kind).iloc[0] == pytest.approx(rate, abs=0.02)


@pytest.mark.parametrize(("outcomes", "rate"), LATER_RATES.items())
def test_the_calibration_follows_the_held_out_dates_churn_rate(outcomes, rate):
    train, churned = portfolio()
    held, held_churned = portfolio(rates=LATER_RATES, start="2026-06-01")
    model = fit_churn_model(train, churned, held, held_churned, horizon=90)
    kind = held[held["outcomes"] == outcomes].head(1)
    assert churn_probability(model, kind).iloc[0] == pytest.approx(rate, abs=0.02)


def test_each_held_out_date_is_judged_by_a_calibration_on_the_other_dates(fitted):
    model, rows = fitted
    churned = pd.Series([False] * len(rows), index=rows.index)
    churned[rows["as_of"] != rows["as_of"].iloc[0]] = True  # every date but the first all churn
    first = held_out_probability(model, rows, churned)[rows["as_of"] == rows["as_of"].iloc[0]]
    assert first.min() == pytest.approx(1.0)  # learnt from the other dates, not its own zeros


def test_the_model_keeps_its_horizon(fitted):
    assert fitted[0]["horizon_days"] == 90


def test_an_unknown_score_has_no_probability(fitted):
    model, rows = fitted
    unknown = rows.head(1).assign(overall=None)
    assert np.isnan(churn_probability(model, unknown).iloc[0])


def test_the_model_is_plain_numbers_a_json_column_can_keep(fitted):
    import json

    assert json.loads(json.dumps(fitted[0])) == fitted[0]


# p = 0.1, 0.1, 0.9, 0.9 against y = 0, 1, 1, 1:
# Brier = (0.01 + 0.81 + 0.01 + 0.01) / 4 = 0.21; the base rate 0.75 scores 0.75 x 0.25 = 0.1875;
# ECE: bin [0.1, 0.2) holds half, |0.1 - 0.5| = 0.4; bin [0.9, 1] half, |0.9 - 1| = 0.1:
# 0.5 x 0.4 + 0.5 x 0.1 = 0.25.
P, Y = pd.Series([0.1, 0.1, 0.9, 0.9]), pd.Series([False, True, True, True])


def test_brier_score_against_hand_computed_value():
    assert calibration_metrics(P, Y)["brier"] == 0.21


def test_base_rate_brier_against_hand_computed_value():
    assert calibration_metrics(P, Y)["base_rate_brier"] == 0.1875


def test_expected_calibration_error_against_hand_computed_value():
    assert expected_calibration_error(P.to_numpy(), Y.to_numpy(float)) == pytest.approx(0.25)


def test_a_perfectly_calibrated_prediction_has_no_calibration_error():
    p = np.array([0.25] * 4 + [0.75] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=float)
    assert expected_calibration_error(p, y) == pytest.approx(0.0)


def test_deciles_compare_predicted_with_observed_lowest_first():
    deciles = calibration_metrics(P, Y)["deciles"]
    assert [(d["predicted"], d["observed"]) for d in deciles] == [
        (0.1, 0.0), (0.1, 1.0), (0.9, 1.0), (0.9, 1.0),
    ]  # fmt: skip


def test_unknown_probabilities_are_left_out_of_the_metrics():
    metrics = calibration_metrics(pd.Series([0.5, np.nan]), pd.Series([True, False]))
    assert (metrics["account_dates"], metrics["brier"]) == (1, 0.25)


def renewal_portfolio(per_group=300) -> tuple[pd.DataFrame, pd.Series]:
    """Identical scores on four dates; the accounts whose renewal falls within the horizon churn
    30% of the time, the others never (a subscription ends at its renewal)."""
    rows, churned = [], []
    for as_of in pd.date_range("2026-01-01", periods=4, freq="30D"):
        for days_to_renewal, rate in ((45, 0.30), (200, 0.0)):
            for i in range(per_group):
                rows.append({"as_of": as_of, "overall": 60.0, "flag_codes": "",
                             "renewal_date": as_of + pd.Timedelta(days=days_to_renewal)})  # fmt: skip
                churned.append(i < int(per_group * rate))
    frame = pd.DataFrame(rows)
    for name in COMPONENTS:
        frame[name] = 60.0
    return frame, pd.Series(churned)


@pytest.fixture(scope="module")
def renewal_fitted():
    rows, churned = renewal_portfolio()
    return fit_churn_model(rows, churned, rows, churned, horizon=90), rows


@pytest.mark.parametrize(("days_to_renewal", "rate"), [(45, 0.30), (200, 0.0)])
def test_the_same_score_reads_its_own_churn_rate_with_the_renewal_due_or_not(
    renewal_fitted, days_to_renewal, rate
):
    model, rows = renewal_fitted
    due = rows["renewal_date"] - rows["as_of"] == pd.Timedelta(days=days_to_renewal)
    assert churn_probability(model, rows[due].head(1)).iloc[0] == pytest.approx(rate, abs=0.02)


def test_the_chance_to_churn_at_the_renewal_reads_a_later_renewal_as_due(renewal_fitted):
    model, rows = renewal_fitted
    later = rows[rows["renewal_date"] - rows["as_of"] > pd.Timedelta(days=90)].head(1)
    assert renewal_churn_probability(model, later).iloc[0] == pytest.approx(0.30, abs=0.02)


def test_a_renewal_is_due_within_the_horizon_or_overdue():
    as_of = pd.Series(pd.to_datetime(["2026-01-01"] * 3))
    renewals = pd.Series(pd.to_datetime(["2026-04-01", "2026-04-02", "2025-12-01"]))
    assert renewal_due(as_of, renewals, 90).tolist() == [True, False, True]
