"""Benchmark the Segment-compatible API end to end: gunicorn on loopback, the real
`segment-analytics-python` client with its default batching (100 messages a request), then
single-message webhook posts; counts the rows afterwards (nothing lost, nothing doubled).
In steady state by default: the source's month of history imported and the book scored
before anything is timed (`--history-days 30 --history-per-day 30000`; 0: a new database).
A request only keeps its batch raw: each figure runs until the drain has stored every signal
(no message of the source pending), so events/s is "accepted and stored as signals".
gunicorn runs 2 x cores + 1 workers by default (`--workers`; gthread, one request thread each,
connections kept alive: gunicorn.conf.py): a request is short and CPU-bound, so processes (not
threads, which share one interpreter lock) use every core.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../1 python manage.py bench_segment --events 100000

With REDIS_URL unset, every request rescores its accounts inline (eager Celery), as it would
with no worker: the figure then measures scoring too. Ends with one JSON line.
"""

import gzip
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psutil
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from signals.management.commands.bench_api import (
    _bench_accounts,
    _bench_token,
    _free_port,
    _start_server,
)
from signals.models import Signal
from sources.models import Outcome, RawMessage, Source
from sources.raw import TABLE
from sources.services import event_mappings_update, source_create, source_key_rotate

SOURCE = "bench-segment"


