"""Writes of health: scoring runs appended to history, the current score, rescore requests."""

import logging
import time
from datetime import date, datetime, timedelta

import numpy as np
import orjson
import pandas as pd
import redis
from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from candor.background import AfterResponse
from health.features import (
    AccountRange,
    build_features,
    card_keys,
    features_prepare,
    scorable_accounts,
)
from health.hooks import portfolio_scored, scores_written
from health.models import (
    SPEC_FIELDS,
    CalibrationReport,
    ChurnModel,
    ComponentOverride,
    CurrentHealth,
    HealthScore,
    RescoreRequest,
    Scorecard,
    ScorecardVersion,
    ScoringRun,
    ScoringShard,
    validate_spec,
)
from health.partitions import history_partition_ensure
from health.portfolio_figures import portfolio_figures_refresh
from health.scoring import ScorecardSpec, score_frame
from health.selectors import scorecard_specs

logger = logging.getLogger(__name__)

PENDING_KEY = "candor:rescore:pending"
FLUSH_LOCK = "candor:rescore:flush-scheduled"


def default_scorecard() -> Scorecard:
    """The scorecard of every segment without one of its own, created on first use."""
    return Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})[0]


def scorecards_by_segment() -> dict[str, ScorecardSpec]:
    """The default scorecard (created on first use) under '', and any per-segment overrides,
    each at its live version. Once the default is stored, this is one read of the versions."""
    specs = scorecard_specs()
    if specs[""].scorecard_id is None:  # the built-in defaults: no default scorecard stored yet
        default_scorecard()
        specs = scorecard_specs()
    return specs


