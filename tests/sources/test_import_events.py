"""`import_events`: NDJSON files, plain or gzipped, through a source's maps; bad lines are
reported by file and line, and the rest goes in."""

import gzip
import io
import json
import threading
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from signals.models import Signal
from sources.ingest import IMPORT_LOCK, messages_ingest, source_import
from sources.models import EventMapping, Outcome, RawMessage
from sources.services import event_mappings_update

pytestmark = pytest.mark.django_db


def ndjson(*lines) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else json.dumps(line).encode()
                      for line in lines) + b"\n"  # fmt: skip


def track(n, event="Login"):
    return {"type": "track", "event": event, "userId": f"u{n}", "messageId": f"m{n}",
            "timestamp": "2026-10-01T10:00:00Z", "context": {"groupId": "acme"}}  # fmt: skip


def run(*paths, source="Product (Segment)"):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", *map(str, paths), source=source, no_progress=True,
                 stdout=out, stderr=err)  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_a_gzipped_file_becomes_signals_through_the_event_map(tmp_path, source, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    path = tmp_path / "events.json.gz"
    path.write_bytes(gzip.compress(ndjson(track(1), track(2))))
    run(path)
    assert Signal.objects.filter(account=acme, kind="login").count() == 2


def test_a_bad_line_is_reported_with_file_and_line_and_the_rest_goes_in(tmp_path, source, acme):
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(track(1), b"{not json", track(2, event="Report Exported")))
    _, err = run(path)
    assert f"{path}:2: not JSON" in err
    assert RawMessage.objects.filter(source=source).count() == 2


def test_a_refused_message_is_reported_with_its_line(tmp_path, source):
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson({"type": "group", "traits": {}}))
    _, err = run(path)
    assert f"{path}:1: A group call needs a 'groupId'" in err


def test_importing_the_same_file_twice_stores_nothing_twice(tmp_path, source, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(track(1), track(2)))
    run(path)
    run(path)
    assert Signal.objects.filter(account=acme).count() == 2
    assert EventMapping.objects.get(source=source, event="Login").count == 2


def test_an_unknown_source_is_an_error(tmp_path, source):
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(track(1)))
    with pytest.raises(CommandError, match="No source named"):
        run(path, source="nope")


def test_a_large_chunk_keeps_every_body_as_read_and_a_repeat_without_it(tmp_path, source, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    odd = {**track(0), "properties": {"note": 'a "quoted" \\ back\tslash, ünïcode ✓'}}
    lines = [odd, *(track(n) for n in range(1, 700)), track(7)]  # a COPY-sized chunk
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(gzip.compress(ndjson(*lines)))
    run(path)
    stored = RawMessage.objects.filter(source=source)
    assert stored.count() == 701
    assert stored.get(message_id="m0").body == odd
    assert sorted(stored.filter(message_id="m7").values_list("outcome", flat=True)) == [
        "duplicate", "signal"]  # fmt: skip
    assert stored.get(message_id="m7", outcome="duplicate").body is None
    assert Signal.objects.filter(account=acme, kind="login").count() == 700


def test_problems_are_reported_in_line_order_across_chunks(tmp_path, source, acme):
    lines = [track(1), b"[1]", track(2), track(3), {"type": "group", "traits": {}}, track(4)]
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(*lines))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", str(path), source="Product (Segment)", chunk=2,
                 no_progress=True, stdout=out, stderr=err)  # fmt: skip
    assert err.getvalue().splitlines() == [
        f"{path}:2: not a JSON object", f"{path}:5: A group call needs a 'groupId' "
        "(the account's external id)."]  # fmt: skip
    assert json.loads(out.getvalue().splitlines()[-1])["events"] == 5
    assert RawMessage.objects.filter(source=source).count() == 5


