"""Bad input is refused before anything is stored, with a row/field error (or a JSON 4xx for a
body that is not a list of signals at all), never a 500 or an HTML page."""

import json

import pytest
from django.utils import timezone

from signals.models import Signal
from tests.factories import make_account

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def account(alice):
    return make_account(csm=alice)


def row(account, **overrides):
    return {"external_id": "evt-1", "account": account.pk, "kind": "login",
            "occurred_at": NOW.isoformat(), "actor": "ana@example.com", **overrides}  # fmt: skip


def post_raw(client, body: str, **extra):
    return client.generic(
        "POST", "/api/v1/signals/", body, content_type="application/json", **extra
    )


def first_error(response):
    error = response.json()["errors"][0]
    return error["index"], error["field"], error["code"]


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z"],
)
def test_a_time_before_2000_is_refused(as_alice, account, moment):
    response = as_alice.post("/api/v1/signals/", [row(account, occurred_at=moment)], format="json")
    assert response.status_code == 400
    assert first_error(response) == (0, "occurred_at", "out_of_range")
    assert not Signal.objects.exists()


@pytest.mark.parametrize("ahead", [timezone.timedelta(minutes=10), timezone.timedelta(hours=20)])
def test_a_time_more_than_five_minutes_ahead_is_refused(as_alice, account, ahead):
    moment = (timezone.now() + ahead).isoformat()
    response = as_alice.post("/api/v1/signals/", [row(account, occurred_at=moment)], format="json")
    assert response.status_code == 400
    assert first_error(response) == (0, "occurred_at", "out_of_range")


def test_a_time_without_an_offset_is_refused(as_alice, account):
    naive = NOW.replace(tzinfo=None).isoformat()
    response = as_alice.post("/api/v1/signals/", [row(account, occurred_at=naive)], format="json")
    assert first_error(response)[:2] == (0, "occurred_at")
    assert "timezone" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1e13", "-2e12"])
def test_a_value_must_be_a_finite_number_within_1e12(as_alice, account, number):
    body = json.dumps([row(account)])[:-2] + f', "value": {number}}}]'
    response = post_raw(as_alice, body)
    assert response.status_code == 400
    assert first_error(response) == (0, "value", "out_of_range")
    assert not Signal.objects.exists()


def test_a_value_within_range_is_stored_as_text(as_alice, account):
    assert (
        as_alice.post("/api/v1/signals/", [row(account, value=9)], format="json").status_code == 201
    )
    assert Signal.objects.get().value == "9"


@pytest.mark.parametrize("field", ["actor", "external_id", "value", "account_external_id"])
def test_a_lone_surrogate_is_a_row_error_not_a_500(as_alice, account, field):
    signal = row(account, **{field: "x\ud800y"})
    if field == "account_external_id":
        del signal["account"]
    body = json.dumps([signal])  # json writes the lone surrogate as the escape \ud800
    response = post_raw(as_alice, body)
    assert response.status_code == 400
    assert first_error(response) == (0, field, "invalid_unicode")


def test_a_nul_character_is_a_row_error(as_alice, account):
    response = as_alice.post("/api/v1/signals/", [row(account, actor="a\x00b")], format="json")
    assert first_error(response) == (0, "actor", "invalid_unicode")


def test_a_5_mb_actor_is_refused_not_stored(as_alice, account):
    response = as_alice.post(
        "/api/v1/signals/", [row(account, actor="x" * 5_000_000)], format="json"
    )
    assert response.status_code == 400
    assert first_error(response) == (0, "actor", "too_long")
    assert not Signal.objects.exists()


def test_json_nested_100000_deep_is_a_json_400(as_alice):
    response = post_raw(as_alice, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested too deeply" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("path", ["/api/v1/signals/", "/api/v1/accounts/"])
def test_a_body_over_the_limit_is_a_json_413(as_alice, path):
    body = "[" + ",".join(["1"] * 25_000_000) + "]"  # 50 MB
    response = as_alice.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["detail"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_error_under_api_is_json_whatever_debug_says(
    as_alice, account, settings, monkeypatch, debug
):
    from signals import api

    settings.DEBUG = debug
    monkeypatch.setattr(api, "signals_ingest", lambda **kwargs: 1 / 0)
    as_alice.raise_request_exception = False
    response = as_alice.post("/api/v1/signals/", [row(account)], format="json")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}


@pytest.mark.parametrize("debug", [False, True])
def test_a_suspicious_request_under_api_is_json_whatever_debug_says(as_alice, settings, debug):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    form = "&".join(f"f{i}=1" for i in range(50))
    response = as_alice.generic(
        "POST", "/api/v1/accounts/", form, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