@transaction.atomic
def scorecard_update(*, scorecard: Scorecard, user=None, **changes) -> Scorecard:
    """Edit a scorecard. A change to what it scores with writes a new immutable version and
    makes it live; past scores keep naming the version that produced them."""
    unknown = set(changes) - {"name", *SPEC_FIELDS}
    if unknown:
        raise ValueError(f"Not scorecard fields: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(scorecard, name, value)
    validate_spec(scorecard.effective_spec())
    scorecard.edited_by = user
    scorecard.save()
    return scorecard


def _spec_with(version: ScorecardVersion, changes: dict) -> dict:
    """A version's spec with some of it changed; partial weights, thresholds or targets are
    laid over the version's own."""
    spec = version.spec()
    for name, value in changes.items():
        spec[name] = {**spec[name], **value} if isinstance(spec[name], dict) else list(value)
    return spec


@transaction.atomic
def scorecard_version_propose(
    *, scorecard: Scorecard, user=None, note: str = "", **changes
) -> ScorecardVersion:
    """A candidate version (e.g. calibrated weights), written but not live: nothing scores
    with it until a VP adopts it (`scorecard_version_adopt`)."""
    unknown = set(changes) - set(SPEC_FIELDS)
    if unknown:
        raise ValueError(f"Not scorecard fields: {', '.join(sorted(unknown))}.")
    live = scorecard.versions.get(number=scorecard.version)
    spec = _spec_with(live, changes)
    validate_spec(spec)
    return ScorecardVersion.objects.create(
        scorecard=scorecard, number=scorecard.next_version_number(), created_by=user,
        note=note, adopted_at=None, **spec,
    )  # fmt: skip


@transaction.atomic
def scorecard_version_adopt(*, version: ScorecardVersion, user) -> Scorecard:
    """Make a version live: the scorecard scores with exactly its fields from the next run."""
    scorecard = Scorecard.objects.select_for_update().get(pk=version.scorecard_id)
    now = timezone.now()
    Scorecard.objects.filter(pk=scorecard.pk).update(
        version=version.number, updated_at=now, **version.spec()
    )
    version.adopted_at, version.adopted_by = now, user
    version.save(update_fields=["adopted_at", "adopted_by"])
    ChurnModel.objects.filter(version=version).update(adopted_at=now)  # its model goes live too
    scorecard.refresh_from_db()
    return scorecard


def score_features(features: pd.DataFrame, as_of: date, cards=None) -> pd.DataFrame:
    """Score each segment with its own scorecard, or the default one: one pass per scorecard
    (not per segment), so 100 changed accounts are scored in one vectorised call. `cards`
    must be the ones the features were built with."""
    cards = scorecards_by_segment() if cards is None else cards
    card_of = card_keys(features["segment"], cards)
    keys = card_of.unique()
    # One scorecard (the usual case) scores the frame itself: no groupby of a small frame.
    groups = (
        features.groupby(card_of, sort=False) if len(keys) > 1 else [(k, features) for k in keys]
    )
    parts = []
    for segment, group in groups:
        spec = cards[segment]
        scored = score_frame(group, spec, as_of)
        scored["scorecard_id"], scored["scorecard_version"] = spec.scorecard_id, spec.version
        parts.append(scored)
    return pd.concat(parts) if parts else pd.DataFrame()


# Not the data's fault: the database or the queue went away, or the task ran out of time.
# These propagate (Celery retries); anything else is taken to be one account's bad data.
OUTAGES = (OperationalError, InterfaceError, redis.RedisError, SoftTimeLimitExceeded)
# Past this many accounts failing in one call the fault is not in their data: raise it.
MAX_ISOLATED_FAILURES = 20


class ScoringFailed(Exception):
    """Too many accounts failed to be one account's bad data: the scorer itself is broken."""


def score_accounts(
    *,
    account_ids=None,
    as_of: date | None = None,
    computed_at=None,
    failed: list | None = None,
    keep_history=False,
) -> int:
    """Score accounts (all scorable ones when `account_ids` is None) and append history.

    Scoring "today" also moves each account's CurrentHealth. `computed_at` names the run, so a
    retried shard skips accounts it already wrote. One account's bad data never fails the run:
    the set is halved until the accounts that cannot be scored are found; each is logged (and
    appended to `failed`), and every other account is scored. With `keep_history`, an account
    that already has a score as of that day keeps it and gets no second one (a backfill run
    twice).
    """
    today = timezone.now().date()
    as_of = as_of or today
    computed_at = computed_at or timezone.now()
    failures = [] if failed is None else failed
    run = {"as_of": as_of, "computed_at": computed_at, "current": as_of >= today,
           "keep_history": keep_history}  # fmt: skip
    scored = _score_isolating(account_ids, run, failures, scorecards_by_segment())
    if account_ids is None and run["current"]:
        _figures_refresh()  # the whole portfolio, in this process: its figures are due
    return scored


def _score_once(account_ids, run: dict, cards) -> int:
    features_prepare(run["as_of"], account_ids)  # before the transaction: its lock stays short
    with transaction.atomic():  # a failed attempt rolls back to here, not the caller's work
        features = build_features(run["as_of"], account_ids, cards, prepared=True)
        if features.empty:
            return 0
        scores = score_features(features, run["as_of"], cards)
        return health_scores_write(scores, features, **run)


def _score_isolating(account_ids, run: dict, failed, cards) -> int:
    as_of = run["as_of"]
    try:
        return _score_once(account_ids, run, cards)
    except OUTAGES:
        raise
    except Exception:
        ids = list(
            scorable_accounts(as_of, account_ids).order_by("pk").values_list("pk", flat=True)
        )
        if not ids:
            raise
        if len(ids) == 1:
            logger.exception("Account %s could not be scored as of %s; skipped", ids[0], as_of)
            failed.extend(ids)
            if len(failed) > MAX_ISOLATED_FAILURES:
                raise ScoringFailed(f"{len(failed)} accounts failed to score") from None
            return 0
    halves = _halves(account_ids, ids)
    return sum(_score_isolating(half, run, failed, cards) for half in halves)


def _halves(account_ids, ids):
    """Two halves of the sorted scorable `ids`: id ranges when the set was a range or all."""
    middle = len(ids) // 2
    if account_ids is None or isinstance(account_ids, AccountRange):
        return [AccountRange(ids[0], ids[middle - 1]), AccountRange(ids[middle], ids[-1])]
    return [ids[:middle], ids[middle:]]


@transaction.atomic
def health_scores_write(
    scores, features, *, as_of: date, computed_at: datetime, current: bool, keep_history=False
) -> int:
    """Append the scores to history and, when `current`, point CurrentHealth at them.

    Once committed, `scores_written` tells the apps above (the actions rules) which accounts
    the run wrote."""
    if scores.empty:
        return 0
    written = _write_postgresql(scores, features, as_of, computed_at, current, keep_history)
    account_ids = sorted(int(pk) for pk in scores.index)
    transaction.on_commit(
        lambda: scores_written.send(
            sender=HealthScore,
            as_of=as_of,
            computed_at=computed_at,
            account_ids=account_ids,
            current=current,
        )
    )
    return written


def _score_frame(scores, features) -> pd.DataFrame:
    """What varies per account, column by column; the run's as_of and computed_at do not."""
    return pd.DataFrame(
        {
            "account_id": scores.index,
            "overall": scores["overall"].astype(float),
            "rag": scores["rag"],
            "facts": scores["facts"],
            "flag_codes": scores["flag_codes"],
            "checklist_completion": scores["checklist_completion"].astype(float),
            "outcome_attainment": scores["outcome_attainment"].astype(float),
            "scorecard_id": scores["scorecard_id"].astype("Int64"),
            "scorecard_version": scores["scorecard_version"].astype(int),
            "last_signal_at": pd.to_datetime(
                features["last_signal_at"].reindex(scores.index), utc=True
            ),
        }
    )


ROW_COLUMNS = [
    "account_id", "as_of", "computed_at", "overall", "rag", "facts", "flag_codes",
    "checklist_completion", "outcome_attainment", "scorecard_id", "scorecard_version",
    "last_signal_at",
]  # fmt: skip
VARYING = [c for c in ROW_COLUMNS if c not in ("as_of", "computed_at")]
EPOCH = pd.Timestamp(0, tz="UTC")
CURRENT_COLUMNS = ["score_id", "overall", "rag", "flag_codes", "computed_at", "last_signal_at"]


def scores_csv(scores, features) -> str:
    """What varies per account (VARYING), as the CSV that the write COPYs (COPY_CSV): a line per
    account made by joins, the texts between QUOTE bytes as they are. pandas' writer, doubling
    every double quote of 90,000 JSON facts, took a second of a 100,000-account run."""
    frame = _score_frame(scores, features)
    seen = (frame["last_signal_at"] - EPOCH).dt.total_seconds()
    columns = {
        "account_id": list(map(str, frame["account_id"].tolist())),
        **{name: _float_texts(frame[name]) for name in FLOAT_SCORES},
        **{name: _quoted(frame[name]) for name in ("rag", "facts", "flag_codes")},
        "scorecard_id": ["" if pd.isna(pk) else str(pk) for pk in frame["scorecard_id"]],
        "scorecard_version": list(map(str, frame["scorecard_version"].tolist())),
        "last_signal_at": _float_texts(seen),
    }
    return "\n".join(map(",".join, zip(*(columns[name] for name in VARYING), strict=True)))


# The quote of that CSV: a byte no score's text holds (orjson writes control characters in
# JSON escaped), so facts, full of double quotes and commas, need no escaping.
QUOTE = "\x01"
COPY_CSV = "FORMAT csv, QUOTE E'\\x01'"


def _quoted(column: pd.Series) -> list[str]:
    return [f"{QUOTE}{text}{QUOTE}" for text in column.tolist()]


def _float_texts(column: pd.Series) -> list[str]:
    """Numbers as Python writes them (they read back exactly), missing ones empty: NULL."""
    return ["" if number != number else repr(number) for number in column.tolist()]


# The day's partition is written directly: it draws no ids itself, the history's identity does.
# The sequence is looked up once a statement (an InitPlan), not once a row: the lookup per row
# was a third of the time of a 100,000-row insert.
NEXT_ID = (
    f"nextval((SELECT pg_get_serial_sequence('{HealthScore._meta.db_table}', 'id'))::regclass)"
)


def _write_postgresql(scores, features, as_of, computed_at, current: bool, keep_history) -> int:
    """COPY what varies into a temporary table (no WAL, no indexes), or for a small batch pass it
    in the statement itself (`_scores_with`), then ONE statement appends history straight into
    the day's partition (no routing through the parent) and, when `current`, upserts
    CurrentHealth with the ids the insert returned. Rows a retried shard already wrote are
    skipped by the unique (account, as_of, computed_at) index; returns how many were new."""
    small = len(scores) <= SMALL_WRITE
    with connection.cursor() as cursor:
        partition = history_partition_ensure(cursor, as_of)
        scores_with, params = _scores_with(scores, features) if small else ("", [])
        if not small:
            _scores_copy(cursor, scores_csv(scores, features))
        params += [as_of, computed_at, *([as_of] if keep_history else [])]
        params += [computed_at] if current else []

        def statement(skip_written: bool) -> str:
            insert = _history_insert(partition, keep_history, skip_written)
            if current:
                return _with_current(insert, scores_with)
            return f"WITH {scores_with}inserted AS ({insert}) SELECT count(*) FROM inserted"

        if small or keep_history:
            cursor.execute(statement(skip_written=True), params)
        else:
            _fresh_rows_insert(cursor, statement, params)
        written = cursor.fetchone()[0]
        if not small:
            cursor.execute("DROP TABLE candor_scores")
    return written


# Up to this many rows the scores travel in the statement itself, as one JSON parameter: the
# temporary table (four statements, and catalog rows written and deleted each time) cost a
# 100-account rescore more than writing its rows.
SMALL_WRITE = 1_000
RECORD_TYPES = {
    "account_id": "bigint", "overall": "float8", "rag": "text", "facts": "text",
    "flag_codes": "text", "checklist_completion": "float8", "outcome_attainment": "float8",
    "scorecard_id": "bigint", "scorecard_version": "integer", "last_signal_at": "float8",
}  # fmt: skip


def _scores_with(scores, features) -> tuple[str, list]:
    """`candor_scores` as a WITH clause reading one JSON array of the VARYING columns' rows,
    with the values the COPY would have written: missing numbers null, the last signal in
    seconds since the epoch (orjson writes the floats as they round-trip, NaN as null)."""
    seen = features["last_signal_at"].reindex(scores.index)
    values = {
        "account_id": scores.index.to_numpy(dtype=np.int64),
        **{name: scores[name].to_numpy(dtype=float) for name in FLOAT_SCORES},
        "rag": scores["rag"].tolist(),
        "facts": scores["facts"].tolist(),
        "flag_codes": scores["flag_codes"].tolist(),
        "scorecard_id": [None if pd.isna(pk) else int(pk) for pk in scores["scorecard_id"]],
        "scorecard_version": scores["scorecard_version"].to_numpy(dtype=np.int64),
        "last_signal_at": (pd.to_datetime(seen, utc=True) - EPOCH).dt.total_seconds().to_numpy(),
    }
    columns = [values[name] for name in VARYING]
    rows = [dict(zip(VARYING, row, strict=True)) for row in zip(*columns, strict=True)]
    typed = ", ".join("facts::json AS facts" if c == "facts" else c for c in VARYING)
    record = ", ".join(f"{c} {RECORD_TYPES[c]}" for c in VARYING)
    clause = f"candor_scores AS (SELECT {typed} FROM json_to_recordset(%s::json) AS s({record})), "
    return clause, [orjson.dumps(rows, option=orjson.OPT_SERIALIZE_NUMPY).decode()]


FLOAT_SCORES = ["overall", "checklist_completion", "outcome_attainment"]


def _scores_copy(cursor, csv: str) -> None:
    table = HealthScore._meta.db_table
    cursor.execute("DROP TABLE IF EXISTS candor_scores")
    cursor.execute(
        f"CREATE TEMP TABLE candor_scores ON COMMIT DROP AS SELECT "
        f"{', '.join(c for c in VARYING if c != 'last_signal_at')}, "
        f"NULL::float8 AS last_signal_at FROM {table} WITH NO DATA"
    )
    copy_sql = (
        f"COPY candor_scores ({', '.join(VARYING)}) FROM STDIN "
        f"({COPY_CSV}, FORCE_NOT_NULL (rag, facts, flag_codes))"
    )
    with cursor.cursor.copy(copy_sql) as copy:
        copy.write(csv)


def _fresh_rows_insert(cursor, statement, params) -> None:
    """A run's rows are new but when a shard is retried: inserted plainly (ON CONFLICT's
    probe of the run key before each row cost a fifth of a 89,000-row insert), and only if the
    run key refuses one, again skipping the rows already written."""
    try:
        with transaction.atomic():  # a savepoint: the refused statement leaves nothing behind
            cursor.execute(statement(skip_written=False), params)
    except IntegrityError:
        cursor.execute(statement(skip_written=True), params)


def _history_insert(partition: str, keep_history: bool, skip_written=True) -> str:
    """Append the copied scores to the day's partition, skipping rows of the run already
    written (`skip_written`); a kept history also skips accounts already scored that day (a
    probe of the run key's index)."""
    history = [c for c in ROW_COLUMNS if c != "last_signal_at"]
    values = ", ".join("%s" if c in ("as_of", "computed_at") else c for c in history)
    kept = (
        f"WHERE NOT EXISTS (SELECT 1 FROM {partition} h "
        "WHERE h.account_id = candor_scores.account_id AND h.as_of = %s) "
    )
    return (
        f"INSERT INTO {partition} (id, {', '.join(history)}) "
        f"SELECT {NEXT_ID}, {values} FROM candor_scores {kept if keep_history else ''}"
        f"{'ON CONFLICT (account_id, as_of, computed_at) DO NOTHING ' if skip_written else ''}"
        "RETURNING id, account_id"
    )


def _with_current(insert: str, scores_with: str = "") -> str:
    """The history insert, then CurrentHealth pointed at the new rows, in account order (one
    lock order: overlapping rescores never deadlock). Counts the history rows written.

    An UPDATE joined to the new rows was measured beside this upsert: no faster within the
    noise, and it locks rows in whatever order its join yields; locking them in order first
    cost more than the upsert (docs/benchmarks.md). `scores_with`: the WITH clause of a small
    batch's scores (`_scores_with`), else they are read from the temporary table."""
    latest = CurrentHealth._meta.db_table
    values = ", ".join(_current_value(c) for c in CURRENT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in CURRENT_COLUMNS)
    return (
        f"WITH {scores_with}inserted AS ({insert}), "
        f"current AS (INSERT INTO {latest} (account_id, {', '.join(CURRENT_COLUMNS)}) "
        f"SELECT i.account_id, {values} FROM inserted i JOIN candor_scores c USING (account_id) "
        f"ORDER BY i.account_id ON CONFLICT (account_id) DO UPDATE SET {updates}) "
        "SELECT count(*) FROM inserted"
    )


def _current_value(column: str) -> str:
    return {
        "score_id": "i.id",
        "computed_at": "%s",
        "last_signal_at": "to_timestamp(c.last_signal_at)",
    }.get(column, f"c.{column}")


def rescore_request(*, account_ids) -> None:
    """Ask for a debounced rescore of accounts that just received signals.

    HEALTH_RESCORE says where: `background`, this process' rescore thread, after the request
    has answered (a web process without Redis); `inline`, at once; `celery`, with Redis: ids
    gather in a set and one flush runs after RESCORE_DEBOUNCE_SECONDS (without a broker, at
    once). A broker outage is logged, never raised: the
    signals are already committed and the periodic sweep rescores them.
    """
    account_ids = sorted({int(pk) for pk in account_ids})
    if not account_ids:
        return
    if settings.HEALTH_RESCORE == "background":
        rescorer.request(account_ids)
        return
    if settings.HEALTH_RESCORE == "inline" or settings.CELERY_TASK_ALWAYS_EAGER:
        score_accounts(account_ids=account_ids)
        return
    try:
        pending_rescores_add(account_ids)
    except Exception:  # any broker/Redis failure: remembered in the database for the sweep
        logger.warning(
            "Rescore request for %d accounts not queued; kept for the sweep",
            len(account_ids),
            exc_info=True,
        )
        rescore_requests_remember(account_ids=account_ids)


def _rescore_served(account_ids: list[int]) -> None:
    """Without a broker each web process has a rescore thread, and every process's drain asks
    for the same busy accounts: one thread at a time scores, for all of them. A thread keeps
    what it was asked in the database first; the one that gets the lock scores everything kept
    and holds the lock while it rests (never longer than the Celery path's debounce), so the
    processes together spend at most RESCORE_BUSY_SHARE of one process's time scoring (each
    used to rescore every account twice a second: most of the web processes' CPU in
    `bench_segment`). A thread that finds the lock taken leaves its accounts to the holder,
    which looks for more once it lets go."""
    rescore_requests_remember(account_ids=account_ids)
    while _rescore_lock(take=True):
        try:
            started = time.monotonic()
            remembered, read_at = rescore_requests_take()
            if remembered:
                score_accounts(account_ids=remembered)
                rescore_requests_done(account_ids=remembered, before=read_at)
            rest = (time.monotonic() - started) * (1 / RESCORE_BUSY_SHARE - 1)
            time.sleep(min(rest, settings.CANDOR["RESCORE_DEBOUNCE_SECONDS"]))
        finally:
            _rescore_lock(take=False)
        if not RescoreRequest.objects.exists():
            return


def _rescore_lock(*, take: bool) -> bool:
    """The rescore threads' lock (a session lock of this thread's own connection)."""
    with connection.cursor() as cursor:
        verb = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
        cursor.execute(f"SELECT {verb}(%s)", [RESCORE_LOCK])
        return cursor.fetchone()[0]


def _rescore_kept(account_ids: list[int]) -> None:
    rescore_requests_remember(account_ids=account_ids)


# Seconds the rescore thread gathers requests before scoring them together, and the share of
# the time the threads of all processes together may spend scoring (a lone request's account
# taking 50 ms to score, the next rescore may start a second later).
RESCORE_GATHER_SECONDS = 0.5
RESCORE_BUSY_SHARE = 0.05
RESCORE_LOCK = 0x5C0AE << 32
rescorer = AfterResponse(
    "health-rescore", serve=_rescore_served, failed=_rescore_kept,
    gather_for=RESCORE_GATHER_SECONDS,
)  # fmt: skip


def rescore_requests_remember(*, account_ids) -> None:
    """Keep accounts to rescore in the database (one row each) until the sweep scores them. A
    row already kept takes the new request's time: a rescore that took it before this request
    (and may have read the account before its data changed) then leaves it for the next one."""
    RescoreRequest.objects.bulk_create(
        [RescoreRequest(account_id=pk) for pk in sorted(account_ids)],
        update_conflicts=True, unique_fields=["account"], update_fields=["requested_at"],
    )  # fmt: skip


def rescore_requests_take() -> tuple[list[int], datetime]:
    """The remembered accounts, and the moment read: rows older than it are the sweep's."""
    moment = timezone.now()
    ids = RescoreRequest.objects.filter(requested_at__lte=moment).values_list(
        "account_id", flat=True
    )
    return list(ids), moment


def rescore_requests_done(*, account_ids, before: datetime) -> None:
    RescoreRequest.objects.filter(account_id__in=account_ids, requested_at__lte=before).delete()


def redis_client() -> redis.Redis:
    """Short timeouts: a request that finds Redis gone falls back at once, it does not hang."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


def pending_rescores_add(account_ids) -> None:
    """Gather ids in a Redis set; the first request of a window schedules one flush (by task
    name: the tasks module imports this one, never the reverse)."""
    client = redis_client()
    client.sadd(PENDING_KEY, *account_ids)
    delay = settings.CANDOR["RESCORE_DEBOUNCE_SECONDS"]
    if client.set(FLUSH_LOCK, "1", nx=True, ex=max(delay, 1)):
        current_app.send_task("health.tasks.flush_rescores", countdown=delay)


def scoring_run_start(*, task_id: str, as_of: date, shards: list[tuple[int, int]], accounts: int):
    """Record a portfolio run and its shards before any is queued; a task redelivered after
    it had recorded its run gets the same run back (and queues nothing new)."""
    with transaction.atomic():
        run, created = ScoringRun.objects.get_or_create(
            task_id=task_id,
            defaults={"as_of": as_of, "computed_at": timezone.now(), "accounts": accounts},
        )
        if created:
            now = timezone.now()
            ScoringShard.objects.bulk_create(
                ScoringShard(run=run, first=first, last=last, queued_at=now)
                for first, last in shards
            )
    return run, created


def scoring_shard_claim(*, shard_id: int, holder: str, lease: timedelta) -> bool:
    """Take the shard for `holder` until `lease` from now, in one conditional UPDATE (as
    healthchecks' sendalerts claims a check): of two workers handed the same shard (the broker's
    redelivery, the sweep's re-queue) exactly one wins. A shard done, or leased by another worker
    that still renews its lease, is not taken; its own holder, retrying, takes it back."""
    now = timezone.now()
    return bool(
        ScoringShard.objects.filter(pk=shard_id, done_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(leased_by=holder))
        .update(leased_by=holder, lease_until=now + lease)
    )


def scoring_shard_lease_renew(*, shard_id: int, holder: str, lease: timedelta) -> bool:
    """The heartbeat of a live worker: extend its lease. False once the shard is done or the
    lease was lost to another worker (it had lapsed)."""
    return bool(
        ScoringShard.objects.filter(pk=shard_id, leased_by=holder, done_at__isnull=True).update(
            lease_until=timezone.now() + lease
        )
    )


def scoring_shard_finish(*, shard_id: int, scored: int, failed: list[int]) -> None:
    """Mark a shard done (a second finish, after a redelivery, changes nothing), and its run
    finished when it was the last."""
    now = timezone.now()
    with transaction.atomic():
        updated = ScoringShard.objects.filter(pk=shard_id, done_at__isnull=True).update(
            done_at=now, scored=scored, failed_accounts=sorted(set(failed)), lease_until=None
        )
        if not updated:
            return
        run_id = ScoringShard.objects.values_list("run_id", flat=True).get(pk=shard_id)
        if ScoringShard.objects.filter(run_id=run_id, done_at__isnull=True).exists():
            return
        finished = ScoringRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
            finished_at=now
        )
    if finished:  # the last shard of a portfolio run: the page's figures are due
        _figures_refresh()


def _figures_refresh() -> None:
    """The scores are written whatever becomes of the figures: a failure leaves the page to
    compute them on its next request."""
    try:
        portfolio_figures_refresh()
    except Exception:
        logger.exception("The portfolio's figures could not be refreshed after the run")
    for receiver, outcome in portfolio_scored.send_robust(sender=None):
        if isinstance(outcome, Exception):
            logger.error("%s failed after the portfolio's run", receiver, exc_info=outcome)


def scoring_shards_lapsed(*, resend_after: timedelta) -> list[ScoringShard]:
    """Shards no live worker holds: their lease lapsed since they were last queued (the worker
    died), or nobody claimed them in `resend_after` (their message went with a dead worker or a
    lost broker). Stamped as queued again now, so two sweeps never both re-queue one; a copy
    that turns out to be surplus loses the claim and does nothing."""
    now = timezone.now()
    lapsed = Q(lease_until__lt=now, queued_at__lt=F("lease_until"))
    unclaimed = Q(queued_at__lt=now - resend_after) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    with transaction.atomic():
        shards = list(
            ScoringShard.objects.select_for_update(skip_locked=True)
            .select_related("run")
            .filter(lapsed | unclaimed, done_at__isnull=True)
            .order_by("pk")
        )
        for shard in shards:
            shard.queued_at, shard.attempts = now, shard.attempts + 1
        ScoringShard.objects.bulk_update(shards, ["queued_at", "attempts"])
    return shards


@transaction.atomic
def scorecard_calibration_propose(
    *, scorecard: Scorecard, weights: dict, thresholds: dict, note: str, report: dict, user=None
) -> ScorecardVersion:
    """A calibrated version of `scorecard` waiting for a VP (`scorecard_version_propose`), with
    the calibration report that argues for it. Nothing live changes until it is adopted."""
    version = scorecard_version_propose(
        scorecard=scorecard, user=user, note=note, weights=weights, thresholds=thresholds
    )
    CalibrationReport.objects.create(version=version, report=report)
    return version


def churn_model_propose(*, version: ScorecardVersion, model: dict) -> ChurnModel:
    """The churn model `calibrate` fitted, waiting with its proposed version: live only once a
    VP adopts that version (`scorecard_version_adopt`)."""
    return ChurnModel.objects.create(
        version=version, horizon_days=model["horizon_days"], model=model
    )


@transaction.atomic
def component_override_create(
    *, account, component: str, value: float, reason: str, until: date, author
) -> ComponentOverride:
    """A person's value for one component until a day; the account is rescored with it."""
    override = ComponentOverride.objects.create(
        account=account, component=component, value=value, reason=reason, until=until,
        author=author,
    )  # fmt: skip
    rescore_request(account_ids=[account.pk])
    return override


@transaction.atomic
def component_override_end(*, override: ComponentOverride) -> ComponentOverride:
    """End an override now (once: ending an ended one changes nothing); the account is
    rescored without it."""
    if override.ended_at is None:
        override.ended_at = timezone.now()
        override.save(update_fields=["ended_at"])
        rescore_request(account_ids=[override.account_id])
    return override
