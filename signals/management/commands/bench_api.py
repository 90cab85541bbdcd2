"""Benchmark signal ingest end to end: gunicorn on loopback, token auth, batches over HTTP.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../2 python manage.py bench_api --signals 1000000 --batch 5000

Prints signals/s, counts rows afterwards (nothing lost, nothing doubled), re-posts one batch to show
duplicates are detected, and ends with one JSON line.
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rest_framework.authtoken.models import Token

from accounts.models import Account
from accounts.services import user_create_with_role
from signals.kinds import BUILTIN_KINDS
from signals.models import Signal

BENCH_USER = "bench_vp"


class Command(BaseCommand):
    help = "Post N signals in batches to a local gunicorn and report signals/s."

    def add_arguments(self, parser):
        parser.add_argument("--signals", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--accounts", type=int, default=300)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--clients", type=int, default=2, help="concurrent client connections")
        parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")

    def handle(self, *args, **options):
        if options["batch"] > 10_000:
            raise CommandError("--batch must be at most 10,000 (the API limit).")
        token = _bench_token()
        account_ids = _bench_accounts(options["accounts"], token.user)
        port = options["port"] or _free_port()
        server = _start_server(port, options["workers"])
        try:
            report = self._run(options, token.key, account_ids, port)
        finally:
            server.terminate()
            server.wait(timeout=30)
        self.stdout.write(json.dumps(report))

    def _run(self, options, key, account_ids, port):
        run = uuid.uuid4().hex[:10]
        batches = -(-options["signals"] // options["batch"])
        before = Signal.objects.count()
        post = _poster(port, key)
        # Bodies are built before the clock starts: the number measures the API, not this client.
        bodies = [
            _batch_body(run, number, options["batch"], options["signals"], account_ids)
            for number in range(batches)
        ]
        created, duplicates, elapsed = _post_all(post, bodies, options["clients"])
        stored = Signal.objects.count() - before
        run_rows = Signal.objects.filter(external_id__startswith=f"bench-{run}-").count()
        # The very batch posted first, byte for byte: every row is a duplicate, none a conflict.
        replay = post(bodies[0])
        rate = options["signals"] / elapsed
        self.stdout.write(
            f"{options['signals']:,} signals in {batches} batches of {options['batch']:,}: "
            f"{elapsed:.1f} s, {rate:,.0f} signals/s ({connection.vendor})"
        )
        self.stdout.write(
            f"created {created:,}, duplicates {duplicates:,}, new rows {stored:,}, "
            f"rows of this run {run_rows:,}; replayed batch 0: {replay}"
        )
        ok = (
            created == options["signals"]
            and run_rows == options["signals"]
            and replay["created"] == 0
            and replay["duplicates"] == min(options["batch"], options["signals"])
        )
        return {
            "signals": options["signals"],
            "batch": options["batch"],
            "seconds": round(elapsed, 2),
            "signals_per_s": round(rate),
            "created": created,
            "duplicates": duplicates,
            "rows_of_run": run_rows,
            "replay": replay,
            "database": connection.vendor,
            "ok": ok,
        }


def _bench_token() -> Token:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=BENCH_USER).first()
    if user is None:
        user = user_create_with_role(username=BENCH_USER, role="vp", password=uuid.uuid4().hex)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def _bench_accounts(count, user) -> list[int]:
    existing = Account.objects.filter(external_id__startswith="bench-").count()
    today = datetime.now(UTC).date()
    Account.objects.bulk_create(
        [
            Account(
                external_id=f"bench-{n:07d}",
                name=f"Bench account {n}",
                arr=Decimal(10_000 + n),
                contract_start=today - timedelta(days=200),
                renewal_date=today + timedelta(days=165),
                csm=user,
            )
            for n in range(existing, count)
        ],
        ignore_conflicts=True,
    )
    ids = Account.objects.filter(external_id__startswith="bench-").values_list("id", flat=True)
    return list(ids[:count])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port, workers, env=None) -> subprocess.Popen:
    """gunicorn on loopback, in this environment and `env` (variables it adds or overrides)."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    env = {**os.environ, "API_THROTTLE_RATE": os.environ.get("API_THROTTLE_RATE", "100000/min"),
           **(env or {})}  # fmt: skip
    command = [
        gunicorn, "candor.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=str(settings.BASE_DIR), env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise CommandError("gunicorn exited before listening.") from None
            time.sleep(0.2)
    server.terminate()
    raise CommandError("gunicorn did not start listening within 60 s.")


def _poster(port, key):
    local = threading.local()

    def post(body: bytes) -> dict:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        local.conn.request("POST", "/api/v1/signals/", body=body, headers=headers)
        response = local.conn.getresponse()
        payload = response.read()
        if response.status != 201:
            raise CommandError(f"POST failed: {response.status} {payload[:500]!r}")
        return json.loads(payload)

    return post


KINDS = list(BUILTIN_KINDS)


def _batch_body(run, number, size, total, account_ids) -> bytes:
    rng = random.Random(number)
    start = number * size
    base = datetime.now(UTC) - timedelta(days=30)
    rows = [
        {
            "external_id": f"bench-{run}-{i:08d}",
            "account": account_ids[i % len(account_ids)],
            "kind": KINDS[i % len(KINDS)],
            "occurred_at": (base + timedelta(seconds=rng.randrange(2_500_000))).isoformat(),
            "actor": f"user{i % 97}@example.com",
            "value": "1",
        }
        for i in range(start, min(start + size, total))
    ]
    return json.dumps(rows).encode()


def _post_all(post, bodies, clients):
    totals = {"created": 0, "duplicates": 0}
    lock = threading.Lock()
    numbers = iter(range(len(bodies)))
    failures = []

    def client():
        while True:
            with lock:
                number = next(numbers, None)
            if number is None or failures:
                return
            try:
                reply = post(bodies[number])
            except Exception as error:  # reported after the threads stop
                failures.append(error)
                return
            with lock:
                totals["created"] += reply["created"]
                totals["duplicates"] += reply["duplicates"]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise CommandError(str(failures[0]))
    return totals["created"], totals["duplicates"], elapsed
