"""The drain as a process of its own (`SOURCES_DRAIN=drainer`; the `drainer` service of
docker-compose.yml): pass after pass, every source's pending raw messages become accounts,
stakeholders and signals, while the web processes only keep what they receive.

    python manage.py drain_sources [--idle 0.05] [--heartbeat /tmp/drainer-alive]

A drain thread inside the web process shared its interpreter lock with the request thread: a
Segment library's batch waited for it, and the library sends its next batch only once answered
(`bench_segment`, interleaved on fresh copies: the client's 26,000 queued events sent in 1.4-1.9 s
against 1.8-2.4 s, the whole run 10,193 / 11,073 / 11,719 events/s against 9,792 / 8,577 /
9,784). SIGTERM or SIGINT ends it after the pass under way; a pass cut short by a kill is rolled
back and drained again by the next process (a drain is idempotent).
"""

import logging
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection

from sources.services import pending_sources_drain

logger = logging.getLogger(__name__)
IDLE = 0.05  # seconds between passes that find nothing: 20 probes of the pending index a second


class Command(BaseCommand):
    help = "Turn every source's pending Segment messages into signals, continuously."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--idle", type=float, default=IDLE,
                            help="seconds to wait after a pass that found nothing pending")  # fmt: skip
        parser.add_argument("--heartbeat", type=Path, default=None,
                            help="a file touched after every pass (a health check reads its age)")  # fmt: skip

    def handle(self, *args, once, idle, heartbeat, **options):
        stop = threading.Event()
        if once:
            stop.set()
        else:
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: stop.set())
        settled = drain_until(stop, idle=idle, heartbeat=heartbeat)
        self.stdout.write(f"Drained {settled:,} messages.")


def drain_until(stop: threading.Event, *, idle: float, heartbeat: Path | None = None) -> int:
    """Passes until `stop` is set (at least one): the next at once after a pass that settled
    messages (more came in meanwhile), `idle` seconds after one that found none. A pass the
    database fails is logged and tried again after `idle`. Returns the messages settled."""
    settled = 0
    while True:
        try:
            done = pending_sources_drain()
        except Exception:
            logger.exception("Drain pass failed; trying again")
            connection.close()  # the next pass opens a new one
            done = 0
        settled += done
        if heartbeat is not None:
            _touch(heartbeat)
        if stop.is_set() or (not done and stop.wait(idle)):
            return settled


def _touch(heartbeat: Path) -> None:
    """A heartbeat that cannot be written is logged: the drain goes on (a health check reading
    the file then reports the process unhealthy, and its supervisor restarts it)."""
    try:
        heartbeat.touch()
    except OSError as error:
        logger.warning("Heartbeat %s not written: %s", heartbeat, error)
