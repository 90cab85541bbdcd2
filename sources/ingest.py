"""A batch of Segment-spec messages into Candor, set-based: a handful of statements per batch,
whatever its size (an HTTP request of 100 messages, or a file's chunk of 10,000).

Order of work, each phase in a fixed order so concurrent batches never deadlock:
1. take an advisory lock per message id, then read which ids the raw store already holds
   (idempotency per source and messageId, across the monthly partitions);
2. `group` calls upsert accounts (accounts service) and remember each user's latest group;
3. `identify` calls upsert stakeholders (accounts service);
4. `track`, `page` and `screen` calls count in the event map, and the mapped ones become
   signals (signals service: the rollup triggers and the rescore hook work as for the API);
5. every message is kept raw, with what became of it (the debugger reads that).
One message never fails the batch: it is settled as refused, with its reason.
"""

import hashlib
import logging
import random
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import psycopg.errors
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from psycopg.types.string import BytesBinaryDumper

from accounts.models import Account
from accounts.services import accounts_upsert, stakeholders_upsert
from signals.services import signals_store
from sources import messages as spec
from sources.messages import Message, Refused
from sources.models import EventMapping, Outcome, Source
from sources.raw import TABLE, raw_partition_ensure, raw_partition_ready

logger = logging.getLogger(__name__)
ATTEMPTS = 4
RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
MAX_ID_LOCKS = 500
RAW_COPY_FROM = 10  # messages: a batch this large goes to the raw store by COPY
DUPLICATE_DETAIL = "Already received: nothing stored twice."
SOURCE_LOCK = 0x5E6 << 32  # the one-key lock space: never the (source, id hash) pairs
IMPORT_LOCK = 0x5E7 << 32  # held by an import for its whole run (`source_import`)
RAW_COLUMNS = (
    "source_id", "received_at", "message_id", "type", "event", "user_id", "account_id",
    "outcome", "detail", "body",
)  # fmt: skip
# The body's binary COPY form is json's: the JSON text as read, sent as plain bytes (`_raw_copy`).
RAW_TYPES = ("int8", "timestamptz", "text", "text", "text", "text", "int8", "text", "text", "bytea")


def messages_ingest(
    *,
    source: Source,
    items: list,
    received_at: datetime,
    path_type=None,
    lines=None,
    rescore: bool = True,
    held: frozenset = frozenset(),
    importing: bool = False,
    read: list | None = None,
):
    """Ingest a batch (already parsed JSON values; `lines`, their JSON as read, if the caller
    has it); returns its settled Messages. A deadlock with a concurrent batch retries the whole
    batch (nothing of the failed try is kept). `rescore=False`: the caller asks for the rescore
    of the accounts that received signals itself (a file: once, at its end).

    `importing`: a chunk of a file whose import holds the source's import lock
    (`source_import`): it takes the source's lock shared, so the import's chunks are written
    side by side, and counts the message ids of its chunks still in flight (`held`) as
    received: those chunks keep them. `read`: the batch's Messages as `messages_read` gave
    them, for the first try (a retry reads the items again)."""
    lines = lines or [None] * len(items)
    first = [read] if read is not None else []

    def attempt():
        batch = first.pop() if first else messages_read(items, lines, path_type)
        _ingest(source, batch, received_at, rescore, held, importing)
        return batch

    return retrying(attempt)


def messages_read(items, lines, path_type=None) -> list[Message]:
    return [
        spec.message_read(item, index, path_type, line)
        for index, (item, line) in enumerate(zip(items, lines, strict=True))
    ]


def kept_ids(batch) -> frozenset:
    """The message ids a batch keeps with their bodies (what a later batch is a duplicate of)."""
    return frozenset(m.message_id for m in batch if m.message_id and m.body is not None)


