"""Import Segment-spec history from newline-delimited JSON, plain or gzipped (what Segment's and
RudderStack's storage destinations write), through a source's mappings and idempotency.

    python manage.py import_events 2026-*.json.gz --source "Product (Segment)"

A line that is not a JSON object, or a message refused (no account, bad time…), is reported as
FILE:LINE with its reason, and the rest goes in. Run it again: nothing is stored twice.
"""

import gc
import gzip
import io
import json
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from signals.services import signals_rescore
from sources.ingest import kept_ids, messages_ingest, messages_read, source_import
from sources.models import Outcome, Source

# Messages per transaction. The rollup triggers on signals aggregate per statement, so a larger
# chunk upserts each (account, day) fewer times per event: EXPLAIN ANALYZE of a bench chunk put
# the trigger at 44-55 ms per 1,000 events at 10,000 and at 21-27 ms at 50,000; 25,000 keeps
# most of that for a peak of 300 MB in a 100,000-event bench (50,000: 370 MB; 10,000: 250 MB),
# written one at a time; with two writers, three chunks are alive: 450 MB, for a million too.
CHUNK = 25_000
MAX_LISTED = 100  # problems printed one by one; the rest are counted
# Chunks written at once, each by a thread with its own connection: while PostgreSQL writes
# one chunk (psycopg releases the interpreter lock as it waits), the next is read and mapped,
# and two backends share the database's work.
WRITERS = 2
# The collector's count is objects made less objects freed: the chunks in flight hold about
# 400,000 (a collection walks them all, 0.1 s; none of them was ever garbage in a cycle), so
# beyond this many, cyclic garbage has piled up.
GARBAGE = 2_000_000
ORDERED = ("group", "identify")  # a chunk holding these is written alone: later ones read it


@dataclass
class Chunk:
    """A chunk handed to a writer, and what the command needs to report it."""

    path: Path
    numbers: list
    ids: frozenset  # the message ids it keeps: duplicates for the chunks written beside it
    future: object = None


