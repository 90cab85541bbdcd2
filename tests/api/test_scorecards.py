"""GET /api/v1/scorecards/ lists the scorecards with their versions (VPs only)."""

import pytest

from health.models import Scorecard
from health.services import scorecard_update, scorecard_version_propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(db):
    card = Scorecard.objects.create(name="Default")
    scorecard_update(scorecard=card, weights={"outcomes": 50})
    return card


def test_scorecards_are_for_vps(as_alice, card):
    assert as_alice.get("/api/v1/scorecards/").status_code == 403


def test_scorecards_are_listed_with_every_version(as_vera, card):
    scorecard_version_propose(scorecard=card, weights={"outcomes": 5}, note="calibrated")
    (row,) = as_vera.get("/api/v1/scorecards/").json()
    assert (row["id"], row["segment"], row["version"]) == (card.pk, "", 2)
    assert row["weights"]["outcomes"] == 50 and row["value_kinds"] == ["roi_report_generated"]
    versions = [(v["number"], v["live"], v["weights"]["outcomes"]) for v in row["versions"]]
    assert versions == [(1, False, 35), (2, True, 50), (3, False, 5)]
    assert row["versions"][2]["adopted_at"] is None and row["versions"][2]["note"] == "calibrated"


def test_an_edit_through_the_api_writes_a_new_live_version(as_vera, card, vera):
    response = as_vera.patch(
        f"/api/v1/scorecards/{card.pk}/", {"capping_flags": ["stale_data"]}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["capping_flags"]) == (3, ["stale_data"])
    assert card.versions.get(number=3).created_by == vera


def test_a_bad_edit_through_the_api_is_400_and_writes_nothing(as_vera, card):
    response = as_vera.patch(
        f"/api/v1/scorecards/{card.pk}/", {"value_kinds": ["invoice_paid"]}, format="json"
    )
    assert response.status_code == 400
    assert "POST /api/v1/signal-kinds/" in response.json()["value_kinds"][0]
    assert card.versions.count() == 2


def test_each_score_says_its_colour_rule(as_alice, alice, card):
    from health.services import score_accounts
    from tests.factories import make_account, make_signal

    account = make_account(csm=alice)
    make_signal(account=account)
    score_accounts(account_ids=[account.pk])
    body = as_alice.get(f"/api/v1/accounts/{account.pk}/health/").json()
    assert body["colour_rule"].startswith("Green needs 70+ and no capping flag (")
    assert body["scorecard"] == card.pk and body["scorecard_version"] == 2


def test_the_list_holds_the_default_scorecard_before_anything_was_scored(as_vera):
    cards = as_vera.get("/api/v1/scorecards/").json()
    assert [card["segment"] for card in cards] == [""]


def test_silence_grace_days_defaults_to_30_and_shows_among_the_targets(as_vera, card):
    (row,) = as_vera.get("/api/v1/scorecards/").json()
    assert row["silence_grace_days"] == 30
    assert row["targets"]["silence_grace_days"] == 30


@pytest.mark.parametrize(
    "body", [{"silence_grace_days": 10}, {"targets": {"silence_grace_days": 10}}]
)
def test_silence_grace_days_is_edited_as_a_field_or_a_target(as_vera, card, body):
    response = as_vera.patch(f"/api/v1/scorecards/{card.pk}/", body, format="json")
    assert response.status_code == 200
    assert response.json()["silence_grace_days"] == 10
    card.refresh_from_db()
    assert card.versions.get(number=card.version).targets["silence_grace_days"] == 10


def test_a_negative_silence_grace_is_400_and_writes_nothing(as_vera, card):
    response = as_vera.patch(
        f"/api/v1/scorecards/{card.pk}/", {"silence_grace_days": -1}, format="json"
    )
    assert response.status_code == 400
    assert "silence_grace_days" in response.json()
    assert card.versions.count() == 2