@contextmanager
def source_import(source: Source):
    """The source's import lock, for the whole import on the caller's connection: one import
    of a source at a time, whose chunks take the source's lock shared (`messages_ingest`),
    while the drain takes it whole and a small batch waits for the import."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK + source.pk])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK + source.pk])


def messages_accept(*, source: Source, items: list, received_at: datetime, path_type=None):
    """Keep a request's batch raw only, as `pending`: one statement, committed on its own (no
    transaction around it, no locks), so a webhook post is one round trip to the database.
    `raw_messages_drain` turns pending messages into accounts, stakeholders and signals off
    the request path, thousands at a time, and settles a messageId the store already holds as
    a duplicate (`drain_duplicates_settle`). Returns the batch's Messages."""
    batch = [spec.message_read(item, index, path_type) for index, item in enumerate(items)]
    seen = set()
    for message in batch:  # the same id twice in the batch: the second is the duplicate
        if message.body is not None and message.message_id in seen:
            message.settle(Outcome.DUPLICATE, DUPLICATE_DETAIL)
        elif message.body is not None:
            seen.add(message.message_id)
        if message.open:
            message.settle(Outcome.PENDING, "Received: not yet turned into signals.")
    raw_partition_ready(received_at)
    raw_rows_write(source, batch, received_at)
    return batch


def retrying(attempt):
    """Run `attempt` in a transaction; a deadlock or serialization failure with a concurrent
    batch runs it again (nothing of the failed try is kept)."""
    for number in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return attempt()
        except OperationalError as error:
            if number == ATTEMPTS or not isinstance(error.__cause__, RETRYABLE):
                raise
            logger.info("Segment batch retried after %s (attempt %d)", error, number)
            time.sleep(random.uniform(0.01, 0.05) * number)
    raise AssertionError("unreachable")


def _ingest(source, batch, received_at, rescore, held=frozenset(), importing=False) -> None:
    with connection.cursor() as cursor:
        raw_partition_ensure(cursor, received_at)
        _settle_duplicates(cursor, source, batch, held, importing)
    messages_settle(source, [m for m in batch if m.open], received_at, rescore, new=importing)
    raw_rows_write(source, batch, received_at)


def messages_settle(source, live, received_at, rescore=True, new=False) -> None:
    """What becomes of each open message: groups first, then identifies, then events. `new`:
    a file's chunk, whose signals are copied straight into their table (`signals_store`). A
    drain inserts them skipping stored keys: copied straight, one pair of `bench_segment` runs
    (10,000 events, twice each) measured 370 ms of CPU per 1,000 events against 240."""
    groups, identifies, events, others = [], [], [], []
    lists = {"group": groups, "identify": identifies, **dict.fromkeys(spec.EVENT_TYPES, events)}
    for message in live:  # one pass: a file's chunk is thousands of messages
        lists.get(message.type, others).append(message)
    _groups(source, groups, received_at)
    _identifies(source, identifies)
    _events(source, events, received_at, rescore, new)
    for message in others:  # alias: recorded, nothing in Candor follows from it
        message.settle(Outcome.SKIPPED, "Alias calls are kept but not used.")


def _settle_duplicates(cursor, source, batch, held=frozenset(), importing=False) -> None:
    ids = {m.message_id for m in batch if m.message_id and m.body is not None}
    if not ids:
        return
    if importing:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [SOURCE_LOCK + source.pk])
    else:
        _lock(cursor, source, ids)
    seen = _stored_ids(cursor, source, ids) | (held & ids)
    if not seen and len(ids) == sum(1 for m in batch if m.body is not None):
        return  # none stored, none twice in the batch (a file's chunk, most often)
    for message in batch:
        if message.message_id in seen and message.body is not None:
            message.settle(Outcome.DUPLICATE, DUPLICATE_DETAIL)
        elif message.body is not None:
            seen.add(message.message_id)


