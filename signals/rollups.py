"""Rollups of signals kept up to date at ingest, by PostgreSQL statement triggers.

`signals_signalday` holds per account and UTC day the counts scoring windows over,
`signals_signalfirst` when each kind first happened, `signals_signalkindday` per account, day and
value, survey or support kind how many arrived (and, for surveys, the numeric answers and their
sum), and `signals_signallastseen` when each person and feature was last seen. PostgreSQL
statement-level triggers with transition tables fold each INSERT (the API's one-statement
batches, the seed's COPY) into them in one grouped upsert, so a duplicate that `ON CONFLICT DO
NOTHING` skipped is never counted; UPDATE and DELETE recompute the (account, day) pairs they
touch from the signals. Every writer keeps the rollups right, with no code path to forget. The
triggers' SQL lives in the migrations that install it (signals 0006, 0010, 0012, then 0013); this
module keeps the aggregates a full rebuild needs, which must agree with them.
"""

from django.db import DEFAULT_DB_ALIAS, connections

from signals.kinds import DEFAULT_USAGE_KINDS

_USAGE = ", ".join(f"'{kind}'" for kind in DEFAULT_USAGE_KINDS)
KIND_DAY_KINDS_SQL = (
    "SELECT code FROM signals_signalkinddef WHERE category IN ('value', 'survey', 'support')"
)
NUMBER = r"CASE WHEN value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN value::float8 END"

DAY_AGGREGATES = """
    count(*),
    count(*) FILTER (WHERE kind = 'colleague_invited'),
    count(*) FILTER (WHERE kind = 'upsell_call_accepted'),
    count(*) FILTER (WHERE kind = 'upsell_call_declined'),
    max(occurred_at),
    max(occurred_at) FILTER (WHERE kind = 'exec_meeting')
"""
DAY_COLUMNS = (
    "account_id, day, events, invites, upsell_accepted, upsell_declined, "
    "last_at, last_exec_meeting_at"
)
UTC_DAY = "(occurred_at AT TIME ZONE 'UTC')::date"


def _days_from(rows: str) -> str:
    return f"SELECT account_id, {UTC_DAY}, {DAY_AGGREGATES} FROM {rows} GROUP BY 1, 2"


def _firsts_from(rows: str) -> str:
    return f"SELECT account_id, kind, min(occurred_at) FROM {rows} GROUP BY 1, 2"


def _kind_days_from(rows: str) -> str:
    return (
        f"SELECT account_id, kind, {UTC_DAY}, count(*), count({NUMBER}), "
        f"coalesce(sum({NUMBER}), 0) FROM {rows} WHERE kind IN ({KIND_DAY_KINDS_SQL}) "
        "GROUP BY 1, 2, 3"
    )


def _last_seen_from(rows: str) -> str:
    """Latest usage per (account, actor) and per (account, feature used)."""
    return (
        f"SELECT account_id, 'actor', actor, max(occurred_at) FROM {rows} "
        f"WHERE kind IN ({_USAGE}) GROUP BY 1, 3 "
        f"UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM {rows} "
        "WHERE kind = 'feature_used' GROUP BY 1, 3"
    )


ROLLUP_TABLES = (
    "signals_signalday, signals_signalfirst, signals_signalkindday, signals_signallastseen"
)


def rollups_rebuild(using=None) -> None:
    """Recompute the rollups from all signals (to repair, or to check the triggers)."""
    with connections[using or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending checks
        # The per-account summaries (signals.summaries) are computed anew from the rebuilt rollups.
        cursor.execute(f"TRUNCATE {ROLLUP_TABLES}, signals_signalsummary")
        for sql in _inserts("signals_signal"):
            cursor.execute(sql)
        cursor.execute(f"ANALYZE {ROLLUP_TABLES}")


def rollups_insert_batch(cursor, first_id: int, last_id: int) -> None:
    """Add the rollups of the signals with ids first_id..last_id, by the rebuild's aggregates: a
    bulk load's batch, with the triggers off, of accounts that had no signals before it."""
    batch = f"(SELECT * FROM signals_signal WHERE id BETWEEN {int(first_id)} AND {int(last_id)}) s"
    for sql in _inserts(batch):
        cursor.execute(sql)


def _inserts(rows: str) -> list[str]:
    return [
        f"INSERT INTO signals_signalday ({DAY_COLUMNS}) {_days_from(rows)}",
        "INSERT INTO signals_signalfirst (account_id, kind, first_at) " + _firsts_from(rows),
        "INSERT INTO signals_signalkindday (account_id, kind, day, events, answers, answer_sum) "
        + _kind_days_from(rows),
        "INSERT INTO signals_signallastseen (account_id, what, name, last_at) "
        + _last_seen_from(rows),
    ]