def run_side_by_side(path, chunk=2):
    """Chunks written by two writer threads, each on its own connection (outside a test's
    transaction, which their connections would not see)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", str(path), source="Product (Segment)", chunk=chunk, writers=2,
                 no_progress=True, stdout=out, stderr=err)  # fmt: skip
    return json.loads(out.getvalue().splitlines()[-1]), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_message_id_repeated_in_chunks_written_side_by_side_is_stored_once(
    tmp_path, source, acme
):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    lines = [track(1), track(2), track(1), track(3), track(2), track(4), track(4), track(5)]
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(*lines))
    summary, _ = run_side_by_side(path)
    assert (summary["signal"], summary["duplicate"]) == (5, 3)
    assert Signal.objects.filter(account=acme, kind="login").count() == 5
    kept = RawMessage.objects.filter(source=source, body__isnull=False)
    assert sorted(kept.values_list("message_id", flat=True)) == ["m1", "m2", "m3", "m4", "m5"]
    assert EventMapping.objects.get(source=source, event="Login").count == 5
    summary, _ = run_side_by_side(path)  # again: all duplicates
    assert (summary["signal"], summary["duplicate"]) == (0, 8)
    assert Signal.objects.filter(account=acme).count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_writers_keep_their_connections_across_chunks_and_close_them_at_the_end(
    tmp_path, source, acme
):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(*(track(n) for n in range(12))))
    before = _backends()
    with _signal_statements() as backends:
        summary, _ = run_side_by_side(path, chunk=2)  # six chunks, two writers
    assert summary["signal"] == 12
    assert len(backends) == 6 and len(set(backends)) <= 2  # six chunks on at most two backends
    assert _backends() == before  # the writers' connections are closed


@pytest.mark.django_db(transaction=True)
def test_the_last_chunk_is_cut_in_two_and_every_line_is_still_reported_where_it_is(
    tmp_path, source, acme
):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    lines = [track(n) for n in range(80)]
    lines[4] = {**track(4), "context": {}, "userId": "nobody"}  # in the first chunk
    lines[77] = {**track(77), "context": {"groupId": "nowhere"}}  # in the last chunk's tail
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(*lines))
    with _signal_statements() as statements:
        summary, err = run_side_by_side(path, chunk=40)
    assert len(statements) == 3  # 40, then the last 40 as 30 and 10
    assert (summary["signal"], summary["refused"]) == (78, 2)
    assert [line.split(": ")[0] for line in err.splitlines()] == [f"{path}:5", f"{path}:78"]
    assert Signal.objects.filter(account=acme).count() == 78


@contextmanager
def _signal_statements():
    """The backend of each statement that stores signals, while the block runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE import_backends (pid int); CREATE FUNCTION import_backend() "
            "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO import_backends "
            "VALUES (pg_backend_pid()); RETURN NULL; END $$; CREATE TRIGGER import_backend "
            "AFTER INSERT ON signals_signal FOR EACH STATEMENT EXECUTE FUNCTION import_backend()"
        )
    backends = []
    try:
        yield backends
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM import_backends")
            backends += [pid for (pid,) in cursor.fetchall()]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER import_backend ON signals_signal; DROP FUNCTION import_backend(); "
                "DROP TABLE import_backends"
            )


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_group_call_is_applied_before_the_later_chunks_that_rely_on_it(tmp_path, source):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    group = {"type": "group", "userId": "u1", "groupId": "globex", "messageId": "g1",
             "timestamp": "2026-09-01T10:00:00Z", "traits": {"name": "Globex"}}  # fmt: skip
    alone = [{**track(n), "userId": "u1", "context": {}} for n in range(1, 8)]
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(track(0), group, *alone))  # the group shares a chunk with a track
    summary, err = run_side_by_side(path)
    assert "globex" not in err and summary["refused"] == 1  # track(0): no account "acme" yet
    assert Signal.objects.filter(account__external_id="globex").count() == 7


@pytest.mark.django_db(transaction=True)
def test_a_signal_stored_before_its_message_is_skipped_not_doubled(tmp_path, source, acme):
    """A chunk's signals are copied straight into the table; one already there (its raw
    message pruned) makes the chunk insert them skipping it."""
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    when = "2026-10-01T10:00:00Z"
    Signal.objects.create(account=acme, external_id=f"seg{source.pk}:m3", kind="login",
                          occurred_at=when, actor="u3", source=source.name)  # fmt: skip
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(*(track(n) for n in range(500))))  # a COPY-sized chunk
    summary, _ = run_side_by_side(path, chunk=1000)
    assert summary["signal"] == 500
    assert Signal.objects.filter(account=acme).count() == 500


def test_a_message_id_a_chunk_in_flight_keeps_is_a_duplicate(source, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    settled = messages_ingest(source=source, items=[track(1), track(2)], received_at=timezone.now(),
                              held=frozenset({"m1", "m9"}), importing=True)  # fmt: skip
    assert [m.outcome for m in settled] == [Outcome.DUPLICATE, Outcome.SIGNAL]
    assert Signal.objects.filter(account=acme).count() == 1


def other_connection_takes(key) -> bool:
    """Whether another connection gets the advisory lock at once (released again if so)."""
    got = []

    def take():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got.append(cursor.fetchone()[0])
            cursor.execute("SELECT pg_advisory_unlock_all()")
        connection.close()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return got[0]


@pytest.mark.django_db(transaction=True)
def test_an_import_holds_its_source_until_it_ends(source):
    with source_import(source):
        assert not other_connection_takes(IMPORT_LOCK + source.pk)
    assert other_connection_takes(IMPORT_LOCK + source.pk)