def drain_duplicates_settle(cursor, source_id: int, batch) -> None:
    """Pending messages (in the order received) whose messageId the store already holds
    settled, or an earlier one of the batch carries, are duplicates. Requests keep their
    batches without reading the store or taking locks, so a client's retry is found here; the
    caller holds the source's lock (`source_lock`), as a file's chunk takes it, so a file
    and the drain never both keep the same id."""
    ids = sorted({m.message_id for m in batch})
    cursor.execute(
        f"SELECT DISTINCT message_id FROM {TABLE} WHERE source_id = %s "
        "AND message_id = ANY(ARRAY(SELECT unnest(%s::text[]))) "
        "AND outcome <> 'pending' AND body IS NOT NULL",
        [source_id, text_array(ids)],
    )
    seen = {row[0] for row in cursor.fetchall()}
    for message in batch:
        if message.message_id in seen:
            message.settle(Outcome.DUPLICATE, DUPLICATE_DETAIL)
        else:
            seen.add(message.message_id)


def source_lock(cursor, source_id: int) -> None:
    """The source's lock, exclusive: no batch of a file checks or keeps message ids meanwhile."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SOURCE_LOCK + source_id])


def _stored_ids(cursor, source, ids) -> set[str]:
    """Which of these message ids the source's raw store holds: one probe of each month's
    (source_id, message_id) index per id."""
    cursor.execute(
        f"SELECT DISTINCT message_id FROM {TABLE} WHERE source_id = %s "
        # ARRAY(subquery): unknown when planning, so each id probes the index (a literal of
        # 10,000 ids would make the planner scan the whole month instead).
        "AND message_id = ANY(ARRAY(SELECT unnest(%s::text[]))) AND body IS NOT NULL",
        [source.pk, text_array(ids)],
    )
    return {row[0] for row in cursor.fetchall()}


def text_array(values) -> str:
    """A PostgreSQL array literal (None is NULL): built in one join, where the driver would
    quote each string with a regular expression (most of a request's CPU for 100 bodies)."""
    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        + "}"
    )


def _lock(cursor, source, ids) -> None:
    """Serialise batches that carry the same message ids, so a retry racing its original is
    seen as a duplicate. A small batch locks each id (shared on the source, and on its import
    lock: an import's chunks lock no ids); a large one locks the whole source, as thousands of
    locks would fill the lock table."""
    if len(ids) > MAX_ID_LOCKS:
        source_lock(cursor, source.pk)
        return
    cursor.execute(  # one round trip: the source's shared locks first, then the ids in order
        "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock_shared(%s), "
        "(SELECT count(pg_advisory_xact_lock(%s, h)) "
        "FROM (SELECT DISTINCT hashtext(m) AS h FROM unnest(%s::text[]) AS m ORDER BY h) AS t)",
        [IMPORT_LOCK + source.pk, SOURCE_LOCK + source.pk, source.pk, text_array(ids)],
    )


def _refuse(message: Message, error: Refused) -> None:
    message.settle(Outcome.REFUSED, str(error))


# group ---------------------------------------------------------------------------------------


def _groups(source, batch, received_at) -> None:
    if not batch:
        return
    keys = {m: spec._text(m.body.get("groupId"), 101) for m in batch}
    stored = {
        a["external_id"]: a
        for a in Account.objects.filter(external_id__in=set(keys.values()) - {None}).values(
            "external_id", "contract_start", "renewal_date"
        )
    }
    people = _people(source, batch)
    rows = {}
    for message in batch:
        try:
            row = _account_row(source, message, keys[message], stored, people, received_at)
        except Refused as error:
            _refuse(message, error)
            continue
        rows.setdefault(row["external_id"], {}).update(row)
        stored.setdefault(row["external_id"], row)
    if not rows:
        return
    ids = accounts_upsert(rows=list(rows.values()))
    grouped = []
    for message in batch:
        if message.open:
            message.account_id = ids.get(keys[message])
            message.settle(Outcome.ACCOUNT, f"Account {keys[message]}")
            if message.user_id and message.account_id:
                when = _when(message, received_at)
                grouped.append((message.user_id, message.account_id, when))
    _users_group(source, grouped)


