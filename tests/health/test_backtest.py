"""The backtest command scores past dates from what was known then and writes nothing."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from health.backtest import BacktestWindow
from health.models import HealthScore, Scorecard
from tests.health.outcomes import WINDOW, active_account_dates, churn_portfolio

KEYS = {
    "as_of_dates", "account_dates", "churned", "auc", "recall_non_green", "green_churn_rate",
    "churn_rate_by_rag", "median_lead_days",
}  # fmt: skip


def backtest(**options) -> dict:
    out = StringIO()
    call_command("backtest", stdout=out, **{key: str(v) for key, v in WINDOW.items()}, **options)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def portfolio(alice):
    return churn_portfolio(csm=alice, churners=6, stayers=6)


def test_last_line_is_one_json_object_with_the_contract_keys(portfolio):
    figures = backtest()
    assert KEYS <= set(figures)
    assert len(figures["as_of_dates"]) == 9


def test_scores_every_account_active_on_each_date_and_no_churned_one(portfolio):
    dates = BacktestWindow(**WINDOW).dates
    figures = backtest()
    assert figures["account_dates"] == active_account_dates(portfolio, dates)
    assert figures["churned"] == 6


def test_writes_no_history(portfolio):
    backtest()
    assert not HealthScore.objects.exists()


def test_accounts_that_went_quiet_before_churning_rank_riskier(portfolio):
    assert backtest()["auc"] > 0.5


def test_a_named_scorecard_backtests_only_the_accounts_it_scores(alice, portfolio):
    card = Scorecard.objects.create(name="Enterprise", segment="enterprise")
    churn_portfolio(csm=alice, churners=2, stayers=3, segment="enterprise")
    figures = backtest(scorecard=card.pk)
    assert (figures["accounts"], figures["churned"], figures["scorecard"]) == (5, 2, card.pk)


def test_an_end_whose_horizon_is_not_over_is_refused():
    with pytest.raises(CommandError, match="--end: Churns within 90 days"):
        call_command("backtest", end="2999-01-01", stdout=StringIO())


def test_an_unknown_scorecard_is_refused(db):
    with pytest.raises(CommandError, match="No scorecard with id 999"):
        call_command("backtest", scorecard=999, stdout=StringIO())
