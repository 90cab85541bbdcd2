"""GET /api/v1/forecast/ and PUT /api/v1/accounts/{id}/forecast-call/."""

import math
from datetime import timedelta

import pytest

from forecast.models import ForecastCall
from tests.api.conftest import client_for
from tests.factories import make_account
from tests.forecast.builders import put_call, this_quarter_day

pytestmark = pytest.mark.django_db


def test_forecast_gives_each_quarter_with_the_contract_keys(as_alice, renewing):
    body = as_alice.get("/api/v1/forecast/?quarters=4").json()
    assert len(body["quarters"]) == 4
    assert set(body["quarters"][0]) >= {"quarter", "start", "end", "arr_up_for_renewal",
                                        "expected_renewed_arr", "interval", "renewals"}  # fmt: skip
    assert {"disagreements", "grr", "nrr"} <= set(body)


def test_expected_renewed_arr_and_interval_of_the_quarter(as_alice, renewing):
    first = as_alice.get("/api/v1/forecast/?quarters=1").json()["quarters"][0]
    spread = 1.645 * math.sqrt(2e9)
    assert (first["arr_up_for_renewal"], first["expected_renewed_arr"]) == (150000, 120000)
    assert first["interval"] == [round(120000 - spread, 2), 150000]


def test_each_renewal_carries_the_models_probability_and_call(as_alice, renewing):
    renewals = as_alice.get("/api/v1/forecast/?quarters=1").json()["quarters"][0]["renewals"]
    assert {(r["name"], r["churn_probability"], r["model_call"]) for r in renewals} == {
        ("Big", 0.2, "best_case"), ("Small", 0.2, "best_case"),
    }  # fmt: skip


def test_without_an_adopted_model_there_is_no_expectation_and_it_says_why(as_alice, alice):
    make_account(csm=alice, renewal_date=this_quarter_day())
    body = as_alice.get("/api/v1/forecast/?quarters=1").json()
    assert body["quarters"][0]["expected_renewed_arr"] is None
    assert "calibrate" in body["model"]


def test_quarters_out_of_range_is_refused_as_json(as_alice):
    response = as_alice.get("/api/v1/forecast/?quarters=40")
    assert response.status_code == 400 and "quarters" in response.json()


def test_a_csm_sees_only_their_books_renewals(as_bob, renewing):
    body = as_bob.get("/api/v1/forecast/?quarters=1").json()
    assert body["quarters"][0]["renewals"] == []


def test_a_call_is_recorded_with_its_author_and_the_renewal(as_alice, renewing):
    big, _ = renewing
    body = put_call(as_alice, big, "commit", "Signed PO expected").json()
    assert (body["call"], body["made_by"], body["renewal_date"]) == (
        "commit", "alice", big.renewal_date.isoformat(),
    )  # fmt: skip


def test_calls_are_kept_as_history(as_alice, renewing):
    big, _ = renewing
    put_call(as_alice, big, "commit")
    put_call(as_alice, big, "at_risk", "Champion left")
    history = as_alice.get(f"/api/v1/accounts/{big.pk}/forecast-call/").json()
    assert [row["call"] for row in history] == ["at_risk", "commit"]


def test_an_unknown_call_is_refused_and_changes_nothing(as_alice, renewing):
    big, _ = renewing
    response = put_call(as_alice, big, "maybe")
    assert response.status_code == 400 and "call" in response.json()
    assert not ForecastCall.objects.exists()


def test_another_csms_account_cannot_be_called(as_bob, renewing):
    big, _ = renewing
    assert put_call(as_bob, big, "lost").status_code == 404
    assert not ForecastCall.objects.exists()


def test_disagreements_list_the_calls_against_the_model_biggest_arr_first(as_alice, renewing):
    big, small = renewing
    put_call(as_alice, small, "lost")
    put_call(as_alice, big, "at_risk")
    body = as_alice.get("/api/v1/forecast/?quarters=1").json()
    assert [row["name"] for row in body["disagreements"]] == ["Big", "Small"]


def test_a_call_for_a_past_renewal_is_not_shown_against_the_next(as_alice, renewing):
    big, _ = renewing
    put_call(as_alice, big, "lost")
    big.renewal_date += timedelta(days=1)
    big.save()
    renewal = next(
        r for q in as_alice.get("/api/v1/forecast/?quarters=2").json()["quarters"]
        for r in q["renewals"] if r["name"] == "Big"
    )  # fmt: skip
    assert renewal["call"] is None


def test_the_forecast_page_shows_the_quarters_and_disagreements(client, alice, renewing):
    big, _ = renewing
    put_call(client_for(alice), big, "lost")
    client.force_login(alice)
    content = client.get("/forecast/").content.decode()
    assert "Renewals by quarter" in content and "Where the CSM and the model disagree" in content
    assert "Big" in content
