"""Celery tasks: they take ids, call a service, and are safe to retry.

Every task acknowledges late and is rejected back to the queue if its worker dies (settings), so
a killed worker's task comes back after the broker's visibility timeout. A portfolio run also
records its shards in the database; the sweep re-queues any left undone, so a run finishes even
if its messages are lost with the broker. Re-running a shard writes nothing twice: scores are
unique per (account, as_of, computed_at) and the run fixes computed_at.
"""

import logging
from datetime import date, timedelta

import redis
from celery import group, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerError

from health import services
from health.features import AccountRange, scorable_accounts
from health.models import CurrentHealth
from signals.models import Signal

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, BrokerError, redis.ConnectionError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


def _as_of(value) -> date | None:
    return date.fromisoformat(value) if value else None


@shared_task(bind=True, **RETRY)
def score_range(self, first, last, as_of=None, computed_at=None, shard_id=None):
    """One shard of the portfolio: every scorable account with first <= id <= last."""
    run = parse_datetime(computed_at) if computed_at else None
    failed = []
    scored = services.score_accounts(
        account_ids=AccountRange(first, last), as_of=_as_of(as_of), computed_at=run, failed=failed
    )
    if shard_id is not None:
        services.scoring_shard_finish(shard_id=shard_id, scored=scored, failed=failed)
    return scored


@shared_task(bind=True, **RETRY)
def score_accounts(self, account_ids, as_of=None):
    return services.score_accounts(account_ids=account_ids, as_of=_as_of(as_of))


@shared_task(bind=True, **RETRY)
def score_portfolio(self, as_of=None):
    """Split the portfolio into shards, scored in parallel by however many workers there are."""
    day = _as_of(as_of) or timezone.now().date()
    ids = list(scorable_accounts(day).order_by("pk").values_list("pk", flat=True))
    shards = portfolio_shards(ids, settings.CANDOR["SCORING_SHARD_SIZE"])
    task_id = self.request.id or f"local-{timezone.now().isoformat()}"
    run, created = services.scoring_run_start(
        task_id=task_id, as_of=day, shards=shards, accounts=len(ids)
    )
    if created:
        group(_shard_signature(shard) for shard in run.shards.order_by("pk")).apply_async()
    return {
        "accounts": run.accounts, "shards": run.shards.count(), "as_of": run.as_of.isoformat(),
        "run": run.computed_at.isoformat(),
    }  # fmt: skip


def _shard_signature(shard):
    return score_range.si(
        shard.first, shard.last, shard.run.as_of.isoformat(), shard.run.computed_at.isoformat(),
        shard.pk,
    )  # fmt: skip


def portfolio_shards(sorted_ids: list[int], size: int) -> list[tuple[int, int]]:
    """(first, last) id ranges of `size` accounts each, covering every id given."""
    return [
        (sorted_ids[i], sorted_ids[min(i + size, len(sorted_ids)) - 1])
        for i in range(0, len(sorted_ids), size)
    ]


@shared_task(bind=True, **RETRY)
def flush_rescores(self):
    """Rescore every account that gathered in the pending set since the last flush."""
    client = services.redis_client()
    client.delete(services.FLUSH_LOCK)
    ids = [int(pk) for pk in client.spop(services.PENDING_KEY, 100_000) or []]
    if not ids:
        return 0
    try:
        return services.score_accounts(account_ids=ids)
    except Exception:
        client.sadd(services.PENDING_KEY, *ids)
        raise


@shared_task(bind=True, **RETRY)
def rescore_stale_accounts(self):
    """The sweep: re-queue shards of runs a dead worker left unfinished; score accounts whose
    newest signal is newer than their latest score, unscored ones, and those whose rescore
    request was kept in the database while the queue was down."""
    overdue = services.scoring_shards_overdue(
        older_than=timedelta(seconds=settings.CANDOR["SHARD_REQUEUE_SECONDS"])
    )
    for shard in overdue:
        logger.warning("Re-queueing %s (attempt %d)", shard, shard.attempts)
        _shard_signature(shard).apply_async()
    remembered, read_at = services.rescore_requests_take()
    since = timezone.now() - timedelta(days=2)
    newest = (
        Signal.objects.filter(received_at__gte=since)
        .values("account_id")
        .annotate(newest=Max("received_at"))
    )
    scored = dict(CurrentHealth.objects.values_list("account_id", "computed_at"))
    stale = {
        row["account_id"]
        for row in newest
        if row["account_id"] not in scored or row["newest"] > scored[row["account_id"]]
    }
    today = timezone.now().date()
    unscored = (
        scorable_accounts(today).filter(Q(current_health__isnull=True)).values_list("pk", flat=True)
    )
    stale |= set(unscored) | set(remembered)
    if not stale:
        return 0
    scored = services.score_accounts(account_ids=sorted(stale))
    services.rescore_requests_done(account_ids=remembered, before=read_at)
    return scored
