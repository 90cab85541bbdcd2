"""Source work off the request path: the drain of pending raw messages, the backfill after an
event map change, the retention sweep."""

import logging
import time
from datetime import UTC, datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from candor.background import AfterResponse, gather_moment
from sources import selectors, services
from sources.raw import raw_partitions_drop

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, acks_late=True, time_limit=3600, soft_time_limit=3500,
    autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3,
)  # fmt: skip
def event_backfill(self, source_id: int, event: str) -> int:
    """Idempotent: a redelivered run re-reads the same messages and stores nothing twice."""
    return services.event_backfill(source_id=source_id, event=event)


def event_backfills_queue(sender, source_id: int, events: list[str], **kwargs) -> None:
    for event in events:
        event_backfill.delay(source_id, event)


@shared_task(time_limit=600, soft_time_limit=570)
def raw_messages_prune() -> list[str]:
    """Drop the months of raw messages older than SOURCES_RAW_RETENTION_DAYS."""
    before = (timezone.now() - timedelta(days=settings.SOURCES_RAW_RETENTION_DAYS)).date()
    return raw_partitions_drop(before=before)


@shared_task(
    acks_late=True, time_limit=600, soft_time_limit=570,
    autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3,
)  # fmt: skip
def raw_messages_drain(source_id: int) -> int:
    """Idempotent: what a redelivered run finds settled is no longer pending."""
    cache.delete(_drain_key(source_id))  # a batch kept from now on queues the next run
    return services.raw_messages_drain(source_id=source_id)


def _drain_key(source_id: int) -> str:
    return f"sources:drain-queued:{source_id}"


def raw_drain_queue(sender, source_id: int, **kwargs) -> None:
    """After a request's batch is kept raw: a Celery task (at most one queued per source; it
    drains everything pending when it runs), or without a broker this process' drain thread."""
    if settings.SOURCES_DRAIN == "background":
        drainer.request([source_id])
    elif cache.add(_drain_key(source_id), 1, timeout=DRAIN_QUEUED_FOR):
        raw_messages_drain.delay(source_id)


DRAIN_QUEUED_FOR = 60  # seconds: a lost task (broker down) stops suppressing new ones by then
# The drain threads of all the web processes wake together on the clock's multiples of this
# (`candor.background`; CANDOR["DRAIN_GATHER_SECONDS"]): single-message posts (webhooks) then
# settle a hundred or more a transaction, for every process at once, instead of a few each; a
# message waits at most this long before its drain starts.
GATHER_FOR = settings.CANDOR["DRAIN_GATHER_SECONDS"]


def _drain_sources(source_ids: list[int]) -> None:
    """What was received before this wake's moment on the clock, the same in every process
    (`gather_moment`): what comes in after it wakes its own process' thread for the next one
    (`services.raw_messages_drain`)."""
    moment = datetime.fromtimestamp(gather_moment(time.time(), GATHER_FOR), tz=UTC)
    for source_id in source_ids:
        services.raw_messages_drain(source_id=source_id, received_before=moment)


def _left_pending(source_ids: list[int]) -> None:
    """A drain that failed leaves its messages pending: the next batch's drain or the sweep
    (`raw_drains_sweep`) settles them."""


# One daemon thread per process drains the sources it is asked for, after the request that
# asked has answered (`make run`, or gunicorn without Redis).
drainer = AfterResponse(
    "sources-drain", serve=_drain_sources, failed=_left_pending, gather_for=GATHER_FOR
)


@shared_task(time_limit=60, soft_time_limit=55)
def raw_drains_sweep() -> list[int]:
    """Queue the drain of every source with messages still pending: the safety net for a drain
    lost with its process (a worker or web process stopped mid-drain)."""
    source_ids = selectors.sources_with_pending_messages()
    for source_id in source_ids:
        raw_messages_drain.delay(source_id)
    return source_ids
