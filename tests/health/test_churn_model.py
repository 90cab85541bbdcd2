"""calibrate fits a churn model beside its proposal; adopting the proposal adopts the model, and
only then does the health payload give each score a churn probability."""

import pytest

from health.models import ChurnModel, Scorecard, ScorecardVersion
from health.services import score_accounts, scorecard_version_adopt
from tests.api.conftest import client_for
from tests.health.outcomes import churn_portfolio
from tests.health.test_calibrate import calibrate

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(alice):
    accounts = churn_portfolio(csm=alice, churners=32, stayers=32)
    Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})
    _, report = calibrate()
    return accounts, report


def adopt(report, user):
    version = ScorecardVersion.objects.get(pk=report["proposal"]["id"])
    scorecard_version_adopt(version=version, user=user)
    return version


def test_calibrate_proposes_a_churn_model_waiting_with_its_version(proposed):
    _, report = proposed
    model = ChurnModel.objects.get(version_id=report["proposal"]["id"])
    assert (model.adopted_at, model.horizon_days) == (None, 90)


def test_calibrate_judges_the_probability_on_the_held_out_dates(proposed):
    _, report = proposed
    held_out = report["probability"]
    assert {"brier", "base_rate_brier", "ece", "deciles"} <= set(held_out)
    assert held_out["account_dates"] == report["proposed"]["account_dates"]


def test_adopting_the_proposal_adopts_its_model(proposed, vera):
    _, report = proposed
    version = adopt(report, vera)
    assert ChurnModel.objects.get(version=version).adopted_at is not None


def test_no_adopted_model_means_no_probability_and_says_why(proposed, alice):
    accounts, _ = proposed
    score_accounts()
    body = client_for(alice).get(f"/api/v1/accounts/{accounts[-1].pk}/health/").json()
    assert body["churn_probability"] is None
    assert "calibrate" in body["churn_probability_note"]


def test_the_payload_gives_the_adopted_models_probability(proposed, alice, vera):
    accounts, report = proposed
    version = adopt(report, vera)
    score_accounts()
    body = client_for(alice).get(f"/api/v1/accounts/{accounts[-1].pk}/health/").json()
    assert 0 <= body["churn_probability"] <= 1
    assert (body["churn_horizon_days"], body["churn_model_version"]) == (
        90, ChurnModel.objects.get(version=version).pk,
    )  # fmt: skip


def test_the_validity_section_shows_the_proposals_brier_and_calibration_error(
    proposed, client, vera
):
    client.force_login(vera)
    content = client.get("/portfolio/").content.decode()
    assert "Expected calibration error" in content and "Brier score" in content


def test_the_validity_section_shows_the_live_models_deciles(proposed, client, vera):
    _, report = proposed
    adopt(report, vera)
    client.force_login(vera)
    content = client.get("/portfolio/").content.decode()
    assert "Predicted against observed churn, by decile" in content
