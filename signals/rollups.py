"""Rollups of signals kept up to date at ingest, by PostgreSQL statement triggers.

`signals_signalday` holds per account and UTC day the counts scoring windows over, and
`signals_signalfirst` when each proof-of-outcome kind first happened. On PostgreSQL,
statement-level triggers with transition tables fold each INSERT (the API's one-statement
batches, the seed's COPY) into them in one grouped upsert, so a duplicate that
`ON CONFLICT DO NOTHING` skipped is never counted; UPDATE and DELETE recompute the
(account, day) pairs they touch from the signals. SQLite (the embedded default) gets row-level
triggers: a signal in adds to its rollup rows, a signal out takes away what it added, and an
update is one out and one in. Every writer keeps the rollups right, with no
code path to forget. (A migration that makes SQLite rebuild `signals_signal` drops its
triggers: such a migration must call `triggers_install` again, as 0006 does.)
"""

from django.db import DEFAULT_DB_ALIAS, connections

PROOF_KINDS = ("roi_report_generated", "report_generated", "colleague_invited")
_PROOFS = ", ".join(f"'{kind}'" for kind in PROOF_KINDS)
USAGE_KINDS = ("login", "report_generated", "roi_report_generated", "feature_used", "export")
_USAGE = ", ".join(f"'{kind}'" for kind in USAGE_KINDS)

DAY_AGGREGATES = """
    count(*),
    count(*) FILTER (WHERE kind = 'roi_report_generated'),
    count(*) FILTER (WHERE kind = 'colleague_invited'),
    count(*) FILTER (WHERE kind = 'upsell_call_accepted'),
    count(*) FILTER (WHERE kind = 'upsell_call_declined'),
    max(occurred_at),
    max(occurred_at) FILTER (WHERE kind = 'exec_meeting')
"""
DAY_COLUMNS = (
    "account_id, day, events, roi_reports, invites, upsell_accepted, upsell_declined, "
    "last_at, last_exec_meeting_at"
)
UTC_DAY = "(occurred_at AT TIME ZONE 'UTC')::date"


def _days_from(rows: str) -> str:
    return f"SELECT account_id, {UTC_DAY}, {DAY_AGGREGATES} FROM {rows} GROUP BY 1, 2"


def _firsts_from(rows: str) -> str:
    return (
        f"SELECT account_id, kind, min(occurred_at) FROM {rows} "
        f"WHERE kind IN ({_PROOFS}) GROUP BY 1, 2"
    )


def _last_seen_from(rows: str) -> str:
    """Latest usage per (account, actor) and per (account, feature used)."""
    return (
        f"SELECT account_id, 'actor', actor, max(occurred_at) FROM {rows} "
        f"WHERE kind IN ({_USAGE}) GROUP BY 1, 3 "
        f"UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM {rows} "
        "WHERE kind = 'feature_used' GROUP BY 1, 3"
    )


TRIGGERS_SQL = f"""
CREATE OR REPLACE FUNCTION signals_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signals_signalday AS d ({DAY_COLUMNS})
    {_days_from("new_rows")} ORDER BY 1, 2
    ON CONFLICT (account_id, day) DO UPDATE SET
        events = d.events + EXCLUDED.events,
        roi_reports = d.roi_reports + EXCLUDED.roi_reports,
        invites = d.invites + EXCLUDED.invites,
        upsell_accepted = d.upsell_accepted + EXCLUDED.upsell_accepted,
        upsell_declined = d.upsell_declined + EXCLUDED.upsell_declined,
        last_at = GREATEST(d.last_at, EXCLUDED.last_at),
        last_exec_meeting_at = GREATEST(d.last_exec_meeting_at, EXCLUDED.last_exec_meeting_at);
    INSERT INTO signals_signalfirst AS f (account_id, kind, first_at)
    {_firsts_from("new_rows")} ORDER BY 1, 2
    ON CONFLICT (account_id, kind) DO UPDATE SET first_at = LEAST(f.first_at, EXCLUDED.first_at);
    INSERT INTO signals_signallastseen AS l (account_id, what, name, last_at)
    SELECT * FROM ({_last_seen_from("new_rows")}) AS seen ORDER BY 1, 2, 3
    ON CONFLICT (account_id, what, name) DO UPDATE SET last_at = GREATEST(l.last_at, EXCLUDED.last_at);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION signals_rollup_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS signals_touched (account_id bigint, day date)
        ON COMMIT DROP;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO signals_touched
            SELECT account_id, {UTC_DAY} FROM old_rows
            UNION SELECT account_id, {UTC_DAY} FROM new_rows;
    ELSE
        INSERT INTO signals_touched SELECT DISTINCT account_id, {UTC_DAY} FROM old_rows;
    END IF;
    DELETE FROM signals_signalday d USING signals_touched t
        WHERE d.account_id = t.account_id AND d.day = t.day;
    INSERT INTO signals_signalday ({DAY_COLUMNS})
        SELECT s.account_id, {UTC_DAY.replace("occurred_at", "s.occurred_at")}, {DAY_AGGREGATES}
        FROM signals_signal s JOIN signals_touched t ON s.account_id = t.account_id
            AND s.occurred_at >= t.day::timestamp AT TIME ZONE 'UTC'
            AND s.occurred_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1, 2;
    DELETE FROM signals_signalfirst WHERE account_id IN (SELECT account_id FROM signals_touched);
    INSERT INTO signals_signalfirst (account_id, kind, first_at)
        SELECT account_id, kind, min(occurred_at) FROM signals_signal
        WHERE kind IN ({_PROOFS}) AND account_id IN (SELECT account_id FROM signals_touched)
        GROUP BY 1, 2;
    DELETE FROM signals_signallastseen
        WHERE account_id IN (SELECT account_id FROM signals_touched);
    INSERT INTO signals_signallastseen (account_id, what, name, last_at)
        {_last_seen_from("(SELECT * FROM signals_signal WHERE account_id IN (SELECT account_id FROM signals_touched)) AS s")};
    TRUNCATE signals_touched;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS signals_rollup_insert ON signals_signal;
CREATE TRIGGER signals_rollup_insert AFTER INSERT ON signals_signal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_rollup_insert();
DROP TRIGGER IF EXISTS signals_rollup_update ON signals_signal;
CREATE TRIGGER signals_rollup_update AFTER UPDATE ON signals_signal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION signals_rollup_refresh();
DROP TRIGGER IF EXISTS signals_rollup_delete ON signals_signal;
CREATE TRIGGER signals_rollup_delete AFTER DELETE ON signals_signal
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_rollup_refresh();
"""