def cpu_seconds(servers=()) -> tuple[float, float]:
    """CPU time used so far by this process (the client), and by the servers' process trees
    (gunicorn, the drainer) and the database's backends for this database: on a shared machine
    events/s depends on the share of the cores the bench gets; CPU per event does not."""
    others = []
    for server in servers:
        parent = psutil.Process(server.pid)
        others += [parent, *parent.children(recursive=True)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        others += [psutil.Process(pid) for (pid,) in cursor.fetchall() if psutil.pid_exists(pid)]
    return _cpu([psutil.Process()]), _cpu(others)


def _cpu(processes) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


EVENTS = {"Login": "login", "Report Generated": "report_generated", "Feature Used": "feature_used",
          "Report Exported": "export"}  # fmt: skip


class Command(BaseCommand):
    help = "Drive the real Segment client at a local gunicorn; report events/s and posts/s."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--accounts", type=int, default=300)
        parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                            help="gunicorn workers (default 2 x cores + 1)")  # fmt: skip
        parser.add_argument("--client-threads", type=int, default=1,
                            help="the Segment client's upload threads (its default: 1)")  # fmt: skip
        parser.add_argument("--webhooks", type=int, default=5000, help="single-message posts")
        parser.add_argument("--webhook-clients", type=int, default=4)
        parser.add_argument(
            "--drain", choices=["drainer", "background"], default="drainer",
            help="where pending messages become signals: the `drain_sources` process beside "
            "gunicorn (production's shape, the default) or a thread of each web process",
        )  # fmt: skip
        history_arguments(parser)

    def handle(self, *args, **options):
        user = _bench_token().user
        account_ids = _bench_accounts(options["accounts"], user)
        source, key = _bench_source(user)  # a fresh key each time: only its hash is kept
        source_history_ensure(self.stdout, source, len(account_ids), options["history_days"],
                              options["history_per_day"])  # fmt: skip
        port, drain = _free_port(), {"SOURCES_DRAIN": options["drain"]}
        server, folder = _start_server(port, options["workers"], env=drain), tempfile.mkdtemp()
        try:
            processes = [server]
            if options["drain"] == "drainer":
                processes.append(_start_drainer(drain, Path(folder) / "alive"))
            runs = [self._client_run(options, source, key, port, account_ids, processes)
                    for _ in range(options["runs"])]  # fmt: skip
            webhook = self._webhook_run(options, source, key, port, account_ids, processes)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
            shutil.rmtree(folder, ignore_errors=True)
        report = _report(options, runs, webhook)
        rates = ", ".join(f"{r['events_per_s']:,}" for r in runs)
        self.stdout.write(
            f"Segment client: median {report['events_per_s']:,} events/s accepted and stored "
            f"(runs {rates}); CPU {report['cpu_ms_per_1000']} ms per 1,000 events "
            f"(two whole cores: {report['two_core_events_per_s']:,}/s); webhook: "
            f"{webhook['posts_per_s']:,} posts/s ({webhook['server_cpu_ms_per_post']} ms of server "
            f"CPU a post); rows ok: {report['ok']} "
            f"({connection.vendor}, REDIS_URL {'set' if settings.REDIS_URL else 'unset: eager rescoring'})"
        )
        self.stdout.write(json.dumps(report))

    def _client_run(self, options, source, key, port, account_ids, servers=()) -> dict:
        from segment.analytics import Client

        run, total = uuid.uuid4().hex[:10], options["events"]
        errors = []
        client = Client(
            write_key=key, host=f"http://127.0.0.1:{port}/ingest/segment",
            max_queue_size=total + 1, thread=options["client_threads"],
            on_error=lambda error, batch: errors.append(error),
        )  # fmt: skip
        calls = _calls(run, total, account_ids)
        raw_store_vacuum()
        started_at = datetime.now(UTC)
        cpu = cpu_seconds(servers)
        started = time.perf_counter()
        for user_id, event, properties, context, message_id, when in calls:
            client.track(user_id, event, properties, context=context, message_id=message_id,
                         timestamp=when)  # fmt: skip
        client.flush()
        _drained(source)
        elapsed = time.perf_counter() - started
        client_cpu, server_cpu = (b - a for a, b in zip(cpu, cpu_seconds(servers), strict=True))
        client.shutdown()
        if errors:
            raise CommandError(f"The client reported {len(errors)} errors: {errors[0]}")
        stored = Signal.objects.filter(
            received_at__gte=started_at - timedelta(seconds=1),
            external_id__startswith=f"seg{source.pk}:{run}-",
        ).count()
        kept = (  # a client's retry of a slow request is kept as a duplicate: not a second event
            RawMessage.objects.filter(source=source, message_id__startswith=f"{run}-")
            .exclude(outcome=Outcome.DUPLICATE)
            .count()
        )
        self.stdout.write(f"run {run}: {total:,} events in {elapsed:.1f} s, "
                          f"{total / elapsed:,.0f}/s; signals {stored:,}, raw {kept:,}")  # fmt: skip
        return {"events": total, "seconds": round(elapsed, 2),
                "events_per_s": round(total / elapsed), "signals": stored, "raw": kept,
                "cpu_ms_per_1000": round((client_cpu + server_cpu) / total * 1e6),
                "client_cpu_ms_per_1000": round(client_cpu / total * 1e6),
                "server_cpu_ms_per_1000": round(server_cpu / total * 1e6)}  # fmt: skip

    def _webhook_run(self, options, source, key, port, account_ids, servers=()) -> dict:
        run, total = uuid.uuid4().hex[:10], options["webhooks"]
        if total <= 0:  # --webhooks 0: the Segment client alone
            return {"posts": 0, "seconds": 0, "posts_per_s": 0, "signals": 0,
                    "server_cpu_ms_per_post": None, "client_cpu_ms_per_post": None}  # fmt: skip
        requests = [webhook_request(key, port, json.dumps({
            "type": "track", "event": e, "userId": u, "properties": p, "context": c,
            "messageId": m, "timestamp": w.isoformat()}).encode())
            for u, e, p, c, m, w in _calls(run, total, account_ids)]  # fmt: skip
        raw_store_vacuum()
        started_at = datetime.now(UTC)
        cpu = cpu_seconds(servers)
        started = time.perf_counter()
        failures = _post_all(port, requests, options["webhook_clients"])
        _drained(source)
        elapsed = time.perf_counter() - started
        client_cpu, server_cpu = (b - a for a, b in zip(cpu, cpu_seconds(servers), strict=True))
        if failures:
            raise CommandError(f"Webhook posts failed: {failures[:5]}")
        stored = Signal.objects.filter(
            received_at__gte=started_at - timedelta(seconds=1),
            external_id__startswith=f"seg{source.pk}:{run}-",
        ).count()
        return {"posts": total, "seconds": round(elapsed, 2),
                "posts_per_s": round(total / elapsed), "signals": stored,
                "server_cpu_ms_per_post": round(server_cpu / total * 1e3, 3),
                "client_cpu_ms_per_post": round(client_cpu / total * 1e3, 3)}  # fmt: skip


