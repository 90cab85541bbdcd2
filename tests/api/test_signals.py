import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from health.models import HealthScore
from signals.models import Signal
from tests.factories import make_account

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0).isoformat()


@pytest.fixture
def account(alice):
    return make_account(csm=alice, external_id="crm-harbor")


def row(i, account, **overrides):
    return {"external_id": f"evt-{i}", "account": account.pk, "kind": "login",
            "occurred_at": NOW, "actor": "ana@harbor.example", "value": "", **overrides}  # fmt: skip


def post(client, rows):
    return client.post("/api/v1/signals/", rows, format="json")


def test_push_signals_in_bulk(as_alice, account):
    response = post(as_alice, [row(i, account) for i in range(3)])
    assert response.status_code == 201
    assert response.json() == {"created": 3, "duplicates": 0}
    assert Signal.objects.filter(account=account).count() == 3


def test_account_can_be_named_by_its_external_id(as_alice, account):
    signal = row(1, account, account_external_id="crm-harbor")
    del signal["account"]
    assert post(as_alice, [signal]).status_code == 201


def test_same_batch_twice_is_stored_once(as_alice, account):
    rows = [row(i, account) for i in range(5)]
    post(as_alice, rows)
    assert post(as_alice, rows).json() == {"created": 0, "duplicates": 5}
    assert Signal.objects.count() == 5


def test_duplicates_inside_one_batch_count_once(as_alice, account):
    assert post(as_alice, [row(1, account), row(1, account)]).json() == {
        "created": 1,
        "duplicates": 1,
    }


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"kind": "telepathy"}, "kind"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-01T10:00:00"}, "occurred_at"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
        ({"external_id": ""}, "external_id"),
        ({"account": 999999}, "account"),
        ({"actor": "x" * 201}, "actor"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_one_bad_row_rejects_the_batch_and_stores_nothing(as_alice, account, bad, field):
    rows = [row(i, account) for i in range(4)]
    rows[2] = {**rows[2], **bad}
    response = post(as_alice, rows)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"index": 2, "field": field} == {k: errors[0][k] for k in ("index", "field")}
    assert errors[0]["message"]
    assert Signal.objects.count() == 0


def test_another_csms_account_is_refused(as_bob, account):
    response = post(as_bob, [row(1, account)])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "account"
    assert Signal.objects.count() == 0


def test_not_a_list_is_400(as_alice):
    assert post(as_alice, {"kind": "login"}).status_code == 400


def test_more_than_10000_rows_is_400(as_alice, account):
    response = post(as_alice, [row(i, account) for i in range(10_001)])
    assert response.status_code == 400
    assert "10000" in response.json()["errors"][0]["message"]


def test_ingest_requires_a_token():
    assert APIClient().post("/api/v1/signals/", [], format="json").status_code == 401


def test_accepted_signals_are_rescored(
    as_alice, account, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        post(as_alice, [row(1, account)])
    assert HealthScore.objects.filter(account=account).exists()


def test_ingest_answers_201_when_the_broker_is_down(
    as_alice, account, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_alice, [row(1, account)])
    assert response.status_code == 201
    assert Signal.objects.count() == 1


def test_list_signals_of_an_account(as_alice, account, bob):
    post(as_alice, [row(i, account) for i in range(3)])
    other = make_account(csm=bob)
    body = as_alice.get(f"/api/v1/signals/?account={account.pk}").json()
    assert body["count"] == 3
    assert as_alice.get(f"/api/v1/signals/?account={other.pk}").json()["count"] == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"account": {}, "account_external_id": "crm-harbor"},
        {"account": {}},
        {"kind": {}},
        {"account": True},
        {"account": 2**70},
    ],
)
def test_malformed_values_are_row_errors_not_server_errors(as_alice, account, bad):
    response = post(as_alice, [{**row(1, account), **bad}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 0


def test_malformed_json_is_a_row_error_list(as_alice):
    response = as_alice.generic("POST", "/api/v1/signals/", "[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Malformed request body")
