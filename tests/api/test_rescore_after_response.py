"""Without Redis, ingest answers first: the rescore its signals ask for is recorded in the
process and served by its rescore thread once the request has answered."""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from health import services
from health.models import CurrentHealth, RescoreRequest
from tests.factories import make_account

from .conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now().replace(microsecond=0).isoformat()


@pytest.fixture
def background(settings, monkeypatch):
    settings.HEALTH_RESCORE = "background"
    monkeypatch.setattr(services, "RESCORE_BUSY_SHARE", 1.0)  # no rest after scoring
    yield
    assert services.rescorer.idle(timeout=60)


@pytest.fixture
def account(alice):
    return make_account(csm=alice, external_id="crm-harbor")


def post_login(user, account):
    row = {"external_id": "evt-1", "account": account.pk, "kind": "login", "occurred_at": NOW}
    return client_for(user).post("/api/v1/signals/", [row], format="json")


@pytest.fixture
def held(monkeypatch):
    """The rescore thread waits at the gate until the test opens it."""
    gate, served = threading.Event(), []
    score = services.score_accounts

    def score_when_open(*, account_ids):
        gate.wait(timeout=30)
        served.extend(account_ids)
        return score(account_ids=account_ids)

    monkeypatch.setattr(services, "score_accounts", score_when_open)
    yield gate, served
    gate.set()


def test_ingest_answers_before_its_accounts_are_rescored(alice, account, background, held):
    gate, served = held
    assert post_login(alice, account).status_code == 201
    assert not CurrentHealth.objects.filter(account=account).exists()
    gate.set()
    assert services.rescorer.idle(timeout=60)
    assert served == [account.pk]


def test_the_rescore_thread_scores_the_accounts_after_the_answer(alice, account, background):
    assert post_login(alice, account).status_code == 201
    assert services.rescorer.idle(timeout=60)
    assert CurrentHealth.objects.get(account=account).last_signal_at is not None


def test_a_rescore_the_thread_could_not_serve_is_kept_for_the_sweep(
    alice, account, background, monkeypatch
):
    def broken(*, account_ids):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "score_accounts", broken)
    assert post_login(alice, account).status_code == 201
    assert services.rescorer.idle(timeout=60)
    assert list(RescoreRequest.objects.values_list("account_id", flat=True)) == [account.pk]


def in_another_process(work):
    """`work` on a thread of its own: its own database connection, as another web process's
    rescore thread has."""
    done = threading.Thread(target=lambda: (work(), connections.close_all()))
    done.start()
    done.join(timeout=30)


def test_a_thread_that_finds_another_scoring_leaves_its_accounts_to_it(alice, account):
    with connection.cursor() as cursor:  # another process's thread is scoring
        cursor.execute("SELECT pg_advisory_lock(%s)", [services.RESCORE_LOCK])
    in_another_process(lambda: services._rescore_served([account.pk]))
    assert not CurrentHealth.objects.filter(account=account).exists()
    assert list(RescoreRequest.objects.values_list("account_id", flat=True)) == [account.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [services.RESCORE_LOCK])
    in_another_process(lambda: services._rescore_served([]))  # the holder looks again
    assert CurrentHealth.objects.filter(account=account).exists()
    assert not RescoreRequest.objects.exists()


def test_the_scoring_thread_rests_in_proportion_to_its_scoring(alice, account, monkeypatch):
    monkeypatch.setattr(services, "RESCORE_BUSY_SHARE", 0.25)
    monkeypatch.setattr(services, "score_accounts", lambda *, account_ids: time.sleep(0.1))
    started = time.monotonic()
    in_another_process(lambda: services._rescore_served([account.pk]))
    assert time.monotonic() - started >= 0.1 * 4
    assert not RescoreRequest.objects.exists()


def test_the_scoring_thread_rests_no_longer_than_the_debounce(
    alice, account, monkeypatch, settings
):
    settings.CANDOR = {**settings.CANDOR, "RESCORE_DEBOUNCE_SECONDS": 0.2}
    monkeypatch.setattr(services, "RESCORE_BUSY_SHARE", 0.01)  # 99 x 0.1 s uncapped
    monkeypatch.setattr(services, "score_accounts", lambda *, account_ids: time.sleep(0.1))
    started = time.monotonic()
    in_another_process(lambda: services._rescore_served([account.pk]))
    assert time.monotonic() - started < 2
