"""Concurrent overlapping batches, each on its own database connection, against PostgreSQL:
none fails (no deadlock reaches the client), and no row is lost or stored twice."""

import random
import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from signals.models import Signal, SignalDay
from signals.services import signals_ingest
from tests.factories import make_account

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS, BATCHES, IDS_PER_ACCOUNT = 6, 3, 250


def universe(accounts):
    base = timezone.now() - timezone.timedelta(days=3)
    return [
        {"external_id": f"evt-{n}", "account": pk, "kind": "login",
         "occurred_at": (base + timezone.timedelta(minutes=n)).isoformat(),
         "actor": f"user{n % 7}@example.com"}
        for pk in accounts for n in range(IDS_PER_ACCOUNT)
    ]  # fmt: skip


def run_clients(user, rows, seed):
    """Each client sends its own random, shuffled share of `rows` in BATCHES batches; returns
    (batch size, created, duplicates) per reply, the errors clients saw, and the keys sent."""
    start, results, errors, sent = threading.Barrier(CLIENTS), [], [], set()

    def client(number):
        share = random.Random(seed * 100 + number).sample(rows, k=len(rows) * 2 // 3)
        sent.update((r["account"], r["external_id"]) for r in share)
        try:
            start.wait()
            for i in range(BATCHES):
                batch = share[i::BATCHES]
                result = signals_ingest(rows=batch, user=user)
                results.append((len(batch), result.created, result.duplicates))
        except Exception as error:  # what a client would have seen as a 500
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors, sent


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_concurrent_overlapping_batches_never_fail(alice, seed):
    accounts = [make_account(csm=alice).pk for _ in range(3)]
    _, errors, _ = run_clients(alice, universe(accounts), seed)
    assert errors == []


def test_concurrent_overlapping_batches_lose_and_duplicate_nothing(alice):
    accounts = [make_account(csm=alice).pk for _ in range(3)]
    results, errors, sent = run_clients(alice, universe(accounts), seed=7)
    assert errors == []
    stored = set(Signal.objects.values_list("account_id", "external_id"))
    assert Signal.objects.count() == len(stored)  # nothing twice
    assert stored == sent  # nothing lost
    created = sum(c for _, c, _ in results)
    assert created == len(stored)  # every row a client was told was created is there
    assert all(size == c + d for size, c, d in results)
    assert SignalDay.objects.aggregate(n=Sum("events"))["n"] == len(stored)  # rollups exact
