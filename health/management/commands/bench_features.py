"""Benchmark today's features phase: the full computation from the rollups against the
per-account summaries (signals.summaries), on the database as it is (seed it first, e.g. with
`bench_scoring`). Each run times, in one session:

- `full_s`: build_features(today) reading the windows from the rollups (the path past dates take);
- `advance_s`: the nightly step, summaries standing at yesterday moved to today;
- `incremental_s`: build_features(today) from summaries already at today (later runs that day);
- `first_of_day_s`: advance_s + incremental_s, what the first scoring run of a day pays.

Prints one line per run and, last, ONE JSON object with the medians and the load average.
"""

import json
import os
import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from health.features import build_features
from signals.summaries import signal_summaries_refresh


def timed(func, *args, **kwargs) -> float:
    started = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - started


class Command(BaseCommand):
    help = "Time today's features: full computation against the per-account summaries."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, runs, **options):
        today = timezone.now().date()
        results = []
        for number in range(1, runs + 1):
            full_s = timed(build_features, today, incremental=False)
            rebuild_s = timed(signal_summaries_refresh, as_of=today - timedelta(days=1))
            advance_s = timed(signal_summaries_refresh, as_of=today)
            incremental_s = timed(build_features, today)
            run = {
                "full_s": full_s, "advance_s": advance_s, "incremental_s": incremental_s,
                "first_of_day_s": advance_s + incremental_s, "rebuild_s": rebuild_s,
            }  # fmt: skip
            self.stdout.write(
                f"Run {number}: " + ", ".join(f"{k} {v:.2f}" for k, v in run.items())
                + f"; load {os.getloadavg()[0]:.1f}"
            )  # fmt: skip
            results.append(run)
        medians = {k: round(statistics.median(r[k] for r in results), 3) for k in results[0]}
        load = [round(x, 2) for x in os.getloadavg()]
        self.stdout.write(json.dumps({**medians, "runs": runs, "load_average": load}))
