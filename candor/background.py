"""Work a request asks for, done by one daemon thread of the web process after the request has
answered: for a process without a task queue (`make run`, gunicorn without Redis).

Requests add items to a set; the thread wakes, waits until the next multiple of `gather_for`
on the clock so the requests of the next moment join in, and serves the whole set at once.
What it could not serve it hands to `failed`, for a sweep that does not depend on this process.

The wait ends on the clock, not `gather_for` after the wake, so the threads of all the web
processes wake together: the first to serve finds the work of every process' requests, and the
others find it done. Woken each on its own, five processes' drain threads settled a few
single-message posts each, every few milliseconds, paying a drain's fixed cost each time.
The thread keeps its database connection between wakes (a new one costs PostgreSQL a backend:
several milliseconds of CPU) and closes it once nothing woke it for `IDLE_CLOSE_AFTER` seconds.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
IDLE_CLOSE_AFTER = 10.0


class AfterResponse:
    def __init__(
        self, name: str, serve: Callable[[list], object], failed: Callable[[list], object],
        gather_for: float,
    ):  # fmt: skip
        self.name, self._serve, self._failed, self._gather_for = name, serve, failed, gather_for
        self._wanted: set = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._busy = False

    def request(self, items: Iterable) -> None:
        with self._lock:
            self._wanted.update(items)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        self._wake.set()

    def idle(self, timeout: float) -> bool:
        """Wait until nothing is asked for or being served (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._wanted and not self._busy:
                    return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        while True:
            if not self._wake.wait(timeout=IDLE_CLOSE_AFTER):
                connections.close_all()  # this thread's own: none kept open while idle
                continue
            time.sleep(gather_wait(time.time(), self._gather_for))
            with self._lock:
                self._wake.clear()
                wanted, self._wanted, self._busy = sorted(self._wanted), set(), True
            try:
                if wanted:
                    self._serve(wanted)
            except Exception:
                logger.exception(
                    "%s failed for %d items; handed to the sweep", self.name, len(wanted)
                )
                self._hand_over(wanted)
            finally:
                close_old_connections()  # a broken or expired one only, as after a request
                with self._lock:
                    self._busy = False

    def _hand_over(self, wanted: list) -> None:
        try:
            self._failed(wanted)
        except Exception:
            logger.exception("%s could not hand %d items to the sweep", self.name, len(wanted))


def gather_wait(now: float, period: float) -> float:
    """Seconds from `now` to the next multiple of `period` on the clock (a whole period when
    `now` is one): the same moment for every process."""
    return period - now % period


def gather_moment(now: float, period: float) -> float:
    """The last multiple of `period` on the clock at `now`: the moment the threads of every
    process woke for (a thread's own requests were all received before it)."""
    return now - now % period
