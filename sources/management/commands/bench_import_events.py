"""Benchmark `import_events`: writes a gzipped Segment-spec NDJSON file of N track calls over
the bench accounts, imports it through a bench source (median of --runs, each run with new
message ids), counts the signals stored, and says how long 10,000,000 events would take.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../1 python manage.py bench_import_events --events 200000
"""

import gzip
import io
import json
import statistics
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from signals.management.commands.bench_api import _bench_accounts, _bench_token
from signals.models import Signal
from sources.management.commands.bench_segment import (
    EVENTS,
    _bench_source,
    bench_group,
    bench_user,
    cpu_seconds,
    raw_store_vacuum,
)


class Command(BaseCommand):
    help = "Import a generated gzipped NDJSON file with import_events; report events/s."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=200_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--accounts", type=int, default=300)

    def handle(self, *args, events, runs, accounts, **options):
        user = _bench_token().user
        count = len(_bench_accounts(accounts, user))
        source, _ = _bench_source(user)
        results = []
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(runs):
                run = uuid.uuid4().hex[:10]
                path = _write(Path(folder) / f"{run}.json.gz", run, events, count)
                raw_store_vacuum()
                started = datetime.now(UTC) - timedelta(seconds=1)
                out = io.StringIO()
                cpu = cpu_seconds()
                call_command("import_events", str(path), source=source.name, no_progress=True,
                             stdout=out)  # fmt: skip
                cpu = sum(cpu_seconds()) - sum(cpu)
                summary = json.loads(out.getvalue().strip().splitlines()[-1])
                summary["cpu_ms_per_1000"] = round(cpu / events * 1e6)
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
            # The command and its database backend take turns: with the cores to itself, the
            # wall time is the CPU time.
            "cpu_ms_per_1000": round(cpu_per_1000),
            "unshared_events_per_s": round(1e6 / cpu_per_1000),
            "events": events, "runs": results, "events_per_s": round(rate),
            "ten_million_minutes": round(10_000_000 / rate / 60, 1),
            "ok": all(r["signals_counted"] == events for r in results),
            "database": connection.vendor,
        }  # fmt: skip
        self.stdout.write(
            f"import_events: median {rate:,.0f} events/s (CPU {report['cpu_ms_per_1000']} ms per "
            f"1,000 events); 10,000,000 events would take "
            f"{report['ten_million_minutes']} min; rows ok: {report['ok']}"
        )
        self.stdout.write(json.dumps(report))


def _write(path: Path, run: str, events: int, accounts: int) -> Path:
    names = list(EVENTS)
    base = datetime.now(UTC) - timedelta(days=30)
    with gzip.open(path, "wb", compresslevel=6) as handle:
        for i in range(events):
            when = base + timedelta(seconds=(i * 7919) % 2_500_000)
            handle.write(orjson.dumps({
                "type": "track", "event": names[i % len(names)], "userId": f"user{bench_user(i)}",
                "messageId": f"{run}-{i:09d}", "timestamp": when.isoformat(),
                "properties": {"feature": f"f{i % 13}"},
                "context": {"groupId": bench_group(i, accounts),
                            "library": {"name": "analytics-python", "version": "2.4.0"}},
            }) + b"\n")  # fmt: skip
    return path
