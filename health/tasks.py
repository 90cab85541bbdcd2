"""Celery tasks: they take ids, call a service, and are safe to retry."""

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
def score_range(self, first, last, as_of=None, computed_at=None):
    """One shard of the portfolio: every scorable account with first <= id <= last."""
    run = parse_datetime(computed_at) if computed_at else None
    return services.score_accounts(
        account_ids=AccountRange(first, last), as_of=_as_of(as_of), computed_at=run
    )


@shared_task(bind=True, **RETRY)
def score_accounts(self, account_ids, as_of=None):
    return services.score_accounts(account_ids=account_ids, as_of=_as_of(as_of))


@shared_task(bind=True, **RETRY)
def score_portfolio(self, as_of=None):
    """Split the portfolio into shards, scored in parallel by however many workers there are."""
    day = _as_of(as_of) or timezone.now().date()
    ids = list(scorable_accounts(day).order_by("pk").values_list("pk", flat=True))
    run = timezone.now().isoformat()
    shards = portfolio_shards(ids, settings.CANDOR["SCORING_SHARD_SIZE"])
    group(score_range.s(*shard, day.isoformat(), run) for shard in shards).apply_async()
    return {"accounts": len(ids), "shards": len(shards), "as_of": day.isoformat(), "run": run}


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
    """The sweep: accounts whose newest signal is newer than their latest score, or unscored."""
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
    stale |= set(unscored)
    if not stale:
        return 0
    return services.score_accounts(account_ids=sorted(stale))
