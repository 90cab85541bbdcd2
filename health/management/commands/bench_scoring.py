"""Benchmark the portfolio scorer: set-based features, vectorised scoring, bulk writes.

Each run first scores the portfolio serially in one process (to time its phases), then end to
end as production does: `score_portfolio` shards by id range, one shard per worker process
(--workers, default: the machine's cores), each shard running the same service as the Celery
`score_range` task. `total_s` is that end-to-end wall-clock time; `serial_total_s` the sum of
the serial phases. Prints one line per phase and, last, ONE JSON object with the medians.

The rules that run after every scoring run (the actions app, through health's `scores_written`
hook) are part of what is timed; `--rules off` switches them off (CANDOR["ACTION_RULES"]) to
measure what they cost.

`--history-days N` (default 30) first gives the portfolio N nightly runs of score history
(health.steady_state), so today's partition of history is as full as on its last day (a
month's on the 30th, where the database is partitioned by month): steady state, not
a fresh database. Last night's run also kept each account's account-side features
(health.feature_cache, computed as of yesterday): a run reads them, and computes again only
those whose dates or data changed since. With `--history-days 0` nothing is kept before a
run. Each run also times the floor of its write: the same rows COPYd into a
plain table without indexes (`copy_floor_s`), reported beside the write and, with the feature
read, as `floor_s`.
"""

import json
import math
import multiprocessing
import os
import random
import resource
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import Account
from health.feature_cache import feature_cache_clear
from health.features import AccountRange, build_features, cached_parts_keep, scorable_accounts
from health.models import CurrentHealth, HealthScore
from health.partitions import history_partition_ensure
from health.portfolio_figures import portfolio_figures_refresh
from health.services import (
    COPY_CSV,
    VARYING,
    health_scores_write,
    score_accounts,
    score_features,
    scores_csv,
)
from health.steady_state import history_nights_fill
from health.tasks import portfolio_shards
from signals.models import Signal


def peak_rss_mb() -> float:
    """The largest resident set of this process or any shard worker it forked."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def score_shard_range(first, last, as_of, computed_at) -> int:
    """What a worker does with one shard (module level, so a forked pool can call it)."""
    return score_accounts(
        account_ids=AccountRange(first, last), as_of=as_of, computed_at=computed_at
    )


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - started


def naive_score(account_id, as_of, computed_at) -> int:
    """The per-account approach: one set of feature queries, one scoring call, one write per account."""
    features = build_features(as_of, [account_id])
    if features.empty:
        return 0
    scores = score_features(features, as_of)
    return health_scores_write(scores, features, as_of=as_of, computed_at=computed_at, current=True)


def steady_state_ensure(stdout, days: int, as_of) -> None:
    """N nightly runs of history before anything is timed (a first run scores the portfolio
    when nothing has been scored yet: the nights repeat each account's current score)."""
    if days <= 0:
        return
    if not CurrentHealth.objects.exists():
        score_accounts(as_of=as_of)
    written, elapsed = timed(history_nights_fill, nights=days, as_of=as_of)
    # Last night's run kept each account's account-side features (health.feature_cache).
    _, kept_s = timed(cached_parts_keep, as_of - timedelta(days=1))
    with connection.cursor() as cursor:
        # The planner's statistics as autovacuum keeps them by day thirty: without them a
        # table filled since the last ANALYZE (actions, alert states, the month's history) is
        # planned as if empty. This machine's PostgreSQL runs with autovacuum off.
        cursor.execute("ANALYZE")
        partition = history_partition_ensure(cursor, as_of)
        cursor.execute(f"SELECT count(*) FROM {partition}")
        partition_rows = cursor.fetchone()[0]
    stdout.write(
        f"History: {days} nightly runs ({written} rows written in {elapsed:.1f}s); "
        f"{partition}, today's partition, holds {partition_rows} rows; last night's "
        f"account-side features kept in {kept_s:.1f}s"
    )


FLOOR_TABLE = "candor_copy_floor"


def copy_floor(scores, features, as_of, computed_at) -> float:
    """Seconds to write the run's rows at the floor: the same CSV the write makes, COPYd into a
    plain table with the history's columns and no indexes, committed (then dropped)."""
    started = time.perf_counter()
    csv = scores_csv(scores, features)
    plain = ", ".join(c for c in VARYING if c != "last_signal_at")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {FLOOR_TABLE} AS SELECT id, as_of, computed_at, {plain}, "
            "NULL::float8 AS last_signal_at FROM health_healthscore WITH NO DATA"
        )
        # A column default takes no subquery: the sequence by name, as NEXT_ID finds it.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [HealthScore._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"ALTER TABLE {FLOOR_TABLE} ALTER id SET DEFAULT nextval('{sequence}'::regclass), "
            f"ALTER as_of SET DEFAULT '{as_of.isoformat()}', "
            f"ALTER computed_at SET DEFAULT '{computed_at.isoformat()}'"
        )
        copy_sql = f"COPY {FLOOR_TABLE} ({', '.join(VARYING)}) FROM STDIN ({COPY_CSV})"
        with cursor.cursor.copy(copy_sql) as copy:
            copy.write(csv)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
    return elapsed


