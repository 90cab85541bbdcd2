"""Under runserver many clients at once share a few database connections (a pool) instead of
each holding its own, so several loaders never exhaust PostgreSQL's connections."""

import http.client
import os
import subprocess
import sys
import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.factories import make_account
from tests.faults.processes import ROOT, database_url_of_tests, free_port, port_answers, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS, REQUESTS, POOL = 10, 12, 3
APPLICATION = "candor-runserver-under-test"  # how the server's connections are told apart


def connections_of_the_server() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APPLICATION]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def runserver(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url_of_tests(), "CANDOR_LOCAL": "1",
           "DATABASE_POOL_MAX_SIZE": str(POOL), "API_THROTTLE_RATE": "100000/min", "PGAPPNAME": APPLICATION}  # fmt: skip
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "runserver.log", "w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert wait_for(lambda: port_answers(port), 60), (tmp_path / "runserver.log").read_text()
    yield port
    server.terminate()
    server.wait(30)
    log.close()


def test_many_clients_of_runserver_share_a_few_database_connections(runserver, alice):
    make_account(csm=alice)
    key = Token.objects.create(user=alice).key
    statuses, peak, done = [], [0], threading.Event()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", runserver, timeout=60)  # kept alive
        for _ in range(REQUESTS):
            conn.request("GET", "/api/v1/accounts/", headers={"Authorization": f"Token {key}"})
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)

    def watch():
        try:
            while not done.is_set():
                peak[0] = max(peak[0], connections_of_the_server())
                done.wait(0.05)
        finally:
            connection.close()  # this thread's own connection

    watcher = threading.Thread(target=watch)
    watcher.start()
    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    done.set()
    watcher.join()
    assert (set(statuses), len(statuses)) == ({200}, CLIENTS * REQUESTS)
    assert 1 <= peak[0] <= POOL
