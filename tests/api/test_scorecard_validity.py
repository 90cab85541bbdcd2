"""Backtest and adoption over the API: VPs only, bad input refused as JSON, nothing half-done."""

import pytest

from health.models import Scorecard, ScorecardVersion
from health.services import scorecard_calibration_propose
from tests.health.outcomes import WINDOW, churn_portfolio

PROPOSED = {"outcomes": 10, "adoption": 35, "engagement": 35, "alignment": 5, "commitments": 5,
            "confidence": 10, "sentiment": 0, "support": 0, "commercial": 0}  # fmt: skip


@pytest.fixture
def card(db):
    return Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})[0]


@pytest.fixture
def proposal(card):
    return scorecard_calibration_propose(
        scorecard=card, weights=PROPOSED, thresholds={}, note="test", report={}
    )


def url(card, action):
    return f"/api/v1/scorecards/{card.pk}/{action}/"


def test_backtest_is_for_vps_only(as_alice, card):
    response = as_alice.get(url(card, "backtest"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "params, field",
    [({"every": "0"}, "every"), ({"end": "2999-01-01"}, "end"), ({"start": "soon"}, "start"),
     ({"start": "2026-06-01", "end": "2026-01-01"}, "end")],
)  # fmt: skip
def test_backtest_refuses_bad_parameters_as_json(as_vera, card, params, field):
    response = as_vera.get(url(card, "backtest"), params)
    assert response.status_code == 400
    assert field in response.json()


def test_backtest_answers_a_vp_with_the_figures(as_vera, alice, card):
    churn_portfolio(csm=alice, churners=3, stayers=3)
    response = as_vera.get(url(card, "backtest"), WINDOW)
    assert response.status_code == 200
    body = response.json()
    assert (body["churned"], body["scorecard"], len(body["as_of_dates"])) == (3, card.pk, 9)


def test_adopt_makes_the_proposal_live_for_a_vp(as_vera, vera, card, proposal):
    response = as_vera.post(url(card, "adopt"), {"version": proposal.pk}, format="json")
    assert response.status_code == 200, response.content
    card.refresh_from_db()
    proposal.refresh_from_db()
    assert (card.version, card.effective_weights) == (proposal.number, PROPOSED)
    assert (proposal.adopted_by, proposal.adopted_at is not None) == (vera, True)
    assert response.json() == {"scorecard": card.pk, "version": proposal.number}


def test_adopt_accepts_the_version_number_too(as_vera, card, proposal):
    response = as_vera.post(url(card, "adopt"), {"version": proposal.number}, format="json")
    assert response.status_code == 200


def test_adopt_is_refused_to_a_csm_and_changes_nothing(as_alice, card, proposal):
    before = (card.version, card.effective_weights)
    response = as_alice.post(url(card, "adopt"), {"version": proposal.pk}, format="json")
    assert response.status_code == 403
    card.refresh_from_db()
    assert (card.version, card.effective_weights) == before
    assert ScorecardVersion.objects.get(pk=proposal.pk).adopted_at is None


def test_adopting_an_unknown_or_adopted_version_is_refused(as_vera, card, proposal):
    unknown = as_vera.post(url(card, "adopt"), {"version": 9999}, format="json")
    assert unknown.status_code == 400 and "version" in unknown.json()
    as_vera.post(url(card, "adopt"), {"version": proposal.pk}, format="json")
    again = as_vera.post(url(card, "adopt"), {"version": proposal.pk}, format="json")
    assert again.status_code == 400
    assert "was adopted on" in again.json()["version"][0]