def _account_row(source, message, key, stored, people, received_at) -> dict:
    if key is None:
        raise Refused("A group call needs a 'groupId' (the account's external id).")
    if len(key) > 100:
        raise Refused("A groupId is at most 100 characters (an account's external id).")
    traits = spec._object(message.body.get("traits"))
    fields = spec.account_fields(traits, source.trait_map or {})
    if "csm" in fields:
        csm = people.get(fields.pop("csm").lower())
        if csm is not None:
            fields["csm_id"] = csm
    before = stored.get(key)
    if before is None:
        start = fields.get("contract_start") or received_at.date()
        fields = {
            "name": key, "arr": 0, "contract_start": start,
            "renewal_date": _year_after(start), "csm_id": source.owner.pk, **fields,
        }  # fmt: skip
    start = fields.get("contract_start") or before["contract_start"]
    renewal = fields.get("renewal_date") or before["renewal_date"]
    if renewal < start:
        raise Refused(f"Renewal date {renewal} is before contract start {start}.")
    return {"external_id": key, **fields}


def _year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + timedelta(days=365)


def _people(source, batch) -> dict[str, int]:
    """CSMs named by the batch's traits, by lower-cased email or username."""
    trait = (source.trait_map or {}).get("csm")
    if not trait:
        return {}
    named = {
        str(m.body.get("traits", {}).get(trait)).lower()
        for m in batch
        if isinstance(m.body.get("traits"), dict) and m.body["traits"].get(trait)
    }
    if not named:
        return {}
    users = get_user_model().objects.filter(
        Q(username__in=named) | Q(email__in=named), is_active=True
    )
    found = {}
    for pk, username, email in users.values_list("pk", "username", "email"):
        found.setdefault(username.lower(), pk)
        if email:
            found.setdefault(email.lower(), pk)
    return found


def _when(message, received_at) -> datetime:
    try:
        return spec.occurred_at(message.body, received_at)
    except Refused:
        return received_at


def _users_group(source, grouped) -> None:
    latest = {}
    for user_id, account_id, when in grouped:
        if user_id not in latest or latest[user_id][1] <= when:
            latest[user_id] = (account_id, when)
    if not latest:
        return
    users = sorted(latest)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sources_sourceuser (source_id, user_id, account_id, grouped_at) "
            "SELECT %s, u, a, g FROM unnest(%s::text[], %s::bigint[], %s::timestamptz[]) "
            "AS t(u, a, g) ON CONFLICT (source_id, user_id) DO UPDATE "
            "SET account_id = EXCLUDED.account_id, grouped_at = EXCLUDED.grouped_at "
            "WHERE sources_sourceuser.grouped_at <= EXCLUDED.grouped_at",
            [source.pk, users, [latest[u][0] for u in users], [latest[u][1] for u in users]],
        )


def _accounts_of(source, named: set, users: set) -> tuple[dict, dict]:
    """Account ids by external id, and each user's latest group, in two queries."""
    by_key = (
        dict(Account.objects.filter(external_id__in=named).values_list("external_id", "pk"))
        if named
        else {}
    )
    by_user = {}
    if users:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT user_id, account_id FROM sources_sourceuser "
                "WHERE source_id = %s AND user_id = ANY(%s)",
                [source.pk, sorted(users)],
            )
            by_user = dict(cursor.fetchall())
    return by_key, by_user


def _resolve(message, key, by_key, by_user) -> int:
    if key is not None:
        if key not in by_key:
            raise Refused(f"No account with external id {key!r} (send its group call first).")
        return by_key[key]
    if message.user_id and message.user_id in by_user:
        return by_user[message.user_id]
    raise Refused("No account: no groupId, and no group call for this user yet.")


# identify ------------------------------------------------------------------------------------