_SQLITE_ADD = f"""
    INSERT OR IGNORE INTO signals_signalday ({DAY_COLUMNS})
        VALUES ({{row}}.account_id, date({{row}}.occurred_at), 0, 0, 0, 0, 0, {{row}}.occurred_at, NULL);
    UPDATE signals_signalday SET
        events = events + 1,
        roi_reports = roi_reports + ({{row}}.kind = 'roi_report_generated'),
        invites = invites + ({{row}}.kind = 'colleague_invited'),
        upsell_accepted = upsell_accepted + ({{row}}.kind = 'upsell_call_accepted'),
        upsell_declined = upsell_declined + ({{row}}.kind = 'upsell_call_declined'),
        last_at = max(last_at, {{row}}.occurred_at),
        last_exec_meeting_at = CASE WHEN {{row}}.kind = 'exec_meeting' THEN
            max(coalesce(last_exec_meeting_at, {{row}}.occurred_at), {{row}}.occurred_at)
            ELSE last_exec_meeting_at END
        WHERE account_id = {{row}}.account_id AND day = date({{row}}.occurred_at);
    INSERT OR IGNORE INTO signals_signalfirst (account_id, kind, first_at)
        SELECT {{row}}.account_id, {{row}}.kind, {{row}}.occurred_at WHERE {{row}}.kind IN ({_PROOFS});
    UPDATE signals_signalfirst SET first_at = min(first_at, {{row}}.occurred_at)
        WHERE account_id = {{row}}.account_id AND kind = {{row}}.kind;
    INSERT OR IGNORE INTO signals_signallastseen (account_id, what, name, last_at)
        SELECT {{row}}.account_id, 'actor', {{row}}.actor, {{row}}.occurred_at
        WHERE {{row}}.kind IN ({_USAGE});
    UPDATE signals_signallastseen SET last_at = max(last_at, {{row}}.occurred_at)
        WHERE {{row}}.kind IN ({_USAGE}) AND account_id = {{row}}.account_id AND what = 'actor'
            AND name = {{row}}.actor;
    INSERT OR IGNORE INTO signals_signallastseen (account_id, what, name, last_at)
        SELECT {{row}}.account_id, 'feature', {{row}}.value, {{row}}.occurred_at
        WHERE {{row}}.kind = 'feature_used';
    UPDATE signals_signallastseen SET last_at = max(last_at, {{row}}.occurred_at)
        WHERE {{row}}.kind = 'feature_used' AND account_id = {{row}}.account_id
            AND what = 'feature' AND name = {{row}}.value;
"""
# Taking one signal out: its day's counts go down by what it added. Only when it was the latest
# of its day, the first proof of its kind, or a person's or feature's latest use is that value
# looked up again, from the signals still there: a flush deleting a whole table stays linear.
_SQLITE_REMOVE = f"""
    UPDATE signals_signalday SET
        events = events - 1,
        roi_reports = roi_reports - ({{row}}.kind = 'roi_report_generated'),
        invites = invites - ({{row}}.kind = 'colleague_invited'),
        upsell_accepted = upsell_accepted - ({{row}}.kind = 'upsell_call_accepted'),
        upsell_declined = upsell_declined - ({{row}}.kind = 'upsell_call_declined'),
        last_at = CASE WHEN last_at > {{row}}.occurred_at THEN last_at ELSE coalesce((
            SELECT max(occurred_at) FROM signals_signal WHERE account_id = {{row}}.account_id
            AND occurred_at >= date({{row}}.occurred_at)
            AND occurred_at < date({{row}}.occurred_at, '+1 day')), last_at) END,
        last_exec_meeting_at = CASE
            WHEN {{row}}.kind <> 'exec_meeting' OR last_exec_meeting_at > {{row}}.occurred_at
            THEN last_exec_meeting_at ELSE (
            SELECT max(occurred_at) FROM signals_signal WHERE account_id = {{row}}.account_id
            AND kind = 'exec_meeting' AND occurred_at >= date({{row}}.occurred_at)
            AND occurred_at < date({{row}}.occurred_at, '+1 day')) END
        WHERE account_id = {{row}}.account_id AND day = date({{row}}.occurred_at);
    DELETE FROM signals_signalday WHERE account_id = {{row}}.account_id
        AND day = date({{row}}.occurred_at) AND events <= 0;  -- its last signal went
    DELETE FROM signals_signalfirst WHERE account_id = {{row}}.account_id
        AND kind = {{row}}.kind AND first_at >= {{row}}.occurred_at;
    INSERT OR IGNORE INTO signals_signalfirst (account_id, kind, first_at)
        SELECT account_id, kind, min(occurred_at) FROM signals_signal
        WHERE account_id = {{row}}.account_id AND kind = {{row}}.kind
            AND {{row}}.kind IN ({_PROOFS}) GROUP BY 1, 2;
    DELETE FROM signals_signallastseen WHERE {{row}}.kind IN ({_USAGE})
        AND account_id = {{row}}.account_id AND what = 'actor' AND name = {{row}}.actor
        AND last_at <= {{row}}.occurred_at;
    INSERT OR IGNORE INTO signals_signallastseen (account_id, what, name, last_at)
        SELECT account_id, 'actor', actor, max(occurred_at) FROM signals_signal
        WHERE {{row}}.kind IN ({_USAGE}) AND account_id = {{row}}.account_id
            AND actor = {{row}}.actor AND kind IN ({_USAGE}) GROUP BY 1, 3;
    DELETE FROM signals_signallastseen WHERE {{row}}.kind = 'feature_used'
        AND account_id = {{row}}.account_id AND what = 'feature' AND name = {{row}}.value
        AND last_at <= {{row}}.occurred_at;
    INSERT OR IGNORE INTO signals_signallastseen (account_id, what, name, last_at)
        SELECT account_id, 'feature', value, max(occurred_at) FROM signals_signal
        WHERE {{row}}.kind = 'feature_used' AND account_id = {{row}}.account_id
            AND value = {{row}}.value AND kind = 'feature_used' GROUP BY 1, 3;
"""
SQLITE_TRIGGERS_SQL = [
    "CREATE TRIGGER IF NOT EXISTS signals_rollup_insert AFTER INSERT ON signals_signal BEGIN"
    f"{_SQLITE_ADD.format(row='NEW')}END",
    "CREATE TRIGGER IF NOT EXISTS signals_rollup_delete AFTER DELETE ON signals_signal BEGIN"
    f"{_SQLITE_REMOVE.format(row='OLD')}END",
    "CREATE TRIGGER IF NOT EXISTS signals_rollup_update AFTER UPDATE ON signals_signal BEGIN"
    f"{_SQLITE_REMOVE.format(row='OLD')}{_SQLITE_ADD.format(row='NEW')}END",
]

