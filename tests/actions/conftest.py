import pytest

from tests.actions.receiver import start_receiver
from tests.api.conftest import as_alice, as_bob, as_vera  # noqa: F401  (API clients)
from tests.health.test_celery_worker import worker  # noqa: F401  (a real worker, with REDIS_URL)


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 (see receiver.py), stopped after the test."""
    receiver, server = start_receiver()
    yield receiver
    if receiver.hold is not None:
        receiver.hold.set()
    server.shutdown()
    server.server_close()
