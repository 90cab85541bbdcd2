"""Signal ingestion: all or nothing, idempotent per account, fast enough for bulk feeds.

Rows are validated in plain Python (a serializer per row is ten times slower at 10,000 rows),
then stored with one statement. A signal's idempotency key is (account, external_id): the same
key with the same content is a duplicate, with different content a conflict that refuses the
batch. Rows are inserted in key order, so concurrent overlapping batches take their locks in the
same order and never deadlock; a transaction the database still aborts (deadlock, serialization)
is retried. Rescoring is requested only after the commit, so a broker outage can never lose or
block a signal.
"""

import logging
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter

import psycopg.errors
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.selectors import accounts_visible_to
from signals.hooks import signals_ingested
from signals.kinds import BUILTIN_KINDS
from signals.models import Signal, SignalKindDef
from signals.selectors import signal_kind_codes, signal_kind_uses, signal_kinds_retired

logger = logging.getLogger(__name__)

MAX_ROWS = 10_000
ALLOWED_FIELDS = {
    "external_id",
    "account",
    "account_external_id",
    "kind",
    "occurred_at",
    "actor",
    "value",
    "source",
}
LIMITS = {"external_id": 100, "actor": 200, "value": 255, "source": 50}
# What makes two signals with one key the same signal (source is where it came from, not what).
CONTENT = ("kind", "occurred_at", "actor", "value")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of the systems that push signals drift
MAX_NUMBER = 1e12
ATTEMPTS = 4
RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


