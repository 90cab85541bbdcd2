"""The portfolio's validity section: backtest figures, the calibrated proposal, the adopt button."""

import pytest
from django.test import Client
from django.urls import reverse

from health.models import Scorecard
from health.services import scorecard_calibration_propose
from tests.health.outcomes import churn_portfolio

PROPOSED = {"outcomes": 10, "adoption": 35, "engagement": 35, "alignment": 5, "commitments": 5,
            "confidence": 10, "sentiment": 0, "support": 0, "commercial": 0}  # fmt: skip
FIGURES = {"auc": 0.8, "recall_non_green": 0.7, "green_churn_rate": 0.02, "median_lead_days": 40,
           "recall_at_lead": {"60": {"churned": 10, "caught": 7, "share": 0.7}}}  # fmt: skip
REPORT = {
    "train_dates": ["2026-01-01"], "test_dates": ["2026-05-01"], "train_churned": 31,
    "current_weights": {"outcomes": 35, "adoption": 20, "engagement": 20, "alignment": 15,
                        "commitments": 10},
    "proposed_weights": PROPOSED,
    "current_thresholds": {"green": 70, "amber": 40}, "proposed_thresholds": {"green": 70, "amber": 40},
    "flags": [{"code": "champion_left", "label": "Champion left", "account_dates": 12,
               "churn_rate": 0.5, "lift": 3.1, "p_value": 0.001, "predicted_churn": True}],
    "current": {**FIGURES, "auc": 0.61}, "proposed": FIGURES,
}  # fmt: skip


@pytest.fixture
def proposal(db):
    card = Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})[0]
    return scorecard_calibration_propose(
        scorecard=card, weights=PROPOSED, thresholds={}, note="test", report=REPORT
    )


def test_a_calibrated_proposal_is_shown_beside_its_adopt_button(client, vera, proposal):
    client.force_login(vera)
    page = client.get(reverse("portfolio")).content.decode()
    assert f"Proposed: Default v{proposal.number}" in page
    assert "Champion left" in page and "0.61" in page and "0.8" in page
    assert '<th scope="row">Adoption</th><td class="num">20</td><td class="num">35</td>' in page
    # a report written before Confidence existed does not name it for the live scorecard
    assert '<th scope="row">Confidence</th><td class="num">—</td><td class="num">10</td>' in page
    assert reverse("scorecard_adopt", args=[proposal.scorecard_id]) in page


def test_the_adopt_button_makes_the_proposal_live(client, vera, proposal):
    client.force_login(vera)
    url = reverse("scorecard_adopt", args=[proposal.scorecard_id])
    response = client.post(url, {"version": proposal.pk}, follow=True)
    card = Scorecard.objects.get(pk=proposal.scorecard_id)
    assert (card.version, card.effective_weights) == (proposal.number, PROPOSED)
    assert f"version {proposal.number}" in response.content.decode()
    assert "Proposed: Default" not in response.content.decode()  # nothing left to adopt


def test_a_csm_cannot_adopt_or_run_the_backtest(client, alice, proposal):
    client.force_login(alice)
    url = reverse("scorecard_adopt", args=[proposal.scorecard_id])
    assert client.post(url, {"version": proposal.pk}).status_code == 403
    assert client.post(reverse("backtest_compute")).status_code == 403
    assert Scorecard.objects.get(pk=proposal.scorecard_id).version != proposal.number


def test_adopting_without_the_csrf_token_is_refused(vera, proposal):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(vera)
    url = reverse("scorecard_adopt", args=[proposal.scorecard_id])
    assert browser.post(url, {"version": proposal.pk}).status_code == 403
    assert Scorecard.objects.get(pk=proposal.scorecard_id).version != proposal.number


def test_running_the_backtest_shows_its_figures_on_the_page(client, vera, alice):
    churn_portfolio(csm=alice, churners=3, stayers=3)
    client.force_login(vera)
    before = client.get(reverse("portfolio"))
    assert before.context["backtest"] is None and b"Run the backtest" in before.content
    after = client.post(reverse("backtest_compute"), follow=True)
    assert after.context["backtest"]["churned"] == 3
    assert b"Churners red or amber 60 days before churning" in after.content