def _identifies(source, batch) -> None:
    if not batch:
        return
    keys = {m: spec.identify_account_key(m.body) for m in batch}
    by_key, by_user = _accounts_of(
        source, set(keys.values()) - {None}, {m.user_id for m in batch if m.user_id}
    )
    rows = {}
    for message in batch:
        if not message.user_id:
            message.settle(Outcome.SKIPPED, "An anonymous identify names no stakeholder.")
            continue
        if len(message.user_id) > 100:
            _refuse(message, Refused("A userId is at most 100 characters (a stakeholder's id)."))
            continue
        try:
            message.account_id = _resolve(message, keys[message], by_key, by_user)
        except Refused as error:
            _refuse(message, error)
            continue
        fields = {"account_id": message.account_id, **spec.stakeholder_fields(message.body)}
        rows.setdefault(message.user_id, {"external_id": message.user_id}).update(fields)
    if rows:
        stakeholders_upsert(rows=list(rows.values()))
    for message in batch:
        if message.open:
            message.settle(Outcome.STAKEHOLDER, f"Stakeholder {message.user_id}")


# track, page, screen -------------------------------------------------------------------------


def _events(source, batch, received_at, rescore, new=False) -> None:
    if not batch:
        return
    counts = Counter(m.event for m in batch)
    mapping = event_map(source, set(counts))
    mapped = []
    for message in batch:
        if mapping.get(message.event, (None,))[0]:
            mapped.append(message)
        else:
            message.settle(Outcome.UNMAPPED, f"{message.event!r} is not mapped to a kind.")
    rows = signal_rows(source, mapped, mapping, received_at)
    signals_store(rows=rows, source=source.name[:50], rescore=rescore, new=new)
    _count(source, counts, received_at)


def event_map(source, events: set) -> dict[str, tuple[str | None, str | None]]:
    rows = EventMapping.objects.filter(source=source, event__in=events)
    return {e: (k, v) for e, k, v in rows.values_list("event", "kind", "value_property")}


def signal_rows(source, batch, mapping, received_at) -> list[dict]:
    """The signals of mapped events (refusing those with no account or a bad time)."""
    keys = [spec.event_account_key(m.body) for m in batch]
    by_key, by_user = _accounts_of(  # a user's latest group: for the events that name none
        source, set(keys) - {None},
        {m.user_id for m, key in zip(batch, keys, strict=True) if m.user_id and key is None},
    )  # fmt: skip
    rows, signal = [], Outcome.SIGNAL
    for message, key in zip(batch, keys, strict=True):
        kind, value_property = mapping[message.event]
        body = message.body
        try:
            message.account_id = account_id = _resolve(message, key, by_key, by_user)
            moment = spec.occurred_at(body, message.received_at or received_at)
        except Refused as error:
            _refuse(message, error)
            continue
        rows.append({
            "index": message.index, "account_id": account_id,
            "external_id": signal_external_id(source, message.message_id), "kind": kind,
            "occurred_at": moment, "actor": spec.actor(body, message.user_id),
            "value": spec.event_value(body, value_property),
        })  # fmt: skip
        message.settle(signal, f"{kind} on account {key or account_id}")
    return rows


def signal_external_id(source, message_id: str) -> str:
    """The signal's idempotency key: the source and the messageId (hashed when too long)."""
    key = f"seg{source.id}:{message_id}"
    if len(key) <= 100:
        return key
    return f"seg{source.id}:sha1:{hashlib.sha1(message_id.encode()).hexdigest()}"


def _count(source, counts: Counter, received_at) -> None:
    """Distinct messages per event name (duplicates were settled before), in name order."""
    names = sorted(counts)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sources_eventmapping (source_id, event, count, first_seen, last_seen) "
            "SELECT %s, e, c, %s, %s FROM unnest(%s::text[], %s::bigint[]) AS t(e, c) "
            "ON CONFLICT (source_id, event) DO UPDATE SET "
            "count = sources_eventmapping.count + EXCLUDED.count, last_seen = EXCLUDED.last_seen",
            [source.pk, received_at, received_at, names, [counts[n] for n in names]],
        )


