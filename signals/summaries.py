"""Per-account signal summaries (`SignalSummary`): what scoring today reads of the signals.

A summary holds an account's windows (events in 30 days and the 30 before, invites in 90,
upsell calls and the latest signal and exec meeting in 180, active people in 30 days, features
in 90) as they stood at the end of its `as_of` day. Three things keep it exact:

- Statement triggers on the rollups (installed by signals 0015) fold every rollup change into
  the summaries of the accounts it touches, counted against the windows ending at their
  `as_of`: ingest, backfills, imports, updates and deletes all reach the rollups. A change that
  takes away a latest time cannot be subtracted; it deletes the summary instead.
- `signal_summaries_refresh` moves summaries to a later day: the days entering and leaving each
  window are read from the rollups' day and last-seen indexes (a few rows per account), not the
  windows. A summary missing (new account, deleted by a trigger) or too old is computed from the
  rollups of its account alone.
- Last-seen rows dated after `as_of` are counted (`seen_ahead`): the latest use of a person
  hides their earlier uses, so those accounts' distinct counts are taken from the signals.

The refresh takes a lock that makes ingest wait for it (and it for ingest in flight), so no
trigger folds a change into a summary while it is being moved or computed.
"""

from datetime import date, timedelta

from django.db import connection, transaction

# The longest gap a summary is moved across; an older one is computed anew.
MAX_ADVANCE_DAYS = 7

# Each summary column from the rollups, for the windows ending at %(as_of)s::date.
DAY_WINDOWS_SQL = """
    SELECT account_id,
        sum(events) AS events_ever,
        coalesce(sum(events) FILTER (WHERE day > %(as_of)s::date - 30), 0) AS activity_30d,
        coalesce(sum(events) FILTER (
            WHERE day > %(as_of)s::date - 60 AND day <= %(as_of)s::date - 30), 0)
            AS activity_prev_30d,
        coalesce(sum(invites) FILTER (WHERE day > %(as_of)s::date - 90), 0) AS invites_90d,
        coalesce(sum(upsell_accepted) FILTER (WHERE day > %(as_of)s::date - 180), 0)
            AS upsell_accepted_180d,
        coalesce(sum(upsell_declined) FILTER (WHERE day > %(as_of)s::date - 180), 0)
            AS upsell_declined_180d,
        max(last_at) FILTER (WHERE day > %(as_of)s::date - 180) AS last_signal_at,
        max(last_exec_meeting_at) FILTER (WHERE day > %(as_of)s::date - 180)
            AS last_exec_meeting_at
    FROM signals_signalday WHERE day <= %(as_of)s::date AND {scope} GROUP BY 1
"""
SEEN_DAY = "(last_at AT TIME ZONE 'UTC')::date"
SEEN_WINDOWS_SQL = f"""
    SELECT account_id,
        count(*) FILTER (WHERE what = 'actor' AND {SEEN_DAY} > %(as_of)s::date - 30
            AND {SEEN_DAY} <= %(as_of)s::date) AS active_users_30d,
        count(*) FILTER (WHERE what = 'feature' AND {SEEN_DAY} > %(as_of)s::date - 90
            AND {SEEN_DAY} <= %(as_of)s::date) AS features_90d,
        count(*) FILTER (WHERE {SEEN_DAY} > %(as_of)s::date) AS seen_ahead
    FROM signals_signallastseen WHERE {{scope}} GROUP BY 1
"""
COLUMNS = (
    "events_ever", "activity_30d", "activity_prev_30d", "invites_90d", "upsell_accepted_180d",
    "upsell_declined_180d", "last_signal_at", "last_exec_meeting_at", "active_users_30d",
    "features_90d", "seen_ahead",
)  # fmt: skip
TIMES = ("last_signal_at", "last_exec_meeting_at")


def summaries_computed_sql(scope: str) -> str:
    """One summary row per account of `scope` (a condition on `account_id`), from the rollups."""
    picked = ", ".join(c if c in TIMES else f"coalesce({c}, 0) AS {c}" for c in COLUMNS)
    return (
        f"SELECT a.id AS account_id, %(as_of)s::date AS as_of, {picked} "
        f"FROM (SELECT id FROM accounts_account WHERE {scope.replace('account_id', 'id')}) a "
        f"LEFT JOIN ({DAY_WINDOWS_SQL.format(scope=scope)}) d ON d.account_id = a.id "
        f"LEFT JOIN ({SEEN_WINDOWS_SQL.format(scope=scope)}) l ON l.account_id = a.id"
    )