DROP_TRIGGERS_SQL = """
DROP TRIGGER IF EXISTS signals_rollup_insert ON signals_signal;
DROP TRIGGER IF EXISTS signals_rollup_update ON signals_signal;
DROP TRIGGER IF EXISTS signals_rollup_delete ON signals_signal;
DROP FUNCTION IF EXISTS signals_rollup_insert();
DROP FUNCTION IF EXISTS signals_rollup_refresh();
"""


def triggers_install(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS_SQL:
            schema_editor.execute(statement)


def triggers_drop(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        for name in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS signals_rollup_{name}")


def rollups_rebuild(using=None) -> None:
    """Recompute both rollups from all signals (after a migration, or to repair)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    day = UTC_DAY if conn.vendor == "postgresql" else "date(occurred_at)"
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending checks
        for table in ("signals_signalday", "signals_signalfirst", "signals_signallastseen"):
            # TRUNCATE leaves no dead rows behind on PostgreSQL; SQLite has only DELETE.
            verb = "TRUNCATE" if conn.vendor == "postgresql" else "DELETE FROM"
            cursor.execute(f"{verb} {table}")
        cursor.execute(
            f"INSERT INTO signals_signalday ({DAY_COLUMNS}) "
            f"SELECT account_id, {day}, {DAY_AGGREGATES} FROM signals_signal GROUP BY 1, 2"
        )
        cursor.execute(
            "INSERT INTO signals_signalfirst (account_id, kind, first_at) "
            + _firsts_from("signals_signal")
        )
        cursor.execute(
            "INSERT INTO signals_signallastseen (account_id, what, name, last_at) "
            + _last_seen_from("signals_signal")
        )
        cursor.execute("ANALYZE signals_signallastseen")
        cursor.execute("ANALYZE signals_signalday")
        cursor.execute("ANALYZE signals_signalfirst")
