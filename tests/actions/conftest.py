from concurrent.futures import wait

import pytest

from actions import webhooks
from tests.actions.receiver import start_receiver
from tests.api.conftest import as_alice, as_bob, as_vera  # noqa: F401  (API clients)
from tests.health.test_celery_worker import worker  # noqa: F401  (a real worker, with REDIS_URL)


@pytest.fixture
def receiver(settings):
    """A webhook receiver on 127.0.0.1 (see receiver.py), stopped after the test. Webhooks may
    post to it: private hosts are allowed while it runs."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    receiver, server = start_receiver()
    yield receiver
    if receiver.hold is not None:
        receiver.hold.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def inline_deliveries(settings):
    """Deliveries sent by the in-process pool, as without a broker, whatever REDIS_URL says:
    these tests watch one delivery reach the local receiver; delivery by a real worker on Redis
    is test_celery_worker's."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def inline_retries_finish(seconds=30.0):
    """Wait for the in-process deliveries and the retries their timers hold back."""
    for _ in range(50):
        timers = [t for t in webhooks.inline_timers if t.is_alive()]
        futures = [f for f in webhooks.inline_futures if not f.done()]
        if not timers and not futures:
            return
        for timer in timers:
            timer.join(seconds)
        wait(futures, seconds)
