"""The lenses' pure figures on frames written by hand (no database)."""

from datetime import date

import pandas as pd

from lenses import figures


def _deal(account_id, ae, closed_on, **given):
    row = dict.fromkeys(figures.DEAL_COLUMNS)
    row |= {"account_id": account_id, "ae": ae, "closed_on": closed_on,
            "contract_start": closed_on, "arr": 1000.0, "handoff_missing": 0,
            "commitments": 0, "unscoped": 0}  # fmt: skip
    return row | given


def _changes(*deals):
    return pd.DataFrame(
        {"account_id": [d["account_id"] for d in deals],
         "valid_from": [pd.Timestamp(d["contract_start"]) for d in deals],
         "arr": [d["arr"] for d in deals]}
    )  # fmt: skip


def test_deals_without_an_account_executive_are_grouped_together():
    deals = [_deal(1, None, date(2026, 1, 5)), _deal(2, None, date(2026, 2, 5))]
    rows = figures.sales_rows(pd.DataFrame(deals), _changes(*deals), date(2026, 12, 1),
                              ["ae", "quarter"])  # fmt: skip
    assert [(row["ae"], row["quarter"], row["deals"]) for row in rows] == [("", "2026-Q1", 2)]


def test_a_handoff_missing_one_item_is_not_complete():
    deals = [
        _deal(1, "sam", date(2026, 1, 5), handoff_missing=1),
        _deal(2, "sam", date(2026, 1, 6)),
    ]
    rows = figures.sales_rows(pd.DataFrame(deals), _changes(*deals), date(2026, 12, 1), ["quarter"])
    assert rows[0]["handoff_complete"] == 1


def test_an_unknown_score_at_90_days_is_no_score():
    deals = [_deal(1, "sam", date(2026, 1, 5), rag_90="unknown", score_90=None)]
    rows = figures.sales_rows(pd.DataFrame(deals), _changes(*deals), date(2026, 12, 1), ["quarter"])
    assert rows[0]["scored_at_90_days"] == 0


def test_a_deviation_of_yes_or_no_is_worded():
    assert (
        figures.describe_deviations(
            {"termination_for_convenience": True, "sla": "premium"},
            ["sla", "termination_for_convenience"],
        )
        == "sla: premium; termination_for_convenience: yes"
    )
