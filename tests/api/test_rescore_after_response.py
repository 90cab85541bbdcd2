"""Without Redis, ingest answers first: the rescore its signals ask for is recorded in the
process and served by its rescore thread once the request has answered."""

import threading

import pytest
from django.utils import timezone

from health import services
from health.models import CurrentHealth, RescoreRequest
from tests.factories import make_account

from .conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now().replace(microsecond=0).isoformat()


@pytest.fixture
def background(settings):
    settings.HEALTH_RESCORE = "background"
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
