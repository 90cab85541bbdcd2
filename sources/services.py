"""Writes about sources: make one (its key shown once), change its maps, revoke or rotate its
key, and re-read its raw messages when an event's mapping changes (the backfill)."""

import logging
from datetime import datetime

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from signals.services import signals_remove, signals_store
from sources import selectors
from sources.auth import source_cache_key
from sources.hooks import event_mappings_changed, raw_messages_pending
from sources.ingest import (
    drain_duplicates_settle,
    messages_accept,
    messages_settle,
    raw_outcomes_update,
    retrying,
    signal_external_id,
    signal_rows,
    source_lock,
)
from sources.messages import Message
from sources.messages import _text as spec_text
from sources.models import EventMapping, Outcome, Source
from sources.raw import TABLE

logger = logging.getLogger(__name__)
BACKFILL_CHUNK = 10_000
DRAIN_CHUNK = 5_000
DRAIN_LOCK = 0xD4A1 << 32  # one drain per source at a time: chunks settle in arrival order


@transaction.atomic
def source_create(*, name: str, created_by, default_csm=None, trait_map=None) -> tuple[Source, str]:
    """A new source and its key: the only time the key is known (only its hash is kept)."""
    source = Source(name=name, created_by=created_by, default_csm=default_csm,
                    trait_map=trait_map or {})  # fmt: skip
    key = source.key_set()
    source.save()
    return source, key


@transaction.atomic
def source_update(*, source: Source, **fields) -> Source:
    for name, value in fields.items():
        setattr(source, name, value)
    source.save(update_fields=list(fields))
    return source


@transaction.atomic
def source_revoke(*, source: Source) -> Source:
    """The key stops working at once (every request looks the key up)."""
    source.revoked, source.revoked_at = True, timezone.now()
    source.save(update_fields=["revoked", "revoked_at"])
    _key_forget(source.key_prefix)
    return source


@transaction.atomic
def source_key_rotate(*, source: Source) -> tuple[Source, str]:
    """A new key for the source; the old one stops at once. A revoked source comes back."""
    old_prefix = source.key_prefix
    key = source.key_set()
    source.revoked, source.revoked_at = False, None
    source.save(update_fields=["key_prefix", "key_hash", "revoked", "revoked_at"])
    _key_forget(old_prefix)
    return source, key


def _key_forget(prefix: str) -> None:
    """The ingest's cached source of this key prefix goes now and again once committed (a
    request between the two would have read the old row)."""
    cache.delete(source_cache_key(prefix))
    transaction.on_commit(lambda: cache.delete(source_cache_key(prefix)))


@transaction.atomic
def event_mappings_update(*, source: Source, changes: list[dict]) -> list[str]:
    """Set each named event's kind (None: ignored) and value property; returns the events whose
    mapping changed. Their raw messages are re-read once committed (`event_backfill`, on the
    worker via `sources.tasks`), so what was received before becomes signals of the new kind."""
    changed = []
    for change in changes:
        mapping, _ = EventMapping.objects.select_for_update().get_or_create(
            source=source, event=change["event"]
        )
        new = (change["kind"], change.get("value_property"))
        if (mapping.kind, mapping.value_property) != new:
            mapping.kind, mapping.value_property = new
            mapping.save(update_fields=["kind", "value_property"])
            changed.append(mapping.event)
    if changed:
        transaction.on_commit(
            lambda: event_mappings_changed.send(sender=Source, source_id=source.pk, events=changed)
        )
    return changed


def event_backfill(*, source_id: int, event: str) -> int:
    """Re-read every kept message of `event` that is a signal or was skipped as unmapped, under
    its current mapping, in chunks of one transaction each; returns how many are now signals."""
    source = Source.objects.get(pk=source_id)
    stored, after = 0, (0, None)
    while True:
        with transaction.atomic():
            _drain_wait(source.pk)  # first: a drain waits on nothing the backfill holds
            mapping = EventMapping.objects.select_for_update().get(source=source, event=event)
            rows = _raw_of(source, event, after)
            if not rows:
                return stored
            stored += _replay(source, mapping, rows)
            after = (rows[-1][0], rows[-1][1])


def _raw_of(source, event, after) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, received_at, message_id, outcome, account_id, body::text FROM {TABLE} "
            "WHERE source_id = %s AND event = %s AND outcome IN ('signal', 'unmapped') "
            "AND id > %s ORDER BY id LIMIT %s",
            [source.pk, event, after[0], BACKFILL_CHUNK],
        )
        return cursor.fetchall()


