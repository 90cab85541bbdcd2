"""The database drops every connection under a running gunicorn: the next requests are served,
not answered 500. Concurrent overlapping batches over HTTP: every one 201, nothing lost."""

import random
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from signals.models import Signal
from tests.factories import make_account
from tests.faults.processes import FAULT_TESTS, production_env

pytestmark = FAULT_TESTS


def terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def session_for(user):
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return session


def test_requests_after_the_database_dropped_its_connections_are_served(
    own_redis, start_gunicorn, alice
):
    account = make_account(csm=alice)
    server = start_gunicorn(production_env(own_redis.url), workers=2)
    client = session_for(alice)
    for _ in range(8):  # every worker now holds a persistent connection (CONN_MAX_AGE)
        assert client.get(f"{server.url}/api/v1/accounts/").status_code == 200
    assert terminate_other_backends() >= 1
    statuses = [client.get(f"{server.url}/api/v1/accounts/").status_code for _ in range(8)]
    row = {"external_id": "after-drop", "account": account.pk, "kind": "login",
           "occurred_at": timezone.now().isoformat()}  # fmt: skip
    statuses.append(client.post(f"{server.url}/api/v1/signals/", json=[row]).status_code)
    assert statuses == [200] * 8 + [201]


def test_concurrent_overlapping_batches_over_http_are_all_accepted(
    own_redis, start_gunicorn, alice
):
    accounts = [make_account(csm=alice).pk for _ in range(2)]
    server = start_gunicorn(production_env(own_redis.url), workers=3)
    moment = (timezone.now() - timezone.timedelta(hours=2)).isoformat()
    rows = [{"external_id": f"h-{n}", "account": pk, "kind": "login", "occurred_at": moment}
            for pk in accounts for n in range(400)]  # fmt: skip
    shares = [random.Random(n).sample(rows, k=500) for n in range(6)]
    token = Token.objects.get_or_create(user=alice)[0].key

    def send(share):
        headers = {"Authorization": f"Token {token}"}
        return requests.post(f"{server.url}/api/v1/signals/", json=share, headers=headers)

    with ThreadPoolExecutor(len(shares)) as pool:
        replies = list(pool.map(send, shares))
    assert [reply.status_code for reply in replies] == [201] * len(shares)
    sent = {(r["account"], r["external_id"]) for share in shares for r in share}
    assert set(Signal.objects.values_list("account_id", "external_id")) == sent
    assert Signal.objects.count() == len(sent)
    assert sum(reply.json()["created"] for reply in replies) == len(sent)