# raw -----------------------------------------------------------------------------------------


def _raw_rows(batch) -> list[tuple]:
    return [
        (m.message_id, m.type or "?", m.event, m.user_id, m.account_id, m.outcome, m.detail,
         m.compact.decode() if m.compact and m.outcome != Outcome.DUPLICATE else None)
        for m in batch
    ]  # fmt: skip


def raw_rows_write(source, batch, received_at) -> None:
    """Every message of the batch as received (a duplicate without its body again): one
    INSERT for a webhook's few messages, a binary COPY for a library's batch or a file's
    chunk. For the Segment client's 100-message batches COPY cost a fifth less CPU than the
    INSERT (client and server together, 20,000 messages accepted 100 a call), for one more
    round trip."""
    if not batch:
        return
    if len(batch) < RAW_COPY_FROM:
        rows = _raw_rows(batch)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} ({', '.join(RAW_COLUMNS)}) "
                "SELECT %s, %s, m, t, e, u, a, o, d, b::json FROM unnest(%s::text[], "
                "%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], "
                "%s::text[]) WITH ORDINALITY AS x(m, t, e, u, a, o, d, b, n) ORDER BY n",
                [source.pk, received_at, *map(text_array, zip(*rows, strict=True))],
            )
        return
    _raw_copy(source, batch, received_at)


def _raw_copy(source, batch, received_at) -> None:
    """A batch kept raw with a binary COPY, each body passed as read: the text format
    made the driver escape every character of every body, and the server unescape them (half
    of the chunk's raw store time). A body goes in json's binary form, the JSON as read, sent
    as plain bytes: the driver's json dumper was two Python calls a message."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # The bytes dumper by type: bytea's by oid is the DB-API `Binary`'s, a Python call a row.
        cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        sql = f"COPY {TABLE} ({', '.join(RAW_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(sql) as copy:
            copy.set_types(RAW_TYPES)
            write, source_id, duplicate = copy.write_row, source.id, Outcome.DUPLICATE
            for m in batch:
                write((
                    source_id, received_at, m.message_id, m.type or "?", m.event, m.user_id,
                    m.account_id, m.outcome, m.detail,
                    m.compact if m.compact and m.outcome != duplicate else None,
                ))  # fmt: skip


def raw_outcomes_update(source_id: int, batch) -> None:
    """What became of a source's kept messages: `batch` holds (id, received_at, Message)
    triples, the receipt time a datetime or the text the database gave. The arrays go as literals
    (`text_array`), as a request's do: the driver's quoting of 5,000 details was a sixth of a
    drain's time. The ids are given a second time as an array unknown when planning
    (`_stored_ids`' way), so each finds its row through the primary key (source, id,
    received_at): joined to the unnested arrays alone, the planner hashed the whole month's
    partition for every chunk (EXPLAIN ANALYZE: 233,000 rows, 94 MB, 0.4-0.7 s for a drain's
    5,000 messages)."""
    ids = text_array(pk for pk, _, _ in batch)
    with connection.cursor() as cursor:
        cursor.execute(  # a duplicate found by the drain no longer keeps its body
            f"UPDATE {TABLE} r SET outcome = t.o, detail = t.d, account_id = t.a, "
            "body = CASE WHEN t.o = 'duplicate' THEN NULL ELSE r.body END "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::bigint[]) "
            "AS t(i, r, o, d, a) WHERE r.id = t.i AND r.received_at = t.r "
            "AND r.source_id = %s AND r.id = ANY(ARRAY(SELECT unnest(%s::bigint[])))",
            [
                ids,
                text_array(at if isinstance(at, str) else at.isoformat() for _, at, _ in batch),
                text_array(m.outcome for _, _, m in batch),
                text_array(m.detail for _, _, m in batch),
                text_array(m.account_id for _, _, m in batch),
                source_id,
                ids,
            ],
        )  # fmt: skip
