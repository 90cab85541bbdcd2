"""The weight fit and the flag lifts, on synthetic account-dates where the answer is known."""

import numpy as np
import pandas as pd
import pytest

from health.scoring.calibration import FitError, fit_weights, flag_lifts
from health.scoring.constants import COMPONENTS


def account_dates(n=600, seed=3):
    """Churn follows low adoption; commitments run the other way; the rest is noise."""
    rng = np.random.default_rng(seed)
    rows = pd.DataFrame({name: rng.uniform(0, 100, n) for name in COMPONENTS})
    churn_chance = 1 / (1 + np.exp(-(6 * (1 - rows["adoption"] / 100) - 4)))
    churn_chance += 0.3 * (rows["commitments"] / 100) - 0.15
    churned = pd.Series(rng.uniform(size=n) < churn_chance.clip(0, 1))
    rows["flag_codes"] = ""
    return rows, churned


def test_the_component_churn_follows_gets_most_of_the_weight():
    rows, churned = account_dates()
    weights = fit_weights(rows, churned)
    assert max(weights, key=weights.get) == "adoption"
    assert weights["adoption"] >= 50


def test_a_component_whose_risk_falls_with_churn_gets_no_weight():
    rows, churned = account_dates()
    assert fit_weights(rows, churned)["commitments"] == 0


def test_weights_are_whole_numbers_summing_to_about_a_hundred():
    weights = fit_weights(*account_dates())
    assert all(isinstance(weight, int) and weight >= 0 for weight in weights.values())
    assert 98 <= sum(weights.values()) <= 102


def test_missing_components_stand_in_at_their_mean_and_do_not_break_the_fit():
    rows, churned = account_dates()
    rows.loc[rows.index[::3], "alignment"] = np.nan
    assert max(fit_weights(rows, churned).items(), key=lambda kv: kv[1])[0] == "adoption"


def test_no_component_rising_with_churn_is_refused():
    rows, _ = account_dates()
    churned = rows["adoption"] > 50  # the healthier the adoption, the likelier the churn
    for name in COMPONENTS:
        if name != "adoption":
            rows[name] = 50.0
    with pytest.raises(FitError, match="nothing to weight"):
        fit_weights(rows, churned)


def test_a_flag_carried_by_churners_predicted_churn_and_a_random_one_did_not():
    rows, churned = account_dates()
    rng = np.random.default_rng(5)
    champion_gone = churned & (rng.uniform(size=len(rows)) < 0.6)
    custom = rng.uniform(size=len(rows)) < 0.2
    rows["flag_codes"] = np.where(champion_gone, ",champion_left,", "")
    rows["flag_codes"] = rows["flag_codes"] + np.where(custom, ",custom_terms,", "")
    lifts = {flag["code"]: flag for flag in flag_lifts(rows, churned)}
    assert lifts["champion_left"]["predicted_churn"] is True
    assert lifts["champion_left"]["lift"] > 1
    assert lifts["custom_terms"]["predicted_churn"] is False
    assert lifts["stale_data"]["account_dates"] == 0