def backend_cpu_s() -> float | None:
    """CPU seconds this connection's PostgreSQL backend has run, read from Linux's
    /proc/<pid>/schedstat in nanoseconds (None when the database runs elsewhere or it cannot
    be read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/schedstat") as schedstat:
            return int(schedstat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _minus(after, before):
    return None if after is None or before is None else after - before


def _rescore_cpu(rescores: list[tuple]) -> dict:
    """Median CPU milliseconds of the 100-account rescores: this process, and its backend."""
    db = [db_cpu for _, _, db_cpu in rescores if db_cpu is not None]
    return {
        "rescore_100_cpu_ms": round(1000 * statistics.median(cpu for _, cpu, _ in rescores), 1),
        "rescore_100_db_cpu_ms": round(1000 * statistics.median(db), 1) if db else None,
    }


def _rules_switch(on: bool) -> None:
    """The actions rules on or off (CANDOR["ACTION_RULES"]); forked shard workers inherit it."""
    settings.CANDOR = {**settings.CANDOR, "ACTION_RULES": on}


def _medians(results: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def _rules_cost(on: dict, off: dict) -> dict:
    """What running the rules after scoring costs: medians without them and the overhead."""
    return {
        "total_s_rules_off": round(off["total_s"], 3),
        "serial_total_s_rules_off": round(off["serial_total_s"], 3),
        "rules_overhead_pct": round(100 * (on["total_s"] / off["total_s"] - 1), 1),
        "serial_rules_overhead_pct": round(
            100 * (on["serial_total_s"] / off["serial_total_s"] - 1), 1
        ),
    }


class Command(BaseCommand):
    help = "Benchmark scoring the whole portfolio (seeds an empty database first)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=100_000)
        parser.add_argument("--signals-per-account", type=int, default=100)
        parser.add_argument("--naive-sample", type=int, default=200)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--shards-per-worker", type=int, default=4)
        parser.add_argument(
            "--history-days", type=int, default=30,
            help="Nightly runs of score history written before timing (0: a fresh database).",
        )  # fmt: skip
        parser.add_argument(
            "--rules", choices=["on", "off", "both"], default="on",
            help="Run the actions rules after each scoring run (on, as production does), not, "
            "or both: each run once without and once with them, to report what they cost.",
        )  # fmt: skip

    def handle(
        self, *args, accounts, signals_per_account, naive_sample, runs, seed, workers,
        shards_per_worker, rules, history_days, **options,
    ):  # fmt: skip
        self.shards_per_worker, self.history_days = shards_per_worker, history_days
        _rules_switch(rules != "off")
        self._ensure_data(accounts, signals_per_account, seed)
        as_of = timezone.now().date()
        steady_state_ensure(self.stdout, history_days, as_of)
        n_accounts, n_signals = Account.objects.count(), Signal.objects.count()
        self.stdout.write(
            f"Database {connection.vendor}: {n_accounts} accounts, {n_signals} signals"
        )
        results, without = [], []
        for i in range(runs):
            if rules == "both":  # interleaved, so the machine's drift touches both alike
                _rules_switch(False)
                without.append(self._run(as_of, i + 1, workers, "rules off"))
                _rules_switch(True)
            results.append(self._run(as_of, i + 1, workers))
        median = _medians(results)
        naive_s = self._naive(as_of, naive_sample, median["scored"])
        rescores = [self._rescore_100(as_of, seed + i) for i in range(runs)]
        rescore = [wall for wall, _, _ in rescores]
        summary = {
            "accounts": n_accounts,
            "scored": int(median["scored"]),
            "signals": n_signals,
            "features_s": round(median["features_s"], 3),
            "scoring_s": round(median["scoring_s"], 3),
            "write_s": round(median["write_s"], 3),
            "copy_floor_s": round(median["copy_floor_s"], 3),
            "write_vs_copy": round(median["write_s"] / median["copy_floor_s"], 2),
            "floor_s": round(median["floor_s"], 3),
            "portfolio_figures_s": round(median["figures_s"], 3),
            "serial_vs_floor": round(median["serial_total_s"] / median["floor_s"], 2),
            "total_s": round(median["total_s"], 3),
            "serial_total_s": round(median["serial_total_s"], 3),
            "workers": workers,
            "accounts_per_s": round(median["scored"] / median["total_s"], 1),
            "naive_extrapolated_s": round(naive_s, 1),
            "naive_ratio": round(naive_s / median["total_s"], 1),
            "rescore_100_s": round(statistics.median(rescore), 3),
            **_rescore_cpu(rescores),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "runs": runs,
            "history_days": history_days,
            "rules": rules,
            "database": connection.vendor,
            **(_rules_cost(median, _medians(without)) if without else {}),
        }
        self.stdout.write(
            f"Median total {summary['total_s']}s ({summary['accounts_per_s']} accounts/s); "
            f"naive {summary['naive_ratio']}x slower; 100 changed accounts "
            f"{summary['rescore_100_s']}s; peak RSS {summary['peak_rss_mb']} MB"
        )
        self.stdout.write(json.dumps(summary))

    def _ensure_data(self, accounts, signals_per_account, seed):
        have = Account.objects.count()
        if have >= accounts * 0.9:
            return
        if have:
            self.stdout.write(f"Database holds {have} accounts (< {accounts}); benchmarking those.")
            return
        self.stdout.write(f"Seeding {accounts} accounts x {signals_per_account} signals ...")
        _, elapsed = timed(
            call_command, "seed_demo", accounts=accounts,
            signals_per_account=signals_per_account, seed=seed,
        )  # fmt: skip
        self.stdout.write(f"Seeded in {elapsed:.1f}s")
        # Measure a settled database, as production's autovacuum keeps it: statistics and the
        # visibility map of 10 million fresh rows (without them a 100-account rescore took 5x).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    def _run(self, as_of, number, workers, label="") -> dict:
        if not self.history_days:  # day one: no run before this one kept anything
            feature_cache_clear()
        computed_at = timezone.now()
        features, features_s = timed(build_features, as_of)
        scores, scoring_s = timed(score_features, features, as_of)
        scored, write_s = timed(
            health_scores_write, scores, features, as_of=as_of, computed_at=computed_at,
            current=True,
        )  # fmt: skip
        copy_s = copy_floor(scores, features, as_of, computed_at)
        del features, scores
        serial = features_s + scoring_s + write_s
        parallel_scored, total = timed(self._end_to_end, as_of, workers)
        _, figures_s = timed(portfolio_figures_refresh)  # the run's last step, timed apart
        self.stdout.write(
            f"Run {number}{f' ({label})' if label else ''}: serial features {features_s:.2f}s, scoring {scoring_s:.2f}s, "
            f"write {write_s:.2f}s (COPY floor {copy_s:.2f}s) = {serial:.2f}s; end to end with {workers} workers "
            f"{total:.2f}s for {parallel_scored} accounts ({parallel_scored / total:.0f}/s), "
            f"peak RSS {peak_rss_mb():.0f} MB; the portfolio's figures after it {figures_s:.2f}s"
        )
        return {
            "features_s": features_s, "scoring_s": scoring_s, "write_s": write_s,
            "serial_total_s": serial, "total_s": total, "scored": parallel_scored,
            "copy_floor_s": copy_s, "floor_s": features_s + copy_s, "figures_s": figures_s,
        }  # fmt: skip

    def _end_to_end(self, as_of, workers) -> int:
        """The portfolio as score_portfolio shards it, one id range per worker process."""
        ids = list(scorable_accounts(as_of).order_by("pk").values_list("pk", flat=True))
        shards = portfolio_shards(ids, math.ceil(len(ids) / (workers * self.shards_per_worker)))
        computed_at = timezone.now()
        connections.close_all()  # each forked worker opens its own connection
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            counts = pool.starmap(
                score_shard_range, [(*shard, as_of, computed_at) for shard in shards]
            )
        return sum(counts)

    def _sample_ids(self, size, seed) -> list[int]:
        ids = list(Account.objects.values_list("id", flat=True))
        return random.Random(seed).sample(ids, min(size, len(ids)))

    def _naive(self, as_of, sample, scored) -> float:
        ids = self._sample_ids(sample, 7)
        computed_at = timezone.now()
        started = time.perf_counter()
        for account_id in ids:
            naive_score(account_id, as_of, computed_at)
        elapsed = time.perf_counter() - started
        per_account = elapsed / max(len(ids), 1)
        extrapolated = per_account * scored
        self.stdout.write(
            f"Naive per-account: {len(ids)} accounts in {elapsed:.2f}s "
            f"({per_account * 1000:.1f} ms each) -> {extrapolated:.0f}s for {int(scored)} accounts"
        )
        return extrapolated

    def _rescore_100(self, as_of, seed) -> tuple[float, float, float | None]:
        """Wall seconds, and the CPU seconds of this process and of its database backend
        (None when the backend is not a process of this machine): on a shared machine the
        CPU is the figure that compares from one run to the next."""
        ids = self._sample_ids(100, seed)
        cpu, db_cpu = time.process_time(), backend_cpu_s()
        _, elapsed = timed(score_accounts, account_ids=ids, as_of=as_of)
        cpu, db_cpu = time.process_time() - cpu, _minus(backend_cpu_s(), db_cpu)
        db = "" if db_cpu is None else f", database backend {db_cpu * 1000:.0f} ms"
        self.stdout.write(
            f"Rescore 100 changed accounts: {elapsed * 1000:.0f} ms (CPU: this process "
            f"{cpu * 1000:.0f} ms{db})"
        )
        return elapsed, cpu, db_cpu