def signal_kinds_builtin_ensure(*, using: str = "default", apps=None, **kwargs) -> None:
    """Put back any of the twelve built-in kinds that are missing (signals 0010 seeds them; a
    `flush`, as transactional tests run between tests, empties the table). Runs after every
    migrate and flush (`post_migrate`), with the models as the migrations left them."""
    try:
        model = (apps or django_apps).get_model("signals", "SignalKindDef")
    except LookupError:  # migrated back to before signal kinds were data
        return
    model.objects.using(using).bulk_create(
        [
            model(code=code, label=label, category=category, builtin=True)
            for code, (label, category) in BUILTIN_KINDS.items()
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def signal_kind_register(*, code: str, label: str, category: str) -> SignalKindDef:
    """A new kind of signal, accepted from now on (validated by the caller's serializer)."""
    kind = SignalKindDef(code=code, label=label, category=category)
    kind.full_clean()
    kind.save(force_insert=True)
    return kind


@transaction.atomic
def signal_kind_update(*, kind: SignalKindDef, label=None, category=None, retired=None):
    """Relabel, re-categorise (only while nothing uses the kind: its category decides which
    rollups counted its signals) or retire (refused at ingest from now on) or bring back a kind.
    The built-in kinds are the scorer's own vocabulary and stay as they are."""
    kind = SignalKindDef.objects.select_for_update().get(pk=kind.pk)
    if kind.builtin:
        raise ValidationError(f"'{kind.code}' is built in: it cannot be changed or retired.")
    if category is not None and category != kind.category:
        uses = signal_kind_uses(kind.code)
        if uses:
            raise ValidationError(
                {"category": f"'{kind.code}' is in use ({'; '.join(uses)}): its category "
                 "stays. Retire it and register a new kind instead."}
            )  # fmt: skip
        kind.category = category
    if label is not None:
        kind.label = label
    if retired is not None and retired != kind.retired:
        kind.retired_at = timezone.now() if retired else None
    kind.full_clean()
    kind.save()
    return kind


@transaction.atomic
def signal_kind_delete(*, kind: SignalKindDef) -> None:
    """Delete a kind nothing uses; a used one is retired instead, so its history stays readable."""
    kind = SignalKindDef.objects.select_for_update().get(pk=kind.pk)
    if kind.builtin:
        raise ValidationError(f"'{kind.code}' is built in: it cannot be deleted.")
    uses = signal_kind_uses(kind.code)
    if uses:
        raise ValidationError(
            f"'{kind.code}' is in use ({'; '.join(uses)}): retire it instead "
            '(PATCH {"retired": true}); it stays for the history.'
        )
    kind.delete()


class IngestError(Exception):
    """The batch is refused: `errors` are {index, field, code, message}; nothing was stored."""

    status = 400

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} invalid rows")
        self.errors = errors


class IngestConflict(IngestError):
    """A row reuses a stored (account, external_id) with different content."""

    status = 409


@dataclass
class IngestResult:
    created: int
    duplicates: int
    account_ids: set = field(default_factory=set)


def signals_ingest(*, rows, user, source: str = "api") -> IngestResult:
    """Validate every row, then store them all (or raise IngestError and store none)."""
    if not isinstance(rows, list):
        raise IngestError([_batch_error("Expected a JSON list of signals.")])
    if not rows:
        raise IngestError([_batch_error("The list is empty.")])
    if len(rows) > MAX_ROWS:
        raise IngestError(
            [_batch_error(f"At most {MAX_ROWS} signals per request; got {len(rows)}.")]
        )
    parsed, errors = _parse(rows, signal_kind_codes(), signal_kinds_retired())
    _resolve_accounts(parsed, errors, user)
    if errors:
        raise IngestError(_sorted(errors))
    unique, conflicts = _distinct(parsed)
    if conflicts:
        raise IngestConflict(_sorted(conflicts))
    unique.sort(key=lambda row: (row["account_id"], row["external_id"]))
    created = _store(unique, source)
    account_ids = {row["account_id"] for row in unique}
    return IngestResult(created=created, duplicates=len(parsed) - created, account_ids=account_ids)


def signals_store(*, rows: list[dict], source: str, rescore: bool = True, new=False) -> int:
    """Store signals a trusted feed already checked and resolved to account ids (a Segment
    source: its key, not a person, decides what it may write). Idempotent like `signals_ingest`
    (a stored key is skipped) and rescored the same way, unless the caller asks for the rescore
    itself once it is done (`signals_rescore`: a file of many chunks); returns how many were new.
    `new`: the caller expects none of the keys stored (messages seen for the first time), so a
    large batch is copied straight into the table (`_copy_new`)."""
    if not rows:
        return 0
    unique, conflicts = _distinct(rows)
    if conflicts:
        raise IngestConflict(_sorted(conflicts))
    # New rows (a file's chunk) go in by account and time, so each account's rows fill its
    # pages of the (account, occurred_at) index in order and the table keeps an account's
    # signals together; rows that may meet stored keys go in key order, as concurrent
    # batches take the unique index's entries in one order.
    unique.sort(key=itemgetter("account_id", "occurred_at" if new else "external_id"))
    return _store(unique, source, rescore=rescore, new=new)


def signals_rescore(*, account_ids) -> None:
    """Ask for the rescore of accounts that received signals (after the caller's commit)."""
    ids = set(account_ids)
    transaction.on_commit(lambda: _request_rescore(ids))


@transaction.atomic
def signals_remove(*, keys: list[tuple[int, str]]) -> int:
    """Delete signals by (account id, external_id), e.g. when a feed's event map changes their
    kind; the rollup triggers take them out, and the accounts are rescored once committed."""
    if not keys:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM signals_signal s USING unnest(%s::bigint[], %s::text[]) AS t(a, e) "
            "WHERE s.account_id = t.a AND s.external_id = t.e",
            [[account for account, _ in keys], [external for _, external in keys]],
        )
        removed = cursor.rowcount
    account_ids = {account for account, _ in keys}
    transaction.on_commit(lambda: _request_rescore(account_ids))
    return removed


def _batch_error(message):
    return {"index": None, "field": None, "code": "invalid", "message": message}


def _sorted(errors):
    return sorted(errors, key=lambda e: (e["index"], e["field"] or ""))


def _distinct(parsed):
    """One row per key; a key repeated with other content inside the batch is a conflict."""
    first, conflicts = {}, []
    for row in parsed:
        key = (row["account_id"], row["external_id"])
        seen = first.setdefault(key, row)
        differs = _differences(seen, row) if seen is not row else None
        if differs:
            conflicts.append(_conflict(row, differs, "earlier in this batch"))
    return list(first.values()), conflicts