# The rollup rows of the days entering (%(since)s::date, %(as_of)s::date] or leaving a window, per account.
EDGE_DAYS_SQL = """
    SELECT account_id,
        sum(events) FILTER (WHERE day > %(since)s::date) AS events_in,
        sum(events) FILTER (WHERE day > %(since)s::date - 30 AND day <= %(as_of)s::date - 30) AS out_30,
        sum(events) FILTER (WHERE day > %(since)s::date - 60 AND day <= %(as_of)s::date - 60) AS out_60,
        sum(invites) FILTER (WHERE day > %(since)s::date) AS invites_in,
        sum(invites) FILTER (WHERE day > %(since)s::date - 90 AND day <= %(as_of)s::date - 90)
            AS invites_out,
        sum(upsell_accepted) FILTER (WHERE day > %(since)s::date) AS accepted_in,
        sum(upsell_accepted) FILTER (WHERE day <= %(as_of)s::date - 180 AND day > %(since)s::date - 180)
            AS accepted_out,
        sum(upsell_declined) FILTER (WHERE day > %(since)s::date) AS declined_in,
        sum(upsell_declined) FILTER (WHERE day <= %(as_of)s::date - 180 AND day > %(since)s::date - 180)
            AS declined_out,
        max(last_at) FILTER (WHERE day > %(since)s::date) AS last_in,
        max(last_exec_meeting_at) FILTER (WHERE day > %(since)s::date) AS exec_in
    FROM signals_signalday
    WHERE ((day > %(since)s::date AND day <= %(as_of)s::date)
        OR (day > %(since)s::date - 30 AND day <= %(as_of)s::date - 30)
        OR (day > %(since)s::date - 60 AND day <= %(as_of)s::date - 60)
        OR (day > %(since)s::date - 90 AND day <= %(as_of)s::date - 90)
        OR (day > %(since)s::date - 180 AND day <= %(as_of)s::date - 180)) AND {scope}
    GROUP BY 1
"""


def _seen_between(after: str, until: str) -> str:
    """Last-seen rows whose UTC day is in (after, until], as a range of the last_at index."""
    return (
        f"(last_at >= ({after} + 1)::timestamp AT TIME ZONE 'UTC' "
        f"AND last_at < ({until} + 1)::timestamp AT TIME ZONE 'UTC')"
    )


EDGE_SEEN_SQL = f"""
    SELECT account_id,
        count(*) FILTER (WHERE {SEEN_DAY} > %(since)s::date AND {SEEN_DAY} <= %(as_of)s::date) AS ahead_in,
        count(*) FILTER (WHERE what = 'actor' AND {SEEN_DAY} > %(since)s::date) AS actors_in,
        count(*) FILTER (WHERE what = 'actor' AND {SEEN_DAY} <= %(as_of)s::date - 30
            AND {SEEN_DAY} > %(since)s::date - 30) AS actors_out,
        count(*) FILTER (WHERE what = 'feature' AND {SEEN_DAY} > %(since)s::date) AS features_in,
        count(*) FILTER (WHERE what = 'feature' AND {SEEN_DAY} <= %(as_of)s::date - 90
            AND {SEEN_DAY} > %(since)s::date - 90) AS features_out
    FROM signals_signallastseen
    WHERE ({_seen_between("%(since)s::date", "%(as_of)s::date")}
        OR {_seen_between("%(since)s::date - 30", "%(as_of)s::date - 30")}
        OR {_seen_between("%(since)s::date - 90", "%(as_of)s::date - 90")}) AND {{scope}}
    GROUP BY 1
"""


def _still_in(column: str) -> str:
    """A latest time kept while its day is still in the 180-day window."""
    return (
        f"CASE WHEN ({column} AT TIME ZONE 'UTC')::date > %(as_of)s::date - 180 THEN {column} END"
    )


ADVANCE_SQL = f"""
UPDATE signals_signalsummary s SET
    as_of = %(as_of)s::date,
    events_ever = s.events_ever + coalesce(d.events_in, 0),
    activity_30d = s.activity_30d + coalesce(d.events_in, 0) - coalesce(d.out_30, 0),
    activity_prev_30d = s.activity_prev_30d + coalesce(d.out_30, 0) - coalesce(d.out_60, 0),
    invites_90d = s.invites_90d + coalesce(d.invites_in, 0) - coalesce(d.invites_out, 0),
    upsell_accepted_180d = s.upsell_accepted_180d + coalesce(d.accepted_in, 0)
        - coalesce(d.accepted_out, 0),
    upsell_declined_180d = s.upsell_declined_180d + coalesce(d.declined_in, 0)
        - coalesce(d.declined_out, 0),
    last_signal_at = GREATEST({_still_in("s.last_signal_at")}, d.last_in),
    last_exec_meeting_at = GREATEST({_still_in("s.last_exec_meeting_at")}, d.exec_in),
    active_users_30d = s.active_users_30d + coalesce(l.actors_in, 0) - coalesce(l.actors_out, 0),
    features_90d = s.features_90d + coalesce(l.features_in, 0) - coalesce(l.features_out, 0),
    seen_ahead = s.seen_ahead - coalesce(l.ahead_in, 0)
FROM signals_signalsummary t
    LEFT JOIN ({EDGE_DAYS_SQL.format(scope="{scope}")}) d USING (account_id)
    LEFT JOIN ({EDGE_SEEN_SQL.format(scope="{scope}")}) l USING (account_id)
WHERE s.account_id = t.account_id AND t.as_of = %(since)s::date AND {{outer}}
"""