class Command(BaseCommand):
    help = "Import Segment-spec NDJSON files (plain or .gz) through a source."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--source", required=True, help="The source's name.")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Messages per transaction.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--writers", type=int, default=WRITERS, help="Chunks written at once (1: in turn)."
        )

    def handle(self, *args, files, source, chunk, no_progress, writers, **options):
        # Django's start-up objects live as long as the command: frozen out of the cyclic
        # collector, its full collections no longer walk them at every few chunks.
        gc.freeze()
        found = Source.objects.filter(name=source).first()
        if found is None:
            raise CommandError(f"No source named {source!r}.")
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}.")
        self.problems, self.totals = 0, {outcome: 0 for outcome in Outcome.values}
        started = time.perf_counter()
        bar = tqdm(unit=" events", disable=no_progress, file=self.stderr._out, smoothing=0.1)
        self.touched = set()
        # A chunk's messages are freed by their reference counts; the cyclic collector, run by
        # allocations, walked each chunk's live messages again and again (an eighth of the
        # command's CPU): it runs only when cyclic garbage has piled up (`_settled`).
        collecting = gc.isenabled()
        gc.disable()
        self.writers, self.flight = max(1, writers), deque()
        # Inside a caller's transaction (a test's) no other connection would see its rows:
        # the chunks are then written in turn on the caller's connection.
        threads = not connection.in_atomic_block
        try:
            with (
                source_import(found),
                ThreadPoolExecutor(self.writers) if threads else nullcontext() as self.pool,
            ):
                try:
                    for number, path in enumerate(files, start=1):
                        self._file(found, path, chunk, bar, last=number == len(files))
                    while self.flight:
                        self._settled(bar)
                finally:
                    if self.pool is not None:
                        _connections_close(self.pool, self.writers)
        finally:
            if collecting:
                gc.enable()
        bar.close()
        with transaction.atomic():  # once for the whole import, not per chunk
            signals_rescore(account_ids=self.touched)
        elapsed = time.perf_counter() - started
        read = sum(self.totals.values())
        summary = {
            "events": read, "seconds": round(elapsed, 2),
            "events_per_s": round(read / elapsed) if elapsed else 0,
            "bad_lines": self.problems, **self.totals,
        }  # fmt: skip
        self.stdout.write(
            f"{read:,} messages from {len(files)} file(s) in {elapsed:.1f} s: "
            f"{self.totals['signal']:,} signals stored, {self.problems:,} lines refused."
        )
        self.stdout.write(json.dumps(summary))

    def _file(self, source, path, chunk, bar, last):
        items, lines, numbers = [], [], []
        for number, line in _numbered_lines(path):
            line = line.strip()
            if not line:
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                self._problem(path, number, f"not JSON ({error})")
                continue
            if not isinstance(item, dict):
                self._problem(path, number, "not a JSON object")
                continue
            if len(items) >= chunk:  # full, and another line follows: not the last chunk
                self._chunk(source, path, items, lines, numbers, bar)
                items, lines, numbers = [], [], []
            items.append(item), lines.append(line), numbers.append(number)
        if items:
            self._last_chunk(source, path, (items, lines, numbers), bar, chunk, last)

    def _last_chunk(self, source, path, pending, bar, chunk, last):
        """A file's last chunk; the import's last is cut in two so that both writers end
        together: the chunk before it is about half written when it is handed on, so its
        writer takes the smaller part once free (a 200,000-event file's last chunk of 25,000
        left one core idle for a third of a second)."""
        items, lines, numbers = pending
        split = last and self.pool is not None and self.writers > 1
        tail = (len(items) - chunk // 2) // 2 if split else 0
        if tail >= max(1, chunk // 10):
            cut = len(items) - tail
            self._chunk(source, path, items[:cut], lines[:cut], numbers[:cut], bar)
            items, lines, numbers = items[cut:], lines[cut:], numbers[cut:]
        self._chunk(source, path, items, lines, numbers, bar)

    def _chunk(self, source, path, items, lines, numbers, bar):
        """Hand the chunk to a writer once one is free. A chunk with group or identify calls
        waits for those before it and is written alone: the chunks after it read its accounts
        and users' latest groups."""
        read = messages_read(items, lines)
        ordered = any(m.type in ORDERED for m in read)
        while self.flight and (ordered or len(self.flight) >= self.writers):
            self._settled(bar)
        held = frozenset().union(*(c.ids for c in self.flight))
        chunk = Chunk(path, numbers, kept_ids(read))
        if self.pool is None:
            chunk.future = Future()
            chunk.future.set_result(_ingest(source, items, lines, read, held))
        else:
            chunk.future = self.pool.submit(_write, source, items, lines, read, held)
        self.flight.append(chunk)
        while ordered and self.flight:
            self._settled(bar)

    def _settled(self, bar):
        """Report the oldest chunk in flight once written (in file order)."""
        chunk = self.flight.popleft()
        settled = chunk.future.result()
        counts = Counter(message.outcome for message in settled)
        for outcome, count in counts.items():
            self.totals[outcome] += count
        signal, refused = Outcome.SIGNAL, Outcome.REFUSED
        self.touched.update(m.account_id for m in settled if m.outcome == signal)
        if counts[refused]:
            for message in settled:
                if message.outcome == refused:
                    self._problem(chunk.path, chunk.numbers[message.index], message.detail)
        bar.update(len(settled))
        if gc.get_count()[0] > GARBAGE:
            gc.collect()

    def _problem(self, path, number, reason):
        self.problems += 1
        if self.problems <= MAX_LISTED:
            self.stderr.write(f"{path}:{number}: {reason}")
        elif self.problems == MAX_LISTED + 1:
            self.stderr.write("… further problems are counted, not listed.")


def _write(source, items, lines, read, held):
    """A chunk on a writer thread's own connection, kept for its next chunk: a new backend
    compiles the trigger functions and plans their statements again (15 ms of a chunk's
    first statement against 1)."""
    return _ingest(source, items, lines, read, held)


def _connections_close(pool, writers: int) -> None:
    """Close each writer thread's connection on that thread: every thread takes one task, held
    at a barrier until all have theirs (a pool makes the threads it lacks)."""
    barrier = threading.Barrier(writers, timeout=60)

    def close():
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # a thread still writing after a failure: its connection ends with the process
        connection.close()

    for future in [pool.submit(close) for _ in range(writers)]:
        future.result()


def _ingest(source, items, lines, read, held):
    return messages_ingest(
        source=source, items=items, lines=lines, received_at=timezone.now(), rescore=False,
        held=held, importing=True, read=read,
    )  # fmt: skip


def _numbered_lines(path: Path):
    """(line number, line) of a plain or gzipped file. A gzipped file is read through a
    buffered reader of 1 MiB: gzip's own line iterator is Python code per line, and cost more
    than parsing the JSON."""
    with _open(path) as handle:
        yield from enumerate(io.BufferedReader(handle, buffer_size=1024 * 1024), start=1)


def _open(path: Path):
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")