def _differences(stored, row) -> list[str]:
    return [name for name in CONTENT if stored[name] != row[name]]


def _conflict(row, differs, where):
    return {
        "index": row["index"],
        "field": "external_id",
        "code": "conflict",
        "message": f"external_id {row['external_id']!r} was already used {where} for this "
        f"account with a different {', '.join(differs)}; nothing was stored.",
    }


def _store(rows, source, rescore: bool = True, new=False) -> int:
    """Insert the batch and check what it skipped, in one transaction: retried when the
    database aborts it, unless the caller holds a transaction of its own (it cannot restart)."""
    attempts = 1 if connection.in_atomic_block else ATTEMPTS
    account_ids = {row["account_id"] for row in rows}
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                created, skipped = _insert(rows, source, new)
                _refuse_conflicts(skipped)
                if rescore:
                    transaction.on_commit(lambda: _request_rescore(account_ids))
            return created
        except OperationalError as error:
            if attempt == attempts or not isinstance(error.__cause__, RETRYABLE):
                raise
            logger.info("Signal batch retried after %s (attempt %d)", error, attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


def _refuse_conflicts(skipped) -> None:
    """Rows the insert skipped exist already: the same signal (a duplicate), or a conflict."""
    if not skipped:
        return
    stored = _stored(skipped)
    conflicts = []
    for row in skipped:
        differs = _differences(stored[(row["account_id"], row["external_id"])], row)
        if differs:
            conflicts.append(_conflict(row, differs, "before"))
    if conflicts:
        raise IngestConflict(_sorted(conflicts))


def _stored(rows) -> dict:
    sql = (
        "SELECT s.account_id, s.external_id, s.kind, s.occurred_at, s.actor, s.value "
        "FROM signals_signal s JOIN unnest(%s::bigint[], %s::text[]) AS t(a, e) "
        "ON s.account_id = t.a AND s.external_id = t.e"
    )
    keys = [[row["account_id"] for row in rows], [row["external_id"] for row in rows]]
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)
        return {
            (account, external): dict(zip(CONTENT, content, strict=True))
            for account, external, *content in cursor.fetchall()
        }


def _error(errors, index, field_name, message, code="invalid"):
    errors.append({"index": index, "field": field_name, "code": code, "message": message})


def _unknown_kind(kind, kinds) -> str:
    return (
        f"Unknown kind {kind!r}: register it first with POST /api/v1/signal-kinds/ "
        f"(code, label, category), or use one of: {', '.join(sorted(kinds))}."
    )


def _retired_kind(kind) -> str:
    return (
        f"The kind {kind!r} is retired: signals of it are no longer accepted (those already "
        f"stored are kept). A VP can bring it back with PATCH /api/v1/signal-kinds/{kind}/."
    )


def _parse(rows, known, retired):
    kinds = known - retired
    parsed, errors = [], []
    now = timezone.now()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            _error(errors, index, None, "Each signal must be a JSON object.")
            continue
        for unknown in sorted(set(row) - ALLOWED_FIELDS, key=str):
            _error(errors, index, _printable(unknown), "Unknown field.", "unknown_field")
        clean = {"index": index}
        for name, limit in LIMITS.items():
            clean[name] = _text(row.get(name, ""), limit, index, name, errors)
        if not clean["external_id"].strip():
            _error(errors, index, "external_id", "This field is required.", "required")
        if isinstance(row.get("kind"), str) and row["kind"] in retired:
            _error(errors, index, "kind", _retired_kind(row["kind"]), "retired")
        elif not isinstance(row.get("kind"), str) or row["kind"] not in kinds:
            _error(errors, index, "kind", _unknown_kind(_printable(row.get("kind")), kinds))
        clean["kind"] = row.get("kind")
        clean["occurred_at"] = _moment(row.get("occurred_at"), index, errors, now)
        clean["account"] = row.get("account")
        clean["account_external_id"] = row.get("account_external_id")
        parsed.append(clean)
    return parsed, errors


UNICODE_MESSAGE = "Must be valid Unicode text (no lone surrogates, no NUL characters)."


