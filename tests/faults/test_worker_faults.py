"""Celery workers under faults: one SIGKILLed in the middle of a portfolio run (after a new
worker starts every active account is scored for that run, none twice; with production
defaults within two minutes, by the shard leases and beat's shard sweep), and one whose broker
went away and came back (it is still there, and works)."""

import signal
import subprocess
import sys
import time

import psycopg
from django.db import connection

from health.models import HealthScore
from tests.factories import make_account
from tests.faults.processes import FAULT_TESTS, ROOT, production_env, wait_for

pytestmark = FAULT_TESTS

QUEUE_RUN = (
    "import django; django.setup(); from health.tasks import score_portfolio; "
    "score_portfolio.delay()"
)


def lock_scorecards():
    """Hold the scorecard table, so the first shard blocks mid-run where the test can see it."""
    db = connection.settings_dict
    lock = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"],
        dbname=db["NAME"],
    )  # fmt: skip
    lock.execute("LOCK TABLE health_scorecard IN ACCESS EXCLUSIVE MODE")
    return lock


def a_shard_is_blocked() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_run_whose_worker_was_killed_completes_once_on_a_new_worker(
    own_redis, start_worker, alice
):
    from health.models import ScoringRun, ScoringShard

    accounts = [make_account(csm=alice).pk for _ in range(6)]
    env = production_env(own_redis.url, SCORING_SHARD_SIZE="2", CELERY_VISIBILITY_TIMEOUT="3")
    lock = lock_scorecards()
    first = start_worker(env, "first")
    subprocess.run([sys.executable, "-c", QUEUE_RUN], env=env, cwd=ROOT, check=True)
    assert wait_for(a_shard_is_blocked, 60), first.output()
    killed_at = time.monotonic()
    first.kill(signal.SIGKILL)
    lock.rollback()
    lock.close()
    run = ScoringRun.objects.get()
    assert not ScoringShard.objects.filter(run=run, done_at__isnull=False).exists()

    second = start_worker(env, "second")

    def all_scored():
        return HealthScore.objects.filter(computed_at=run.computed_at).count() >= len(accounts)

    assert wait_for(all_scored, 240, every=0.5), second.output()
    print(f"killed run complete {time.monotonic() - killed_at:.1f}s after the SIGKILL")
    time.sleep(1)  # a duplicate delivery, if any, would have written by now
    per_account = {
        pk: HealthScore.objects.filter(account_id=pk, computed_at=run.computed_at).count()
        for pk in accounts
    }
    assert per_account == dict.fromkeys(accounts, 1)
    assert wait_for(lambda: ScoringRun.objects.get(pk=run.pk).finished_at is not None, 30)


def start_a_run_and_kill_its_worker(env, start_worker):
    """Queue a portfolio run, let its first shard block mid-run, SIGKILL the worker (and its
    child) and release the block; returns the run."""
    from health.models import ScoringRun, ScoringShard

    lock = lock_scorecards()
    first = start_worker(env, "first")
    subprocess.run([sys.executable, "-c", QUEUE_RUN], env=env, cwd=ROOT, check=True)
    assert wait_for(a_shard_is_blocked, 60), first.output()
    first.kill(signal.SIGKILL)
    lock.rollback()
    lock.close()
    run = ScoringRun.objects.get()
    assert ScoringShard.objects.filter(run=run).exclude(leased_by="").exists()
    assert not ScoringShard.objects.filter(run=run, done_at__isnull=False).exists()
    return run


def scores_per_account(run, accounts) -> dict[int, int]:
    return {
        pk: HealthScore.objects.filter(account_id=pk, computed_at=run.computed_at).count()
        for pk in accounts
    }


def test_with_production_defaults_a_killed_run_completes_within_two_minutes_of_a_new_worker(
    own_redis, start_worker, start_beat, alice
):
    from health.models import ScoringRun

    accounts = [make_account(csm=alice).pk for _ in range(12)]
    # Production's lease, sweep, visibility timeout and time limits; small shards so the run
    # has several, one of them leased by the worker that dies.
    env = production_env(own_redis.url, SCORING_SHARD_SIZE="4")
    start_beat(env)
    run = start_a_run_and_kill_its_worker(env, start_worker)

    available_at = time.monotonic()
    second = start_worker(env, "second")

    def all_scored():
        return HealthScore.objects.filter(computed_at=run.computed_at).count() >= len(accounts)

    assert wait_for(all_scored, 120, every=0.5), second.output()
    print(f"killed run complete {time.monotonic() - available_at:.1f}s after a worker started")
    assert wait_for(lambda: ScoringRun.objects.get(pk=run.pk).finished_at is not None, 10)
    time.sleep(2)  # a surplus copy of a shard, if one ran, would have written by now
    assert scores_per_account(run, accounts) == dict.fromkeys(accounts, 1)


def test_a_worker_survives_a_broker_outage_and_works_after_it(own_redis, start_worker, alice):
    account = make_account(csm=alice)
    env = production_env(own_redis.url)
    worker = start_worker(env, "survivor")
    assert wait_for(lambda: "ready." in worker.output(), 60), worker.output()
    # The start-up shard sweep done: kombu cannot restore a message it holds unacknowledged to
    # a broker that is down (the worker would die of it), so none is held across the outage.
    assert wait_for(lambda: "scoring_shards_requeue" in worker.output() and "succeeded" in
                    worker.output(), 30), worker.output()  # fmt: skip
    own_redis.stop()
    assert wait_for(lambda: "Connection to broker lost" in worker.output(), 30), worker.output()
    time.sleep(3)  # the outage goes on while the worker retries
    own_redis.start()
    queue = (
        "import django; django.setup(); from health.tasks import score_accounts; "
        f"score_accounts.delay([{account.pk}])"
    )
    subprocess.run([sys.executable, "-c", queue], env=env, cwd=ROOT, check=True)
    assert wait_for(lambda: HealthScore.objects.filter(account=account).exists(), 90), (
        worker.output()
    )
    assert worker.popen.poll() is None
