"""Benchmark the backtest: every account active on each as-of date, features cut at that date,
scored in memory, nothing written. Seeds an empty database first (as bench_scoring does).

Prints one line per phase and, last, ONE JSON object: end-to-end seconds with --workers
processes (one as-of date per process at a time), the serial phases summed over dates, the
cost per account-date, and that cost extrapolated to 100,000 accounts x 6 dates.
"""

import json
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from health.backtest import (
    BacktestWindow,
    backtest_cards,
    backtest_rows,
    portfolio_as_of,
    score_as_known,
)
from health.management.commands.bench_scoring import peak_rss_mb, steady_state_ensure, timed
from health.scoring.backtest import backtest_metrics
from signals.models import Signal

TARGET_ACCOUNT_DATES = 100_000 * 6


class Command(BaseCommand):
    help = "Benchmark the backtest (seeds an empty database first). Last line: one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--signals-per-account", type=int, default=100)
        parser.add_argument("--dates", type=int, default=6)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--runs", type=int, default=1)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--history-days", type=int, default=30,
            help="Nightly runs of score history written before timing (0: a fresh database).",
        )  # fmt: skip

    def handle(
        self, *args, accounts, signals_per_account, dates, workers, runs, seed, history_days,
        **opts,
    ):  # fmt: skip
        from health.management.commands.bench_scoring import Command as BenchScoring

        BenchScoring(stdout=self.stdout)._ensure_data(accounts, signals_per_account, seed)
        steady_state_ensure(self.stdout, history_days, timezone.now().date())
        window = BacktestWindow.default(timezone.now().date(), dates)
        self.stdout.write(
            f"Database {connection.vendor}: {Account.objects.count()} accounts, "
            f"{Signal.objects.count()} signals; as-of dates {window.dates[0]}..{window.dates[-1]}"
        )
        serial = self._serial(window)
        totals = [self._end_to_end(window, workers, run + 1) for run in range(runs)]
        total_s = statistics.median(t for t, _ in totals)
        account_dates = totals[0][1]
        per_ms = total_s / max(account_dates, 1) * 1000
        summary = {
            "accounts": Account.objects.count(),
            "as_of_dates": len(window.dates),
            "account_dates": account_dates,
            "total_s": round(total_s, 2),
            "workers": workers,
            "features_s": round(serial["features_s"], 2),
            "scoring_s": round(serial["scoring_s"], 2),
            "serial_total_s": round(serial["features_s"] + serial["scoring_s"], 2),
            "ms_per_account_date": round(per_ms, 4),
            "extrapolated_100k_x6_s": round(per_ms * TARGET_ACCOUNT_DATES / 1000, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "runs": runs,
            "history_days": history_days,
            "database": connection.vendor,
        }
        self.stdout.write(json.dumps(summary))

    def _serial(self, window) -> dict:
        phases = {"features_s": 0.0, "scoring_s": 0.0}
        cards, _ = backtest_cards()
        for as_of in window.dates:
            features, features_s = timed(portfolio_as_of, as_of, cards)
            rows, scoring_s = timed(score_as_known, features, as_of, cards)
            phases["features_s"] += features_s
            phases["scoring_s"] += scoring_s
            self.stdout.write(
                f"  {as_of}: {len(rows)} accounts, features {features_s:.2f}s, "
                f"scoring {scoring_s:.2f}s"
            )
        return phases

    def _end_to_end(self, window, workers, number) -> tuple[float, int]:
        started = time.perf_counter()
        rows = backtest_rows(window.dates, cards=backtest_cards()[0], workers=workers)
        figures = backtest_metrics(rows, horizon=window.horizon, every=window.every)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Run {number}: {len(rows)} account-dates in {elapsed:.2f}s with {workers} workers "
            f"(AUC {figures['auc']})"
        )
        return elapsed, len(rows)
