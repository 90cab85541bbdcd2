"""The after-response thread: its wakes fall on the clock's multiples of its period (the same
moments in every web process), and it keeps its database connection until it goes idle."""

import time

import pytest
from django.db import connections

from candor import background
from candor.background import AfterResponse, gather_moment, gather_wait


@pytest.mark.parametrize(
    ("now", "period", "wait"),
    [(100.0, 0.25, 0.25), (100.1, 0.25, 0.15), (100.24, 0.25, 0.01), (7.0, 2.0, 1.0)],
)
def test_the_wait_ends_at_the_next_multiple_of_the_period(now, period, wait):
    assert gather_wait(now, period) == pytest.approx(wait)


@pytest.mark.parametrize(
    ("now", "period", "moment"), [(100.0, 0.25, 100.0), (100.1, 0.25, 100.0), (7.5, 2.0, 6.0)]
)
def test_the_moment_woken_for_is_the_last_multiple_of_the_period(now, period, moment):
    assert gather_moment(now, period) == pytest.approx(moment)


def backend_pid(served):
    def serve(items):
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            served.append((cursor.fetchone()[0], connections["default"]))

    return serve


def until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_the_thread_keeps_its_connection_from_one_wake_to_the_next():
    served = []
    thread = AfterResponse("test", serve=backend_pid(served), failed=list, gather_for=0.01)
    thread.request([1])
    assert thread.idle(timeout=30)
    thread.request([2])
    assert thread.idle(timeout=30)
    assert len(served) == 2 and served[0][0] == served[1][0]


@pytest.mark.django_db(transaction=True)
def test_an_idle_thread_closes_its_connection(monkeypatch):
    monkeypatch.setattr(background, "IDLE_CLOSE_AFTER", 0.05)
    served = []
    thread = AfterResponse("test", serve=backend_pid(served), failed=list, gather_for=0.01)
    thread.request([1])
    assert thread.idle(timeout=30)
    assert until(lambda: served[0][1].connection is None)
