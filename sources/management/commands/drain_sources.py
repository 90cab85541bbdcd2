"""The drain as a process of its own (`SOURCES_DRAIN=drainer`; the `drainer` service of
docker-compose.yml): pass after pass, every source's pending raw messages become accounts,
stakeholders and signals, while the web processes only keep what they receive.

    python manage.py drain_sources [--every 0.1] [--heartbeat /tmp/drainer-alive]

A drain thread inside the web process shared its interpreter lock with the request thread: a
Segment library's batch waited for it, and the library sends its next batch only once answered.
`bench_segment` on fresh copies of one database, interleaved with the code before (the thread):
7,443 / 8,881 / 6,549 / 8,797 events/s against 6,767 / 6,525 / 6,245 / 6,541.

SIGTERM or SIGINT ends it after the pass under way; a pass cut short by a kill is rolled back
and drained again by the next process (a drain is idempotent).
"""

import logging
import signal
import threading
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection

from sources.services import pending_sources_drain

logger = logging.getLogger(__name__)
# Seconds from a pass's start to the next: a message waits at most this long before its drain
# starts, and an idle drainer probes the pending index ten times a second.
EVERY = 0.1


class Command(BaseCommand):
    help = "Turn every source's pending Segment messages into signals, continuously."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--every", type=float, default=EVERY,
                            help="seconds from a pass's start to the next one's, at least")  # fmt: skip
        parser.add_argument("--heartbeat", type=Path, default=None,
                            help="a file touched after every pass (a health check reads its age)")  # fmt: skip

    def handle(self, *args, once, every, heartbeat, **options):
        stop = threading.Event()
        if once:
            stop.set()
        else:
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: stop.set())
        settled = drain_until(stop, every=every, heartbeat=heartbeat)
        self.stdout.write(f"Drained {settled:,} messages.")


def drain_until(stop: threading.Event, *, every: float, heartbeat: Path | None = None) -> int:
    """Passes until `stop` is set (at least one), each starting `every` seconds after the one
    before, or at once when that one took longer: a pass then settles what came in meanwhile
    together (single-message webhook posts in hundreds, not a few at a drain's fixed cost each).
    A pass the database fails is logged and tried again. Returns the messages settled."""
    settled = 0
    while True:
        started = time.monotonic()
        try:
            done = pending_sources_drain()
        except Exception:
            logger.exception("Drain pass failed; trying again")
            connection.close()  # the next pass opens a new one
            done = 0
        settled += done
        if heartbeat is not None:
            _touch(heartbeat)
        if stop.is_set() or stop.wait(max(0.0, started + every - time.monotonic())):
            return settled


def _touch(heartbeat: Path) -> None:
    """A heartbeat that cannot be written is logged: the drain goes on (a health check reading
    the file then reports the process unhealthy, and its supervisor restarts it)."""
    try:
        heartbeat.touch()
    except OSError as error:
        logger.warning("Heartbeat %s not written: %s", heartbeat, error)
