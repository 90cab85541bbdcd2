"""Against a real Celery worker on Redis (CI); skipped when REDIS_URL is not set."""

import os
import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from candor.celery import app
from health import services, tasks
from health.models import CurrentHealth, HealthScore
from signals.services import signals_ingest
from tests.factories import make_account, make_signal

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL and a worker"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(settings):
    from celery.contrib.testing.worker import start_worker

    settings.CANDOR = {**settings.CANDOR, "RESCORE_DEBOUNCE_SECONDS": 0, "SCORING_SHARD_SIZE": 1}
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as running:
        yield running


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_ingested_signals_are_rescored_by_the_worker(worker, alice):
    account = make_account(csm=alice)
    row = {"external_id": "w-1", "account": account.pk, "kind": "login",
           "occurred_at": timezone.now().isoformat(), "actor": "ana@example.com"}  # fmt: skip
    signals_ingest(rows=[row], user=alice)
    assert wait_for(lambda: HealthScore.objects.filter(account=account).exists())
    score = HealthScore.objects.get(account=account)
    assert score.facts and score.as_of == timezone.now().date()
    assert CurrentHealth.objects.get(account=account).score_id == score.pk


def test_a_failing_shard_is_retried_and_the_others_land(worker, alice, monkeypatch):
    accounts = [make_account(csm=alice) for _ in range(3)]
    failing = accounts[1].pk
    real = services.score_accounts
    failures = []

    def flaky(*, account_ids=None, **kwargs):
        if failing in (account_ids or []) and not failures:
            failures.append(failing)
            raise OperationalError("connection reset (injected)")
        return real(account_ids=account_ids, **kwargs)

    monkeypatch.setattr(services, "score_accounts", flaky)
    tasks.score_portfolio.delay().get(timeout=30)
    assert wait_for(lambda: HealthScore.objects.filter(account__in=accounts).count() == 3, 60)
    assert failures == [failing]


def test_as_of_scoring_on_the_worker_matches_synchronous_scoring(worker, alice):
    account = make_account(csm=alice)
    make_signal(
        account=account, kind="login", occurred_at=timezone.now() - timezone.timedelta(days=15)
    )
    as_of = (timezone.now() - timezone.timedelta(days=10)).date()
    assert tasks.score_accounts.delay([account.pk], as_of.isoformat()).get(timeout=30) == 1
    services.score_accounts(account_ids=[account.pk], as_of=as_of)
    first, second = HealthScore.objects.filter(account=account, as_of=as_of).order_by("computed_at")
    assert (first.overall, first.components) == (second.overall, second.components)
