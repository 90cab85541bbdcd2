"""Redis stopped under a running gunicorn: reads and ingest keep working, the rescore request
waits in the database for the sweep, and recompute says 503 with Retry-After."""

import requests
from django.utils import timezone
from rest_framework.authtoken.models import Token

from health import tasks
from health.models import HealthScore
from signals.models import Signal
from tests.factories import make_account
from tests.faults.processes import FAULT_TESTS, production_env

pytestmark = FAULT_TESTS


def signal_rows(account, prefix, count):
    moment = (timezone.now() - timezone.timedelta(hours=1)).isoformat()
    return [
        {"external_id": f"{prefix}-{i}", "account": account.pk, "kind": "login",
         "occurred_at": moment, "actor": f"user{i % 3}@example.com"}
        for i in range(count)
    ]  # fmt: skip


def api(server, alice):
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=alice)[0].key}"
    session.base = f"{server.url}/api/v1"
    return session


def test_with_redis_down_reads_and_ingest_keep_working(own_redis, start_gunicorn, alice):
    account = make_account(csm=alice)
    server = start_gunicorn(production_env(own_redis.url))
    client = api(server, alice)
    assert client.get(f"{client.base}/accounts/").status_code == 200
    own_redis.stop()
    assert client.get(f"{client.base}/accounts/").status_code == 200
    assert client.get(f"{client.base}/health/").status_code == 200
    response = client.post(f"{client.base}/signals/", json=signal_rows(account, "down", 50))
    assert (response.status_code, response.json()) == (201, {"created": 50, "duplicates": 0})
    assert Signal.objects.filter(account=account).count() == 50


def test_with_redis_down_the_rescore_request_waits_for_the_sweep(own_redis, start_gunicorn, alice):
    from health.models import RescoreRequest

    account = make_account(csm=alice)
    server = start_gunicorn(production_env(own_redis.url))
    client = api(server, alice)
    own_redis.stop()
    client.post(f"{client.base}/signals/", json=signal_rows(account, "kept", 3))
    assert list(RescoreRequest.objects.values_list("account_id", flat=True)) == [account.pk]
    own_redis.start()  # the broker is back: the next sweep scores what was kept
    tasks.rescore_stale_accounts.run()
    assert HealthScore.objects.filter(account=account).count() == 1
    assert not RescoreRequest.objects.exists()


def test_with_redis_down_recompute_answers_503_with_retry_after(own_redis, start_gunicorn, alice):
    make_account(csm=alice)
    server = start_gunicorn(production_env(own_redis.url))
    client = api(server, alice)
    own_redis.stop()
    response = client.post(f"{client.base}/health/recompute/", json={})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Retry-After"]) > 0
    assert "queue" in response.json()["detail"]
