"""The Sales lens's close-quarter figures, checked against the hand-computed deals of conftest."""

from datetime import date

import pytest

from accounts.models import Account
from lenses.selectors import deals_for, sales_lens

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)


def _row(rows, **keys):
    return next(row for row in rows if all(row[k] == v for k, v in keys.items()))


@pytest.fixture
def lens(deals):
    return sales_lens(Account.objects.filter(closed_on__isnull=False), TODAY)


def test_a_close_quarter_counts_its_deals_and_their_arr(lens):
    q1 = _row(lens["by_quarter"], quarter="2026-Q1")
    assert (q1["deals"], q1["arr"]) == (3, 230000.0)
    assert [row["quarter"] for row in lens["by_quarter"]] == ["2026-Q1", "2026-Q2"]


def test_an_account_without_a_close_date_is_no_deal(lens):
    assert sum(row["deals"] for row in lens["by_quarter"]) == 4


def test_handoff_is_complete_only_with_all_four_items(lens):
    sam_q1 = _row(lens["by_seller"], ae="sam", quarter="2026-Q1")
    assert (sam_q1["handoff_complete"], sam_q1["handoff_complete_share"]) == (1, 0.5)


def test_days_to_kickoff_count_to_the_kickoff_task_else_the_contract_start(lens):
    assert _row(lens["by_seller"], ae="sam", quarter="2026-Q1")["median_days_to_kickoff"] == 13.5
    assert _row(lens["by_quarter"], quarter="2026-Q1")["median_days_to_kickoff"] == 27


def test_commitments_before_signature_are_those_made_on_or_before_the_close(lens):
    sam_q1 = _row(lens["by_seller"], ae="sam", quarter="2026-Q1")
    assert sam_q1["commitments_before_signature"] == 2
    assert sam_q1["unscoped_before_signature"] == 1


def test_health_at_90_days_is_the_score_shown_on_the_90th_day(lens):
    q1 = _row(lens["by_quarter"], quarter="2026-Q1")
    assert (q1["scored_at_90_days"], q1["average_score_at_90_days"]) == (2, 55.0)
    assert q1["at_risk_at_90_days"] == 1  # A1 red; A3's amber is older than the window


def test_health_today_counts_the_deals_still_customers(lens):
    q1 = _row(lens["by_quarter"], quarter="2026-Q1")
    assert (q1["scored_today"], q1["average_score_today"], q1["at_risk_today"]) == (2, 70.0, 1)


def test_a_cohort_churned_arr_and_gross_retention_are_the_portfolios(lens):
    q1 = _row(lens["by_quarter"], quarter="2026-Q1")
    assert (q1["starting_arr"], q1["churned_arr"]) == (230000.0, 50000.0)
    assert q1["grr"] == round(180000 / 230000, 4)


def test_health_at_90_days_waits_for_the_90th_day(deals):
    lens = sales_lens(Account.objects.filter(closed_on__isnull=False), date(2026, 6, 1))
    q2 = _row(lens["by_quarter"], quarter="2026-Q2")
    assert q2["scored_at_90_days"] == 0 and q2["average_score_at_90_days"] is None


def test_an_account_executive_reads_only_their_own_deals(deals, sam):
    lens = sales_lens(deals_for(sam), TODAY)
    assert {row["ae"] for row in lens["by_seller"]} == {"sam"}
    assert sum(row["deals"] for row in lens["by_quarter"]) == 2


def test_a_team_lead_reads_the_deals_in_their_teams_books(deals, tom):
    assert set(deals_for(tom).values_list("name", flat=True)) == {"A1", "A4"}
