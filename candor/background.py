"""Work a request asks for, done by one daemon thread of the web process after the request has
answered: for a process without a task queue (`make run`, gunicorn without Redis).

Requests add items to a set; the thread wakes, waits a moment so the requests of the next
moment join in, and serves the whole set at once. What it could not serve it hands to
`failed`, for a sweep that does not depend on this process.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.db import connections

logger = logging.getLogger(__name__)


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
            self._wake.wait()
            time.sleep(self._gather_for)
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
                connections.close_all()  # this thread's own: none left open between wakes
                with self._lock:
                    self._busy = False

    def _hand_over(self, wanted: list) -> None:
        try:
            self._failed(wanted)
        except Exception:
            logger.exception("%s could not hand %d items to the sweep", self.name, len(wanted))