def history_arguments(parser) -> None:
    parser.add_argument(
        "--history-days", type=int, default=30,
        help="days of the source's history imported (and the book scored) before anything is "
        "timed; 0: a new database",
    )  # fmt: skip
    parser.add_argument("--history-per-day", type=int, default=30_000,
                        help="events a day in that history (300 accounts: 100 each)")  # fmt: skip


def _start_drainer(env: dict, heartbeat: Path) -> subprocess.Popen:
    """`drain_sources` beside gunicorn, as production's `drainer` service runs it; returns once
    its first pass is done (its heartbeat file made), as gunicorn's workers are once listening:
    started with the first run, it spent that run starting Django while the messages piled up."""
    command = [sys.executable, "manage.py", "drain_sources", "--heartbeat", str(heartbeat)]
    drainer = subprocess.Popen(command, cwd=str(settings.BASE_DIR), env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while not heartbeat.exists():
        if drainer.poll() is not None or time.monotonic() > deadline:
            drainer.kill()
            raise CommandError("drain_sources did not start within 60 s.")
        time.sleep(0.05)
    return drainer


def webhook_request(key: str, port: int, body: bytes) -> bytes:
    """One single-message post as it goes on the wire. Sent on a socket of its own, as a
    webhook destination's post comes (`Connection: close`), as http.client would, without parsing
    each answer's headers with the email package: http.client cost a millisecond of CPU a post
    on the machine the server shares with this command."""
    head = (f"POST /ingest/segment/v1/webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")  # fmt: skip
    return head.encode() + body


def _post_all(port: int, requests: list[bytes], clients: int) -> list[bytes]:
    """Every request, `clients` at a time; the answers that were not 200 `{"success": true}`."""
    numbers, lock, failures = iter(range(len(requests))), threading.Lock(), []

    def client():
        while not failures:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                sock.sendall(requests[number])
                answer = b"".join(iter(lambda: sock.recv(65536), b""))
            if not answer.startswith(b"HTTP/1.1 200 ") or not answer.endswith(SUCCESS):
                failures.append(answer[:200])

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


SUCCESS = b'{"success": true}'


def raw_store_vacuum() -> None:
    """What autovacuum does between bursts in production (this machine runs PostgreSQL with it
    off): without it every drained message leaves a dead entry in the pending index, and each
    drain and each of this command's polls walk them all (0.3 s a poll after 500,000)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")


HISTORY_PREFIX = "history-"


def source_history_ensure(stdout, source, accounts: int, days: int, per_day: int) -> None:
    """Steady state before anything is timed: `days` of the source's own history (`per_day`
    track calls a day over the bench accounts, through `import_events`: raw messages, signals
    and their rollups), then a scoring run, as a company lives on day thirty. The raw store's
    message-id index and the signal indexes a request or a chunk inserts into then hold a month,
    not nothing. Written once per database: a second run finds it (its message ids)."""
    wanted = days * per_day
    if wanted <= 0:
        return
    held = RawMessage.objects.filter(source=source, message_id__startswith=HISTORY_PREFIX)
    missing = wanted - held.count()
    if missing > 0:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "history.json.gz"
            run = f"{HISTORY_PREFIX}{uuid.uuid4().hex[:8]}"
            events_file_write(path, run, missing, accounts, days=days)
            call_command("import_events", str(path), source=source.name, no_progress=True,
                         stdout=io.StringIO())  # fmt: skip
        call_command("score", stdout=io.StringIO())  # the night's run over the whole book
        stdout.write(f"History: {missing:,} events over {days} days imported and the book "
                     f"scored in {time.perf_counter() - started:.1f} s")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum keeps the statistics by day thirty


def events_file_write(path: Path, run: str, events: int, accounts: int, days: int = 30) -> Path:
    """A gzipped Segment-spec NDJSON file of `events` track calls (`bench_calls`), as a
    library's storage destination writes them."""
    library = {"name": "analytics-python", "version": "2.4.0"}
    with gzip.open(path, "wb", compresslevel=6) as handle:
        for user, event, properties, context, message_id, when in bench_calls(
            run, events, accounts, days
        ):
            handle.write(orjson.dumps({
                "type": "track", "event": event, "userId": user, "messageId": message_id,
                "timestamp": when.isoformat(), "properties": properties,
                "context": {**context, "library": library},
            }) + b"\n")  # fmt: skip
    return path


