"""The backtest's figures on a portfolio small enough to compute by hand (see each comment)."""

from datetime import date, timedelta

import pandas as pd
import pytest

from health.scoring.backtest import as_of_dates, auc, backtest_metrics, lead_readings, time_split

BASE = date(2026, 1, 1)
D0, D1, D2 = BASE, BASE + timedelta(days=30), BASE + timedelta(days=60)


def day(n: int) -> date:
    return BASE + timedelta(days=n)


# account, as_of, overall, rag, churned_on.  Horizon 90 days, every 30 days.
# A churns on day 70: 70, 40 and 10 days after its three scores, all within the horizon.
# B churns on day 150: only its day-60 score (90 days before) is within the horizon.
# F churns on day 45: both its scores are within the horizon, both green (missed).
# C and E never churn; G is scored twice, the second time with no data (null, shown red).
ROWS = [
    ("A", D0, 20, "red", day(70)), ("A", D1, 50, "amber", day(70)), ("A", D2, 75, "green", day(70)),
    ("B", D0, 80, "green", day(150)), ("B", D1, 72, "green", day(150)),
    ("B", D2, 45, "amber", day(150)),
    ("C", D0, 90, "green", None), ("C", D1, 85, "green", None), ("C", D2, 88, "green", None),
    ("E", D0, 55, "amber", None), ("E", D1, 30, "red", None), ("E", D2, 60, "amber", None),
    ("F", D0, 71, "green", day(45)), ("F", D1, 74, "green", day(45)),
    ("G", D1, 75, "green", None), ("G", D2, None, "red", None),
]  # fmt: skip


@pytest.fixture
def figures():
    frame = pd.DataFrame(ROWS, columns=["account_id", "as_of", "overall", "rag", "churned_on"])
    return backtest_metrics(frame, horizon=90, every=30)


def test_counts_account_dates_dates_and_churned_accounts(figures):
    assert figures["account_dates"] == 16
    assert figures["as_of_dates"] == [D0.isoformat(), D1.isoformat(), D2.isoformat()]
    assert figures["churned"] == 3  # A, B, F
    assert figures["churned_account_dates"] == 6  # A x3, B at D2, F x2


def test_auc_ranks_risk_against_churn_with_ties_counting_half(figures):
    # Positive risks 80, 50, 25, 55, 29, 26 against ten negatives (risk 100 for G's null):
    # 9 + 8 + 4.5 (a tie with G's 25) + 8 + 6 + 5 = 40.5 of 60 pairs.
    assert figures["auc"] == pytest.approx(0.675)


def test_recall_non_green_is_share_of_churning_account_dates_flagged(figures):
    assert figures["recall_non_green"] == pytest.approx(0.5)  # A red, A amber, B amber of 6


def test_green_churn_rate_is_share_of_green_account_dates_that_churned(figures):
    assert figures["green_churn_rate"] == pytest.approx(3 / 9, abs=1e-4)  # A@D2, F x2 of 9


def test_churn_rate_by_rag(figures):
    assert figures["churn_rate_by_rag"] == pytest.approx(
        {"red": 1 / 3, "amber": 2 / 4, "green": 3 / 9, "unknown": None}, abs=1e-4
    )
    assert figures["account_dates_by_rag"] == {"red": 3, "amber": 4, "green": 9, "unknown": 0}


# H churns on day 50, scored unknown (no data yet) on D0 and D1: counted apart, and it said
# nothing, so it neither caught nor missed the churn, and it is not ranked in the AUC.
UNKNOWN_ROWS = [("H", D0, None, "unknown", day(50)), ("H", D1, None, "unknown", day(50))]


@pytest.fixture
def with_unknown():
    frame = pd.DataFrame(
        ROWS + UNKNOWN_ROWS, columns=["account_id", "as_of", "overall", "rag", "churned_on"]
    )
    return backtest_metrics(frame, horizon=90, every=30)


def test_unknown_account_dates_are_counted_apart(with_unknown):
    assert with_unknown["account_dates_by_rag"]["unknown"] == 2
    assert with_unknown["churn_rate_by_rag"]["unknown"] == 1.0


def test_unknown_account_dates_catch_no_churn_and_stay_out_of_the_auc(with_unknown, figures):
    assert with_unknown["recall_non_green"] == pytest.approx(3 / 8)  # 3 of 8 churning dates
    assert with_unknown["green_churn_rate"] == figures["green_churn_rate"]
    assert with_unknown["auc"] == figures["auc"]


def test_median_lead_days_from_first_flag_within_horizon(figures):
    assert figures["median_lead_days"] == 80  # A first flagged 70 days out, B 90; F never


def test_recall_at_lead_reads_the_score_about_that_many_days_before(figures):
    assert figures["recall_at_lead"]["30"] == {"churned": 2, "caught": 1, "share": 0.5}  # A, F
    assert figures["recall_at_lead"]["60"] == {"churned": 1, "caught": 1, "share": 1.0}  # A
    assert figures["recall_at_lead"]["90"] == {"churned": 1, "caught": 1, "share": 1.0}  # B


def test_auc_is_none_without_a_churn():
    assert auc(pd.Series([10.0, 20.0]), pd.Series([False, False])) is None


def test_no_flagged_churner_has_no_median_lead():
    frame = pd.DataFrame(
        [("F", D0, 71, "green", day(45))],
        columns=["account_id", "as_of", "overall", "rag", "churned_on"],
    )
    assert backtest_metrics(frame, horizon=90, every=30)["median_lead_days"] is None


def test_as_of_dates_include_both_ends():
    assert as_of_dates(D0, D2, 30) == [D0, D1, D2]


def test_time_split_keeps_training_labels_before_the_test_period():
    dates = as_of_dates(BASE, day(150), 30)  # six dates
    train, test = time_split(dates, horizon=90)
    assert test == [day(120), day(150)]
    assert train == [day(0), day(30)]  # day 60 + 90 would see into the test period


def test_lead_readings_mark_each_churners_last_score_that_long_before():
    frame = pd.DataFrame(ROWS, columns=["account_id", "as_of", "overall", "rag", "churned_on"])
    marked = frame[lead_readings(frame, 60, 30)]
    assert list(zip(marked["account_id"], marked["as_of"], strict=True)) == [("A", D0)]  # day 70
