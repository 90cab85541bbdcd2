"""A task's state is its queuer's (and a VP's) to read; recompute says 503 when it cannot queue."""

import pytest
from kombu.exceptions import OperationalError as BrokerError

from health import tasks
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(as_alice, alice, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    account = make_account(csm=alice)
    response = as_alice.post("/api/v1/health/recompute/", {"accounts": [account.pk]}, format="json")
    return response.json()["task_id"]


def test_the_user_who_queued_a_task_reads_its_state(as_alice, queued):
    body = as_alice.get(f"/api/v1/tasks/{queued}/").json()
    assert (body["task_id"], body["state"], body["result"]) == (queued, "SUCCESS", 1)


def test_another_csm_gets_404_for_a_task_they_did_not_queue(as_bob, queued):
    response = as_bob.get(f"/api/v1/tasks/{queued}/")
    assert response.status_code == 404
    assert "result" not in response.json()


def test_a_vp_reads_any_task(as_vera, queued):
    assert as_vera.get(f"/api/v1/tasks/{queued}/").json()["state"] == "SUCCESS"


def test_an_unknown_task_id_is_404(as_alice):
    assert as_alice.get("/api/v1/tasks/0b0e5b8e-7a43-4f1c-9d55-3c1d9f0a2b77/").status_code == 404


def test_recompute_answers_503_with_retry_after_when_it_cannot_queue(as_alice, alice, monkeypatch):
    account = make_account(csm=alice)

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.score_accounts, "apply_async", broker_down)
    response = as_alice.post("/api/v1/health/recompute/", {"accounts": [account.pk]}, format="json")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("The task queue is unavailable")
    from health.models import QueuedTask

    assert not QueuedTask.objects.exists()
