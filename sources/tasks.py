"""Source work on the worker: the backfill after an event map change, the retention sweep."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from sources import services
from sources.raw import raw_partitions_drop


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