def _replay(source, mapping, rows) -> int:
    signals_remove(keys=[
        (account_id, signal_external_id(source, message_id))
        for _, _, message_id, outcome, account_id, _ in rows
        if outcome == Outcome.SIGNAL and account_id
    ])  # fmt: skip
    batch = []
    for index, (pk, received_at, message_id, _, _, body) in enumerate(rows):
        message = Message(index, orjson.loads(body), b"", type="track", message_id=message_id,
                          event=mapping.event, received_at=received_at)  # fmt: skip
        message.user_id = spec_text(message.body.get("userId"), 200)
        batch.append((pk, received_at, message))
    messages = [m for _, _, m in batch]
    if mapping.kind:
        table = {mapping.event: (mapping.kind, mapping.value_property)}
        signals_store(rows=signal_rows(source, messages, table, None), source=source.name[:50])
    for message in messages:
        if message.open:
            message.settle(Outcome.UNMAPPED, f"{mapping.event!r} is not mapped to a kind.")
    raw_outcomes_update(source.pk, batch)
    return sum(1 for m in messages if m.outcome == Outcome.SIGNAL)


def segment_batch_receive(*, source: Source, items: list, received_at, path_type=None) -> None:
    """A request's batch: kept raw as pending at once, drained off the request path once
    committed (`SOURCES_DRAIN`: the `drain_sources` process, a Celery task, this process' drain
    thread, or `inline`: here, before the answer, as the tests' client sees it)."""
    batch = messages_accept(
        source=source, items=items, received_at=received_at, path_type=path_type
    )
    if not any(m.outcome == Outcome.PENDING for m in batch):
        return
    if settings.SOURCES_DRAIN == "inline":
        raw_messages_drain(source_id=source.pk)
        return
    if settings.SOURCES_DRAIN == "drainer":
        return  # `drain_sources` finds it pending: nothing for this process to do
    transaction.on_commit(
        lambda: raw_messages_pending.send(sender=Source, source_id=source.pk), robust=True
    )


def raw_messages_drain(*, source_id: int, chunk: int = DRAIN_CHUNK, received_before=None) -> int:
    """Turn the source's pending raw messages into accounts, stakeholders and signals, oldest
    first, `chunk` at a time (one transaction each, so the rollup triggers and the rescore are
    paid per chunk, not per request); returns how many were settled. Idempotent: a drain run
    twice finds nothing pending the second time.

    `received_before`: only messages received before then (a web process' drain thread, which
    its own requests' messages always precede). The threads of all the processes wake at the
    same moment and queue on the drain lock: the first settles what every process received,
    and the others, finding nothing older than their wake, leave what came in meanwhile to the
    next wake instead of each settling a few messages at a drain's fixed cost."""
    settled = 0
    while True:
        done = retrying(lambda: _drain_chunk(source_id, chunk, received_before))
        settled += done
        if done < chunk:
            return settled


def pending_sources_drain() -> int:
    """One pass of the `drain_sources` process: every source with pending messages drained;
    returns how many messages were settled. A source whose drain fails is logged and left
    pending for the next pass (its chunk rolled back), and the others are still drained."""
    settled = 0
    for source_id in selectors.sources_with_pending_messages():
        try:
            settled += raw_messages_drain(source_id=source_id)
        except Exception:
            logger.exception("Drain of source %s failed; its messages stay pending", source_id)
            if not connection.is_usable():
                connection.close()  # the next pass opens a new one
    return settled


def _drain_wait(source_id: int) -> None:
    """Take the source's drain lock: a drain chunk that read an event's old mapping commits
    first, so a backfill then sees its messages settled (never still pending)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DRAIN_LOCK + source_id])


def _drain_chunk(source_id: int, chunk: int, received_before=None) -> int:
    _drain_wait(source_id)
    before = "" if received_before is None else "AND received_at < %s"
    with connection.cursor() as cursor:
        source_lock(cursor, source_id)
        cursor.execute(  # received_at as text: read once a request (`_moments`), not per row
            f"SELECT id, received_at::text, message_id, type, event, user_id, body::text "
            f"FROM {TABLE} WHERE source_id = %s AND outcome = 'pending' {before} "
            "ORDER BY id LIMIT %s",
            [source_id, *([] if received_before is None else [received_before]), chunk],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0
    source = Source.objects.select_related("default_csm", "created_by").get(pk=source_id)
    moments = _moments(row[1] for row in rows)
    batch = []
    for index, (pk, received_at, message_id, type_, event, user_id, body) in enumerate(rows):
        message = Message(index, orjson.loads(body), b"", type=type_, message_id=message_id,
                          event=event, user_id=user_id, received_at=moments[received_at])  # fmt: skip
        batch.append((pk, received_at, message))
    messages = [m for _, _, m in batch]
    with connection.cursor() as cursor:
        drain_duplicates_settle(cursor, source_id, messages)
    messages_settle(source, [m for m in messages if m.open], max(moments.values()))
    raw_outcomes_update(source_id, batch)
    return len(rows)


def _moments(texts) -> dict[str, datetime]:
    """Each distinct receipt time once (a request's messages share theirs): the driver's
    timestamptz loader under Django parses every value with a regular expression, 5 us each."""
    return {text: datetime.fromisoformat(text) for text in set(texts)}
