"""A portfolio run records its shards; a worker leases the shard it scores and renews the
lease while it works; a shard whose lease lapsed (its worker died) is re-queued by the shard
sweep, and re-running a shard never scores an account twice for one run."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from health import services, tasks
from health.models import HealthScore, ScoringRun, ScoringShard
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(alice, settings):
    settings.CANDOR = {**settings.CANDOR, "SCORING_SHARD_SIZE": 2}
    settings.CELERY_TASK_ALWAYS_EAGER = True  # shards run in-process, one after another
    return [make_account(csm=alice).pk for _ in range(5)]


def abandoned_run(accounts, minutes_ago=60, lease_lapsed_seconds_ago=10):
    """A run whose worker died before any shard finished (as after a SIGKILL): each shard was
    leased, and the lease lapsed that long ago."""
    shards = tasks.portfolio_shards(sorted(accounts), 2)
    run, _ = services.scoring_run_start(
        task_id="killed", as_of=timezone.now().date(), shards=shards, accounts=len(accounts)
    )
    now = timezone.now()
    ScoringShard.objects.filter(run=run).update(
        queued_at=now - timedelta(minutes=minutes_ago),
        leased_by="dead-worker",
        lease_until=now - timedelta(seconds=lease_lapsed_seconds_ago),
    )
    return run


LEASE = timedelta(seconds=30)


def scores_of(run):
    return list(
        HealthScore.objects.filter(computed_at=run.computed_at).values_list("account_id", flat=True)
    )


def test_a_portfolio_run_records_its_shards_and_finishes(accounts):
    tasks.score_portfolio.apply()
    run = ScoringRun.objects.get()
    assert [(s.first, s.last) for s in run.shards.order_by("pk")] == tasks.portfolio_shards(
        accounts, 2
    )
    assert not run.shards.filter(done_at__isnull=True).exists()
    assert run.finished_at is not None
    assert sorted(scores_of(run)) == accounts


def test_the_shard_sweep_requeues_the_shards_whose_lease_lapsed(accounts):
    run = abandoned_run(accounts)
    assert tasks.scoring_shards_requeue.apply().get() == run.shards.count()
    assert sorted(scores_of(run)) == accounts
    run.refresh_from_db()
    assert run.finished_at is not None
    assert set(run.shards.values_list("attempts", flat=True)) == {2}


def test_the_shard_sweep_leaves_a_shard_whose_worker_still_renews_its_lease(accounts):
    run = abandoned_run(accounts, lease_lapsed_seconds_ago=-20)  # lease good for 20 s more
    assert services.scoring_shards_lapsed(resend_after=timedelta(seconds=60)) == []
    assert not run.shards.filter(attempts__gt=1).exists()


def test_the_shard_sweep_requeues_a_shard_as_soon_as_its_lease_lapsed(accounts):
    run = abandoned_run(accounts, minutes_ago=0.25, lease_lapsed_seconds_ago=1)
    lapsed = services.scoring_shards_lapsed(resend_after=timedelta(seconds=60))
    assert len(lapsed) == run.shards.count()


def test_the_shard_sweep_requeues_a_shard_no_worker_claimed_in_time(accounts):
    run = abandoned_run(accounts, minutes_ago=2)
    run.shards.update(leased_by="", lease_until=None)
    lapsed = services.scoring_shards_lapsed(resend_after=timedelta(seconds=60))
    assert [s.pk for s in lapsed] == list(run.shards.order_by("pk").values_list("pk", flat=True))


def test_the_shard_sweep_leaves_an_unclaimed_shard_queued_moments_ago(accounts):
    run = abandoned_run(accounts, minutes_ago=0)
    run.shards.update(leased_by="", lease_until=None)
    assert services.scoring_shards_lapsed(resend_after=timedelta(seconds=60)) == []


def test_beat_sweeps_the_shards_every_thirty_seconds_by_default(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-lapsed-scoring-shards"]
    assert (entry["task"], entry["schedule"]) == ("health.tasks.scoring_shards_requeue", 30.0)


def test_a_live_lease_keeps_a_second_worker_from_claiming_the_shard(accounts):
    shard = abandoned_run(accounts).shards.first()
    assert services.scoring_shard_claim(shard_id=shard.pk, holder="first", lease=LEASE)
    assert not services.scoring_shard_claim(shard_id=shard.pk, holder="second", lease=LEASE)
    shard.refresh_from_db()
    assert shard.leased_by == "first"


def test_a_lapsed_lease_lets_another_worker_claim_the_shard(accounts):
    shard = abandoned_run(accounts).shards.first()
    assert services.scoring_shard_claim(shard_id=shard.pk, holder="second", lease=LEASE)
    shard.refresh_from_db()
    assert shard.leased_by == "second" and shard.lease_held(timezone.now())


def test_a_done_shard_is_never_claimed_again(accounts):
    shard = abandoned_run(accounts).shards.first()
    services.scoring_shard_finish(shard_id=shard.pk, scored=2, failed=[])
    assert not services.scoring_shard_claim(shard_id=shard.pk, holder="late", lease=LEASE)


def test_only_the_holder_renews_a_lease(accounts):
    shard = abandoned_run(accounts).shards.first()
    services.scoring_shard_claim(shard_id=shard.pk, holder="first", lease=LEASE)
    assert not services.scoring_shard_lease_renew(shard_id=shard.pk, holder="other", lease=LEASE)
    assert services.scoring_shard_lease_renew(shard_id=shard.pk, holder="first", lease=LEASE)


@pytest.mark.django_db(transaction=True)
def test_a_working_shard_renews_its_lease_from_a_heartbeat(accounts):
    shard = abandoned_run(accounts).shards.first()
    lease = timedelta(seconds=0.6)
    services.scoring_shard_claim(shard_id=shard.pk, holder="live", lease=lease)
    claimed_until = ScoringShard.objects.get(pk=shard.pk).lease_until
    with tasks.lease_renewed(shard.pk, "live", lease):
        time.sleep(1.0)  # past the first lease: only a renewal keeps it
        renewed_until = ScoringShard.objects.get(pk=shard.pk).lease_until
    assert renewed_until > claimed_until and renewed_until > timezone.now()


def test_a_shard_run_twice_scores_each_account_once_for_the_run(accounts):
    run = abandoned_run(accounts)
    shard = run.shards.order_by("pk").first()
    for _ in range(2):  # the broker's redelivery and the sweep's re-queue both ran it
        tasks.score_range.apply(tasks._shard_signature(shard).args)
    assert sorted(scores_of(run)) == sorted(a for a in accounts if shard.first <= a <= shard.last)


def test_a_redelivered_portfolio_task_gets_its_run_back(accounts):
    first, created = services.scoring_run_start(
        task_id="t-1", as_of=timezone.now().date(), shards=[(1, 2)], accounts=2
    )
    again, created_again = services.scoring_run_start(
        task_id="t-1", as_of=timezone.now().date(), shards=[(1, 2)], accounts=2
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert ScoringShard.objects.count() == 1