def _drained(source, timeout: float = 600) -> None:
    """Wait until no message of the source is pending (all turned into signals)."""
    deadline = time.monotonic() + timeout
    while RawMessage.objects.filter(source=source, outcome=Outcome.PENDING).exists():
        if time.monotonic() > deadline:
            raise CommandError(f"Messages still pending after {timeout:.0f} s: is a drain running?")
        time.sleep(0.05)


def _bench_source(user):
    source = Source.objects.filter(name=SOURCE).first()
    if source is None:
        source, key = source_create(name=SOURCE, created_by=user)
    else:
        source, key = source_key_rotate(source=source)
    event_mappings_update(
        source=source, changes=[{"event": e, "kind": k} for e, k in EVENTS.items()]
    )
    return source, key


def _calls(run, total, account_ids):
    """Every call of a run, made before it is timed."""
    return list(bench_calls(run, total, len(account_ids)))


def bench_calls(run, total, accounts: int, days: int = 30):
    """(userId, event, properties, context, messageId, timestamp) per event, for the client's
    runs and the files alike: the accounts by their external ids, spread over the last `days`."""
    names, span = list(EVENTS), max(1, days * 86_400 - 92_000)
    base = datetime.now(UTC) - timedelta(days=days)
    for i in range(total):
        yield (f"user{bench_user(i)}", names[i % len(names)], {"feature": f"f{i % 13}"},
               {"groupId": bench_group(i, accounts)}, f"{run}-{i:08d}",
               base + timedelta(seconds=(i * 7919) % span))  # fmt: skip


def bench_user(i: int) -> int:
    """The user of the i-th event: 997 of them, taking turns."""
    return i % BENCH_USERS


def bench_group(i: int, accounts: int) -> str:
    """The account (external id) of the i-th event: its user's one account, as a Segment user
    belongs to one group. (Each user used to act in every account in turn: every event was an
    (account, actor) pair of its own in the last-seen rollup, a cost real feeds do not have.)"""
    return f"bench-{bench_user(i) % accounts:07d}"


BENCH_USERS = 997


def _report(options, runs, webhook) -> dict:
    ok = all(r["signals"] == r["events"] == r["raw"] for r in runs) and (
        webhook["signals"] == webhook["posts"]
    )
    return {
        "events": options["events"],
        "runs": runs,
        "events_per_s": round(statistics.median(r["events_per_s"] for r in runs)),
        # What the rate would be with two whole cores (client, server and database included).
        "cpu_ms_per_1000": round(statistics.median(r["cpu_ms_per_1000"] for r in runs)),
        "client_cpu_ms_per_1000": round(
            statistics.median(r["client_cpu_ms_per_1000"] for r in runs)
        ),
        "two_core_events_per_s": round(
            2 * 1e6 / statistics.median(r["cpu_ms_per_1000"] for r in runs)
        ),
        "webhook": webhook,
        "posts_per_s": webhook["posts_per_s"],
        "gunicorn_workers": options["workers"],
        "client_threads": options["client_threads"],
        "redis": bool(settings.REDIS_URL),
        "drain": options["drain"],
        "database": connection.vendor,
        "ok": ok,
    }