def _text(value, limit, index, name, errors) -> str:
    """A text field as stored: strings, or numbers written out (finite, within +-1e12)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        _error(errors, index, name, "Must be a string.")
        return ""
    if not isinstance(value, str):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            _error(errors, index, name, "A number must be finite, within +-1e12.", "out_of_range")
            return ""
        value = str(value)
    if not _valid_unicode(value):
        _error(errors, index, name, UNICODE_MESSAGE, "invalid_unicode")
        return ""
    if len(value) > limit:
        _error(errors, index, name, f"At most {limit} characters.", "too_long")
    return value


def _valid_unicode(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(value):
    """A value echoed in a message, made safe to encode (a lone surrogate would not be)."""
    if isinstance(value, str):
        return value[:100].encode("utf-8", "backslashreplace").decode("utf-8")
    return value if isinstance(value, int | float | bool | None) else type(value).__name__


def _moment(value, index, errors, now):
    """An ISO 8601 time with an offset (a naive time is refused, never guessed), between
    2000-01-01 and five minutes after the server's clock."""
    if not isinstance(value, str):
        _error(
            errors, index, "occurred_at", "Required: an ISO 8601 date-time with a timezone.",
            "required" if value is None else "invalid",
        )  # fmt: skip
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _error(errors, index, "occurred_at", "Not an ISO 8601 date-time.")
        return None
    if moment.tzinfo is None:
        _error(errors, index, "occurred_at", "Must include a timezone (e.g. 'Z' or '+00:00').")
        return None
    try:
        too_early, too_late = moment < EARLIEST, moment > now + FUTURE_TOLERANCE
    except OverflowError:  # 0001-01-01 with a positive offset is before year 1 in UTC
        too_early, too_late = True, False
    if too_early:
        _error(errors, index, "occurred_at", "Must be on or after 2000-01-01.", "out_of_range")
        return None
    if too_late:
        _error(
            errors, index, "occurred_at",
            "Is in the future (more than 5 minutes after the server's clock).", "out_of_range",
        )  # fmt: skip
        return None
    return moment


