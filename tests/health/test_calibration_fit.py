"""The weight fit and the flag lifts, on synthetic account-dates where the answer is known."""

import numpy as np
import pandas as pd
import pytest

from health.scoring.calibration import FitError, fit_weights, flag_lifts, propose_thresholds
from health.scoring.constants import COMPONENTS
from health.scoring.spec import ScorecardSpec


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


def rows_scored(overalls, churns, flags=None):
    rows = pd.DataFrame({name: overalls for name in COMPONENTS})
    rows["flag_codes"] = flags or [""] * len(overalls)
    return rows, pd.Series(churns)


def test_green_starts_at_the_lowest_score_meeting_both_bars_in_training():
    # 40 account-dates at each of 30, 60 and 90; churn: 20 of the 30s, 4 of the 60s, 1 of the 90s.
    overalls = [30.0] * 40 + [60.0] * 40 + [90.0] * 40
    churns = [i < 20 for i in range(40)] + [i < 4 for i in range(40)] + [i < 1 for i in range(40)]
    rows, churned = rows_scored(overalls, churns)
    # From 31: green holds 80 account-dates, 5 churned (6.25% > 5%). From 61: 1 of 40 (2.5%),
    # and 24 of the 25 churning account-dates are red or amber (96%): green from 61.
    thresholds = propose_thresholds(rows, churned, dict.fromkeys(COMPONENTS, 20), ScorecardSpec())
    assert thresholds == {"green": 61, "amber": 40}


def test_where_no_green_is_that_safe_green_starts_where_churners_are_still_caught():
    # Churn: 20 of 40 at 30, 8 of 40 at 60, 6 of 40 at 90 (34 churning account-dates).
    overalls = [30.0] * 40 + [60.0] * 40 + [90.0] * 40
    churns = [i < 20 for i in range(40)] + [i < 8 for i in range(40)] + [i < 6 for i in range(40)]
    rows, churned = rows_scored(overalls, churns)
    # From 31: 14 of 80 green churned and only 20 of 34 churners are caught (59%). From 61:
    # 6 of 40 green churned (15%, above 5%), but 28 of 34 are caught (82%): green from 61.
    thresholds = propose_thresholds(rows, churned, dict.fromkeys(COMPONENTS, 20), ScorecardSpec())
    assert thresholds == {"green": 61, "amber": 40}


def test_thresholds_stay_when_no_cut_off_keeps_green_honest():
    rows, churned = rows_scored([80.0] * 60, [i % 2 == 0 for i in range(60)])
    spec = ScorecardSpec()
    assert propose_thresholds(rows, churned, dict.fromkeys(COMPONENTS, 20), spec) == spec.thresholds


def test_a_capped_account_date_is_not_counted_as_green():
    overalls = [90.0] * 60
    churns = [i < 20 for i in range(60)]
    flags = [",stale_data," if i < 20 else "" for i in range(60)]  # every churner was stale
    rows, churned = rows_scored(overalls, churns, flags)
    thresholds = propose_thresholds(rows, churned, dict.fromkeys(COMPONENTS, 20), ScorecardSpec())
    assert thresholds["green"] == 0  # green from any score: the churners were all capped amber


def test_the_recall_bar_counts_only_the_account_dates_it_is_told_to_catch():
    # The data of the test above, with no cut-off meeting both bars. Counting every churning
    # account-date, green starts at 61; counting only the churners among the 30s (say, the
    # ones read 60 days before their churn), green from 31 already leaves all of them amber.
    overalls = [30.0] * 40 + [60.0] * 40 + [90.0] * 40
    churns = [i < 20 for i in range(40)] + [i < 8 for i in range(40)] + [i < 6 for i in range(40)]
    rows, churned = rows_scored(overalls, churns)
    catch = churned & (rows["outcomes"] == 30.0)
    weights = dict.fromkeys(COMPONENTS, 20)
    assert propose_thresholds(rows, churned, weights, ScorecardSpec())["green"] == 61
    assert propose_thresholds(rows, churned, weights, ScorecardSpec(), catch=catch)["green"] == 31
