"""Celery tasks: they take ids, call a service, and are safe to retry.

Every task acknowledges late and is rejected back to the queue if its worker dies (settings). A
portfolio run records its shards in the database, and a worker scoring a shard holds a lease on
it that a heartbeat renews while it works. When a worker dies its lease lapses within
SHARD_LEASE_SECONDS; the shard sweep (beat, every SHARD_SWEEP_SECONDS, and on each worker's
start) re-queues such shards at once, without waiting for the broker's visibility timeout, and
the next worker claims them. The claim is one conditional update, so one worker scores a shard;
should two ever write, scores are unique per (account, as_of, computed_at) and the run fixes
computed_at, so nothing is scored twice into a run.
"""

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

import redis
from celery import group, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerError

from health import services
from health.features import AccountRange, scorable_accounts
from health.models import CurrentHealth, ScoringShard
from signals.selectors import newest_received_by_account

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
    """One shard of the portfolio: every scorable account with first <= id <= last, scored
    under the shard's lease when it belongs to a run."""
    run = {
        "as_of": _as_of(as_of),
        "computed_at": parse_datetime(computed_at) if computed_at else None,
    }
    if shard_id is None:
        return services.score_accounts(account_ids=AccountRange(first, last), **run)
    # The same worker retrying the same message (after a database hiccup) takes its lease back.
    holder = f"{self.request.hostname or 'local'}:{self.request.id or uuid.uuid4()}"
    lease = timedelta(seconds=settings.CANDOR["SHARD_LEASE_SECONDS"])
    if not services.scoring_shard_claim(shard_id=shard_id, holder=holder, lease=lease):
        return _not_claimed(self, shard_id)
    failed = []
    with lease_renewed(shard_id, holder, lease, heartbeat=not self.request.is_eager):
        scored = services.score_accounts(
            account_ids=AccountRange(first, last), failed=failed, **run
        )
    services.scoring_shard_finish(shard_id=shard_id, scored=scored, failed=failed)
    return scored


def _not_claimed(task, shard_id):
    """Done already: nothing to do. Leased by a live worker: look again once its lease would
    have lapsed, so this copy takes over should that worker die."""
    shard = ScoringShard.objects.get(pk=shard_id)
    if shard.done_at is not None or shard.lease_until is None:
        return 0
    wait = (shard.lease_until - timezone.now()).total_seconds() + 1
    # Enough looks to outlast a holder that runs to the time limit.
    looks = settings.CELERY_TASK_TIME_LIMIT // settings.CANDOR["SHARD_LEASE_SECONDS"] + 2
    raise task.retry(countdown=max(wait, 1), max_retries=looks)


@contextmanager
def lease_renewed(shard_id: int, holder: str, lease: timedelta, heartbeat=True):
    """Renew the shard's lease every third of its length while the block runs, from a thread
    with its own database connection: the lease lapses only when the worker is gone."""
    if not heartbeat:  # eager: the run is this process, nobody else could take the shard over
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(lease.total_seconds() / 3):
                if not services.scoring_shard_lease_renew(
                    shard_id=shard_id, holder=holder, lease=lease
                ):
                    logger.warning("Lease on shard %s lost by %s", shard_id, holder)
                    return
        except Exception:  # the next beat, or the lease lapsing, will tell
            logger.exception("Could not renew the lease on shard %s", shard_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{shard_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(lease.total_seconds())


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
def scoring_shards_requeue(self):
    """The shard sweep: re-queue shards of runs whose lease lapsed (a worker died) or that no
    worker claimed in SHARD_REQUEUE_SECONDS (their message was lost)."""
    lapsed = services.scoring_shards_lapsed(
        resend_after=timedelta(seconds=settings.CANDOR["SHARD_REQUEUE_SECONDS"])
    )
    for shard in lapsed:
        logger.warning("Re-queueing %s (attempt %d)", shard, shard.attempts)
        _shard_signature(shard).apply_async()
    return len(lapsed)


@worker_ready.connect
def _sweep_shards_on_start(sender, **kwargs):
    """A worker that starts (after a crash, say) looks for shards left without a live lease: now,
    and once more when a lease the dead worker held has surely lapsed (with or without beat)."""
    sender.app.send_task("health.tasks.scoring_shards_requeue")
    lapsed = settings.CANDOR["SHARD_LEASE_SECONDS"] + 1
    later = threading.Timer(lapsed, _sweep_send, args=[sender.app])
    later.daemon = True
    later.start()


def _sweep_send(app) -> None:
    """Sent when due rather than as a countdown task: a message held unacknowledged until its
    time is one kombu tries to restore to a broker that went down, and the worker dies of it."""
    try:
        app.send_task("health.tasks.scoring_shards_requeue")
    except Exception:  # the broker is down: beat's sweep runs when it is back
        logger.warning("Shard sweep not queued: the broker is unavailable", exc_info=True)


@shared_task(bind=True, **RETRY)
def rescore_stale_accounts(self):
    """The sweep: score accounts whose newest signal is newer than their latest score,
    unscored ones, and those whose rescore request was kept in the database while the queue
    was down."""
    remembered, read_at = services.rescore_requests_take()
    since = timezone.now() - timedelta(days=2)
    newest = newest_received_by_account(since=since)
    scored = dict(CurrentHealth.objects.values_list("account_id", "computed_at"))
    stale = {
        account_id
        for account_id, received in newest.items()
        if account_id not in scored or received > scored[account_id]
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
