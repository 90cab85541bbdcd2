"""Would Candor have warned before each churn? Checked on churners small enough to read by hand."""

from datetime import date, timedelta

import pandas as pd

from health.scoring.backtest import warnings_before_churns

BASE = date(2026, 1, 1)


def day(n: int) -> date:
    return BASE + timedelta(days=n)


# account, as_of, overall, rag, churned_on; readings every 30 days.
# A churns on day 100: amber at day 0 (100 days before), red at 30 (70), green at 60 (40), and
#   a reading at day 120, after the churn, that must not count.
# B churns on day 75: green at 0 (75 before) and 30 (45 before): never warned.
# C churns on day 20: scored only at day 0, 20 days before: too late for any lead of 30+.
# D never churns.
ROWS = [
    ("A", day(0), 50, "amber", day(100)), ("A", day(30), 20, "red", day(100)),
    ("A", day(60), 80, "green", day(100)), ("A", day(120), 10, "red", day(100)),
    ("B", day(0), 80, "green", day(75)), ("B", day(30), 75, "green", day(75)),
    ("C", day(0), 30, "red", day(20)),
    ("D", day(0), 30, "red", None),
]  # fmt: skip


def warnings() -> dict:
    frame = pd.DataFrame(ROWS, columns=["account_id", "as_of", "overall", "rag", "churned_on"])
    return {row["account_id"]: row for row in warnings_before_churns(frame).to_dict("records")}


def test_lists_each_churned_account_once_and_no_other():
    assert sorted(warnings()) == ["A", "B", "C"]


def test_reads_the_last_colour_at_least_each_lead_before_the_churn():
    a = warnings()["A"]
    assert (a["rag_30"], a["rag_60"], a["rag_90"]) == ("green", "red", "amber")


def test_a_lead_with_no_reading_that_early_is_none():
    c = warnings()["C"]
    assert (c["rag_30"], c["rag_60"], c["rag_90"]) == (None, None, None)


def test_warned_days_count_from_the_first_red_or_amber_reading_before_the_churn():
    assert warnings()["A"]["warned_days"] == 100
    assert warnings()["C"]["warned_days"] == 20


def test_a_churner_green_at_every_reading_was_never_warned():
    assert warnings()["B"]["warned_days"] is None


def test_no_churners_gives_an_empty_frame_with_the_columns():
    frame = pd.DataFrame(
        [ROWS[-1]], columns=["account_id", "as_of", "overall", "rag", "churned_on"]
    )
    result = warnings_before_churns(frame)
    assert result.empty and "warned_days" in result.columns