def _scope(restrict) -> tuple[str, dict]:
    """`restrict` (None, an id range with .first/.last, or ids) as a condition on account_id."""
    if restrict is None:
        return "TRUE", {}
    if hasattr(restrict, "first"):
        return "account_id BETWEEN %(first)s AND %(last)s", {
            "first": restrict.first,
            "last": restrict.last,
        }
    return "account_id = ANY(%(ids)s)", {"ids": list(restrict)}


def _stale_days(cursor, as_of: date, scope: str, params: dict) -> list[date] | None:
    """The days the scope's summaries stand at other than `as_of` (None: some are missing)."""
    accounts = scope.replace("account_id", "a.id")
    summaries = scope.replace("account_id", "s.account_id")
    # The scope on both sides: the planner carries no range across an outer join, and a shard
    # read all 100,000 summaries to check its 12,500.
    cursor.execute(
        "SELECT DISTINCT s.as_of FROM accounts_account a LEFT JOIN signals_signalsummary s "
        f"ON s.account_id = a.id AND {summaries} "
        f"WHERE {accounts} AND s.as_of IS DISTINCT FROM %(as_of)s::date",
        {**params, "as_of": as_of},
    )
    days = [day for (day,) in cursor.fetchall()]
    return None if None in days else days


def signal_summaries_refresh(*, as_of: date, restrict=None) -> None:
    """Bring the summaries of `restrict` (all accounts by default) to the end of `as_of`.

    Cheap when they already stand there (one anti-join over the accounts, no lock). Summaries
    of earlier days within MAX_ADVANCE_DAYS are moved, the rest computed anew."""
    scope, params = _scope(restrict)
    with connection.cursor() as cursor:
        if _stale_days(cursor, as_of, scope, params) == []:
            return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE signals_signalsummary IN SHARE ROW EXCLUSIVE MODE")
        # The statistics say no summary stands at yesterday (all did at today when analysed),
        # and a nested loop of 100,000 summaries over the edges' aggregates takes minutes.
        cursor.execute("SET LOCAL enable_nestloop = off")
        params = {**params, "as_of": as_of}
        for since in sorted(_stale_days(cursor, as_of, scope, params) or []):
            if as_of - timedelta(days=MAX_ADVANCE_DAYS) <= since < as_of:
                outer = scope.replace("account_id", "t.account_id")
                cursor.execute(
                    ADVANCE_SQL.format(scope=scope, outer=outer), {**params, "since": since}
                )
        cursor.execute("RESET enable_nestloop")  # a caller's transaction plans as before
        cursor.execute(
            f"DELETE FROM signals_signalsummary WHERE {scope} AND as_of <> %(as_of)s::date", params
        )
        _missing_insert(cursor, scope, params)


def _missing_insert(cursor, scope: str, params: dict) -> None:
    """Compute the summaries the scope lacks, reading the rollups of those accounts alone."""
    accounts = scope.replace("account_id", "a.id")
    cursor.execute(
        f"SELECT a.id FROM accounts_account a WHERE {accounts} AND NOT EXISTS "
        "(SELECT 1 FROM signals_signalsummary s WHERE s.account_id = a.id)",
        params,
    )
    missing = [pk for (pk,) in cursor.fetchall()]
    if missing:
        cursor.execute(
            f"INSERT INTO signals_signalsummary (account_id, as_of, {', '.join(COLUMNS)}) "
            + summaries_computed_sql("account_id = ANY(%(missing)s)"),
            {"as_of": params["as_of"], "missing": missing},
        )


def signal_summaries_computed(*, as_of: date, ids: list[int]) -> list[dict]:
    """The summaries of `ids` as of `as_of`, computed from the rollups (not stored)."""
    with connection.cursor() as cursor:
        cursor.execute(
            summaries_computed_sql("account_id = ANY(%(ids)s)"), {"as_of": as_of, "ids": ids}
        )
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
