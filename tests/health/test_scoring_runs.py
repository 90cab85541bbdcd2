"""A portfolio run records its shards; a shard its worker never finished is re-queued by the
sweep, and re-running a shard never scores an account twice for one run."""

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


def abandoned_run(accounts, minutes_ago=60):
    """A run whose worker died before any shard finished (as after a SIGKILL)."""
    shards = tasks.portfolio_shards(sorted(accounts), 2)
    run, _ = services.scoring_run_start(
        task_id="killed", as_of=timezone.now().date(), shards=shards, accounts=len(accounts)
    )
    long_ago = timezone.now() - timezone.timedelta(minutes=minutes_ago)
    ScoringShard.objects.filter(run=run).update(queued_at=long_ago)
    return run


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


def test_the_sweep_requeues_the_shards_of_an_unfinished_run(accounts):
    run = abandoned_run(accounts)
    tasks.rescore_stale_accounts.apply()
    assert sorted(scores_of(run)) == accounts
    run.refresh_from_db()
    assert run.finished_at is not None
    assert set(run.shards.values_list("attempts", flat=True)) == {2}


def test_the_sweep_leaves_a_shard_that_may_still_be_running(accounts):
    run = abandoned_run(accounts, minutes_ago=1)
    ids = services.scoring_shards_overdue(older_than=timezone.timedelta(minutes=5))
    assert ids == []
    assert not run.shards.filter(attempts__gt=1).exists()


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
