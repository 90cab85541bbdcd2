"""Benchmark `import_events`: writes a gzipped Segment-spec NDJSON file of N track calls over
the bench accounts, imports it through a bench source (median of --runs, each run with new
message ids), counts the signals stored, and says how long 10,000,000 events would take.
In steady state by default: the source's month of history imported and the book scored
before anything is timed (`--history-days 30 --history-per-day 30000`; 0: a new database).

    DATABASE_URL=postgres://... REDIS_URL=redis://.../1 python manage.py bench_import_events --events 200000
"""

import io
import json
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from signals.management.commands.bench_api import _bench_accounts, _bench_token
from signals.models import Signal
from sources.management.commands.bench_segment import (
    _bench_source,
    events_file_write,
    history_arguments,
    raw_store_vacuum,
    source_history_ensure,
)


class Command(BaseCommand):
    help = "Import a generated gzipped NDJSON file with import_events; report events/s."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=200_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--accounts", type=int, default=300)
        history_arguments(parser)

    def handle(self, *args, events, runs, accounts, history_days, history_per_day, **options):
        user = _bench_token().user
        count = len(_bench_accounts(accounts, user))
        source, _ = _bench_source(user)
        source_history_ensure(self.stdout, source, count, history_days, history_per_day)
        results = []
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(runs):
                run = uuid.uuid4().hex[:10]
                path = events_file_write(Path(folder) / f"{run}.json.gz", run, events, count)
                raw_store_vacuum()
                started = datetime.now(UTC) - timedelta(seconds=1)
                out = io.StringIO()
                with BackendClock() as clock:
                    call_command("import_events", str(path), source=source.name,
                                 no_progress=True, stdout=out)  # fmt: skip
                summary = json.loads(out.getvalue().strip().splitlines()[-1])
                summary["cpu_ms_per_1000"] = round((clock.process + clock.backends) / events * 1e6)
                summary["process_ms_per_1000"] = round(clock.process / events * 1e6)
                summary["backend_ms_per_1000"] = round(clock.backends / events * 1e6)
                summary["signals_counted"] = Signal.objects.filter(
                    received_at__gte=started, external_id__startswith=f"seg{source.pk}:{run}-"
                ).count()
                summary["file_mb"] = round(path.stat().st_size / 1e6, 1)
                self.stdout.write(f"run {run}: {summary['events_per_s']:,} events/s, "
                                  f"{summary['signals_counted']:,} signals")  # fmt: skip
                results.append(summary)
        rate = statistics.median(r["events_per_s"] for r in results)
        cpu_per_1000 = statistics.median(r["cpu_ms_per_1000"] for r in results)
        report = {
            "cpu_ms_per_1000": round(cpu_per_1000),
            "events": events, "runs": results, "events_per_s": round(rate),
            "ten_million_minutes": round(10_000_000 / rate / 60, 1),
            "ok": all(r["signals_counted"] == events for r in results),
            "database": connection.vendor,
        }  # fmt: skip
        self.stdout.write(
            f"import_events: median {rate:,.0f} events/s (CPU {report['cpu_ms_per_1000']} ms per "
            f"1,000 events, process {statistics.median(r['process_ms_per_1000'] for r in results)}"
            f", backends {statistics.median(r['backend_ms_per_1000'] for r in results)}); "
            f"10,000,000 events would take "
            f"{report['ten_million_minutes']} min; rows ok: {report['ok']}"
        )
        self.stdout.write(json.dumps(report))


class BackendClock:
    """CPU seconds used by this process (its sampling thread left out) and by every backend of
    this database, from /proc/<pid>/schedstat sampled every 50 ms, so a connection opened and
    closed within the run (the import's writer threads) is counted too."""

    def __init__(self):
        self.backends = self.process = 0.0
        self._seen, self._start, self._stop = {}, {}, threading.Event()

    def __enter__(self):
        self._sample()
        self._start = dict(self._seen)
        self._thread_cpu = 0.0
        self._process = time.process_time()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        self.process = time.process_time() - self._process - self._thread_cpu
        self.backends = sum(ns - self._start.get(pid, 0) for pid, ns in self._seen.items()) / 1e9

    def _run(self):
        with connection.cursor() as cursor:  # this thread's own connection: not counted
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
        while not self._stop.wait(0.05):
            self._sample(own)
        connection.close()
        self._thread_cpu = time.thread_time()

    def _sample(self, own=None):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            pids = [pid for (pid,) in cursor.fetchall() if pid != own]
        for pid in pids:
            try:
                with open(f"/proc/{pid}/schedstat") as handle:
                    ns = int(handle.read().split()[0])
            except (OSError, ValueError):
                continue
            self._seen[pid] = max(ns, self._seen.get(pid, 0))
