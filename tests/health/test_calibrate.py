"""calibrate proposes a version from the company's own churns and changes nothing live."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from health.models import HealthScore, Scorecard, ScorecardVersion
from tests.health.outcomes import WINDOW, churn_portfolio


def calibrate(**options) -> tuple[str, dict]:
    out = StringIO()
    call_command("calibrate", stdout=out, **{key: str(v) for key, v in WINDOW.items()}, **options)
    text = out.getvalue().strip()
    return text, json.loads(text.splitlines()[-1])


def live_card() -> tuple:
    card = Scorecard.objects.get(segment="")
    return card.version, card.effective_weights


def test_refuses_with_too_few_churns_and_says_how_many_it_needs(alice):
    churn_portfolio(csm=alice, churners=5, stayers=10)
    with pytest.raises(CommandError, match="at least 30 churned .* it has 5, so it needs 25 more"):
        calibrate()
    assert not ScorecardVersion.objects.filter(adopted_at__isnull=True).exists()


@pytest.fixture
def calibrated(alice):
    churn_portfolio(csm=alice, churners=32, stayers=32)
    Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})
    before = live_card()
    text, report = calibrate()
    return before, text, report


def test_proposes_a_version_waiting_for_adoption(calibrated):
    _, _, report = calibrated
    proposal = ScorecardVersion.objects.get(pk=report["proposal"]["id"])
    assert proposal.adopted_at is None
    assert proposal.weights == report["proposed_weights"]
    assert proposal.calibration.report["current"]["auc"] == report["current"]["auc"]


def test_never_changes_the_live_scorecard_or_writes_scores(calibrated):
    before, _, _ = calibrated
    assert live_card() == before
    assert not HealthScore.objects.exists()


def test_prints_current_and_proposed_side_by_side_on_the_held_out_dates(calibrated):
    _, text, report = calibrated
    assert "Held-out backtest" in text and "current" in text and "proposed" in text
    assert set(report["test_dates"]).isdisjoint(report["train_dates"])
    assert report["current"]["as_of_dates"] == report["proposed"]["as_of_dates"]
    assert report["train_churned"] >= 30


def test_account_dates_with_no_data_yet_are_left_out_of_the_fit(alice):
    from datetime import date

    from health.backtest import backtest_cards, backtest_rows
    from tests.factories import days_ago, make_account

    churn_portfolio(csm=alice, churners=32, stayers=32)
    for _ in range(3):  # imported today, never a signal: unknown on every past date
        make_account(csm=alice, contract_start=days_ago(900))
    _, report = calibrate()
    cards, key = backtest_cards(Scorecard.objects.get(segment=""))
    dates = [date.fromisoformat(day) for day in report["train_dates"]]
    rows = backtest_rows(dates, cards=cards, key=key)
    assert (rows["rag"] == "unknown").sum() == 3 * len(dates)
    assert report["train_account_dates"] == (rows["rag"] != "unknown").sum()