def _resolve_accounts(parsed, errors, user):
    """Map `account` / `account_external_id` to ids in the user's book, in two queries."""
    ids, external = set(), set()
    for row in parsed:
        account, ext = row["account"], row["account_external_id"]
        if (account is None) == (ext is None):
            _error(
                errors,
                row["index"],
                "account",
                "Give exactly one of 'account' or 'account_external_id'.",
            )
            row["account"] = row["account_external_id"] = None
        elif account is not None and (
            isinstance(account, bool) or not isinstance(account, int) or not 0 < account < 2**63
        ):
            _error(errors, row["index"], "account", "Must be an account id (a positive integer).")
            row["account"] = None
        elif ext is not None and not isinstance(ext, str):
            _error(errors, row["index"], "account_external_id", "Must be a string.")
            row["account_external_id"] = None
        elif ext is not None and not _valid_unicode(ext):
            _error(errors, row["index"], "account_external_id", UNICODE_MESSAGE, "invalid_unicode")
            row["account_external_id"] = None
        elif account is not None:
            ids.add(account)
        else:
            external.add(ext)
    visible = accounts_visible_to(user)
    known_ids = set(visible.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    by_external = (
        dict(visible.filter(external_id__in=external).values_list("external_id", "pk"))
        if external
        else {}
    )
    for row in parsed:
        if row["account"] is not None:
            row["account_id"] = row["account"] if row["account"] in known_ids else None
        elif isinstance(row["account_external_id"], str):
            row["account_id"] = by_external.get(row["account_external_id"])
        else:
            continue
        if row["account_id"] is None:
            field_name = "account" if row["account"] is not None else "account_external_id"
            _error(errors, row["index"], field_name, "No such account in your book.", "not_found")


# Rows: a batch this large goes in through COPY to a temporary table. The INSERT's arrays are
# quoted value by value in Python (11-12 ms of CPU per 1,000 rows at 200 and 400 rows, against
# 5-6 and 3 through COPY, whose server time is no higher from 400 rows).
COPY_FROM = 400
BATCH_TABLE = "candor_signal_batch"
SIGNAL_COLUMNS = "account_id, external_id, kind, occurred_at, actor, value, source, received_at"
# The types of a row's values (`_values`), in SIGNAL_COLUMNS' order but the receipt time.
VALUE_TYPES = ["int8", "text", "text", "timestamptz", "text", "text", "text"]


def _values(row: dict, source: str) -> tuple:
    """A signal's values as every way in writes them, in SIGNAL_COLUMNS' order (but
    received_at, which the statement gives)."""
    return (
        row["account_id"], row["external_id"], row["kind"], row["occurred_at"],
        row.get("actor", ""), row.get("value", ""), row.get("source") or source,
    )  # fmt: skip


def _insert(rows, source, new=False) -> tuple[int, list[dict]]:
    """One statement for the whole batch, in the order given; returns how many rows were new
    and the rows skipped because their (account, external_id) was already stored."""
    if len(rows) >= COPY_FROM:
        if new and _copy_new(rows, source):
            return len(rows), []
        return _insert_copied(rows, source)
    columns = list(zip(*[_values(r, source) for r in rows], strict=True))
    sql = (
        f"INSERT INTO signals_signal ({SIGNAL_COLUMNS}) "
        "SELECT a, e, k, o, ac, v, s, %s FROM unnest(%s::bigint[], %s::text[], %s::text[], "
        "%s::timestamptz[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY "
        "AS t(a, e, k, o, ac, v, s, n) ORDER BY n "
        "ON CONFLICT (account_id, external_id) DO NOTHING RETURNING account_id, external_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *[list(column) for column in columns]])
        inserted = set(cursor.fetchall())
    skipped = [r for r in rows if (r["account_id"], r["external_id"]) not in inserted]
    return len(inserted), skipped


def _copy_new(rows, source) -> bool:
    """COPY the batch straight into signals_signal, in a savepoint; False, with nothing kept,
    when a key was stored after all (the caller then inserts skipping those). A file's chunk
    costs its backend about 3 ms less per 1,000 signals than the temporary table and the
    INSERT's speculative insertions into the unique index."""
    received_at = timezone.now()
    try:
        with (
            transaction.atomic(),
            connection.connection.cursor() as raw,
            raw.copy(f"COPY signals_signal ({SIGNAL_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types([*VALUE_TYPES, "timestamptz"])
            for r in rows:
                copy.write_row((*_values(r, source), received_at))
    except (IntegrityError, psycopg.errors.UniqueViolation):
        return False
    return True


def _insert_copied(rows, source) -> tuple[int, list[dict]]:
    """As `_insert`, for a file's chunk: COPY (binary, no per-value quoting in Python) into a
    temporary table, then the same one INSERT from it. It returns no keys: when a row was
    skipped, all rows are checked against the stored ones (those it inserted are the same),
    where reading back every inserted key cost more than the rare check."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {BATCH_TABLE} (n integer, a bigint, e text, "
            "k text, o timestamptz, ac text, v text, s text) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"DELETE FROM {BATCH_TABLE}")
        with (
            connection.connection.cursor() as raw,
            raw.copy(f"COPY {BATCH_TABLE} FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(["int4", *VALUE_TYPES])
            for n, r in enumerate(rows):
                copy.write_row((n, *_values(r, source)))
        cursor.execute(
            f"INSERT INTO signals_signal ({SIGNAL_COLUMNS}) "
            f"SELECT a, e, k, o, ac, v, s, %s FROM {BATCH_TABLE} ORDER BY n "
            "ON CONFLICT (account_id, external_id) DO NOTHING",
            [timezone.now()],
        )
        created = cursor.rowcount
    return created, rows if created < len(rows) else []


def _request_rescore(account_ids) -> None:
    try:
        signals_ingested.send(sender=Signal, account_ids=account_ids)
    except Exception:  # the sweep rescores anything a failed request missed
        logger.warning(
            "Rescore after ingest failed for %d accounts", len(account_ids), exc_info=True
        )
