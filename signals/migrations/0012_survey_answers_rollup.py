"""Survey answers join the per-kind daily rollup: `signals_signalkindday` now also counts the
kinds of category 'survey', with how many answers were numbers (`answers`) and their sum
(`answer_sum`), so the Confidence component reads the mean answer of a window from the rollup
instead of scanning signals. Value kinds keep their rows as before (their values are not numbers;
`answers` stays 0). The SQL is written out as installed; the reverse is signals 0010's.
"""

import importlib

from django.db import migrations, models

TRIGGERS_SQL = r"""
CREATE OR REPLACE FUNCTION signals_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signals_signalday AS d (account_id, day, events, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at)
    SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date,
        count(*),
        count(*) FILTER (WHERE kind = 'colleague_invited'),
        count(*) FILTER (WHERE kind = 'upsell_call_accepted'),
        count(*) FILTER (WHERE kind = 'upsell_call_declined'),
        max(occurred_at),
        max(occurred_at) FILTER (WHERE kind = 'exec_meeting')
    FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (account_id, day) DO UPDATE SET
        events = d.events + EXCLUDED.events,
        invites = d.invites + EXCLUDED.invites,
        upsell_accepted = d.upsell_accepted + EXCLUDED.upsell_accepted,
        upsell_declined = d.upsell_declined + EXCLUDED.upsell_declined,
        last_at = GREATEST(d.last_at, EXCLUDED.last_at),
        last_exec_meeting_at = GREATEST(d.last_exec_meeting_at, EXCLUDED.last_exec_meeting_at);
    INSERT INTO signals_signalfirst AS f (account_id, kind, first_at)
    SELECT account_id, kind, min(occurred_at) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (account_id, kind) DO UPDATE SET first_at = LEAST(f.first_at, EXCLUDED.first_at);
    INSERT INTO signals_signalkindday AS k (account_id, kind, day, events, answers, answer_sum)
    SELECT account_id, kind, (occurred_at AT TIME ZONE 'UTC')::date, count(*),
        count(CASE WHEN value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN value::float8 END), coalesce(sum(CASE WHEN value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN value::float8 END), 0) FROM new_rows
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category IN ('value', 'survey'))
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (account_id, kind, day) DO UPDATE SET events = k.events + EXCLUDED.events,
        answers = k.answers + EXCLUDED.answers, answer_sum = k.answer_sum + EXCLUDED.answer_sum;
    INSERT INTO signals_signallastseen AS l (account_id, what, name, last_at)
    SELECT * FROM (SELECT account_id, 'actor', actor, max(occurred_at) FROM new_rows WHERE kind IN ('login', 'report_generated', 'roi_report_generated', 'feature_used', 'export') GROUP BY 1, 3 UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM new_rows WHERE kind = 'feature_used' GROUP BY 1, 3) AS seen ORDER BY 1, 2, 3
    ON CONFLICT (account_id, what, name) DO UPDATE SET last_at = GREATEST(l.last_at, EXCLUDED.last_at);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION signals_rollup_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS signals_touched (account_id bigint, day date)
        ON COMMIT DROP;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO signals_touched
            SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM old_rows
            UNION SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM new_rows;
    ELSE
        INSERT INTO signals_touched SELECT DISTINCT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM old_rows;
    END IF;
    DELETE FROM signals_signalday d USING signals_touched t
        WHERE d.account_id = t.account_id AND d.day = t.day;
    INSERT INTO signals_signalday (account_id, day, events, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at)
        SELECT s.account_id, (s.occurred_at AT TIME ZONE 'UTC')::date,
            count(*),
            count(*) FILTER (WHERE kind = 'colleague_invited'),
            count(*) FILTER (WHERE kind = 'upsell_call_accepted'),
            count(*) FILTER (WHERE kind = 'upsell_call_declined'),
            max(occurred_at),
            max(occurred_at) FILTER (WHERE kind = 'exec_meeting')
        FROM signals_signal s JOIN signals_touched t ON s.account_id = t.account_id
            AND s.occurred_at >= t.day::timestamp AT TIME ZONE 'UTC'
            AND s.occurred_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1, 2;
    DELETE FROM signals_signalkindday k USING signals_touched t
        WHERE k.account_id = t.account_id AND k.day = t.day;
    INSERT INTO signals_signalkindday (account_id, kind, day, events, answers, answer_sum)
        SELECT s.account_id, s.kind, (s.occurred_at AT TIME ZONE 'UTC')::date, count(*),
            count(CASE WHEN s.value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN s.value::float8 END), coalesce(sum(CASE WHEN s.value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN s.value::float8 END), 0)
        FROM signals_signal s JOIN signals_touched t ON s.account_id = t.account_id
            AND s.occurred_at >= t.day::timestamp AT TIME ZONE 'UTC'
            AND s.occurred_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
        WHERE s.kind IN (SELECT code FROM signals_signalkinddef WHERE category IN ('value', 'survey'))
        GROUP BY 1, 2, 3;
    DELETE FROM signals_signalfirst WHERE account_id IN (SELECT account_id FROM signals_touched);
    INSERT INTO signals_signalfirst (account_id, kind, first_at)
        SELECT account_id, kind, min(occurred_at) FROM signals_signal
        WHERE account_id IN (SELECT account_id FROM signals_touched)
        GROUP BY 1, 2;
    DELETE FROM signals_signallastseen
        WHERE account_id IN (SELECT account_id FROM signals_touched);
    INSERT INTO signals_signallastseen (account_id, what, name, last_at)
        SELECT account_id, 'actor', actor, max(occurred_at) FROM (SELECT * FROM signals_signal WHERE account_id IN (SELECT account_id FROM signals_touched)) AS s WHERE kind IN ('login', 'report_generated', 'roi_report_generated', 'feature_used', 'export') GROUP BY 1, 3 UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM (SELECT * FROM signals_signal WHERE account_id IN (SELECT account_id FROM signals_touched)) AS s WHERE kind = 'feature_used' GROUP BY 1, 3;
    TRUNCATE signals_touched;
    RETURN NULL;
END $$;
"""

NUMBER = r"CASE WHEN value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN value::float8 END"

# The survey rows for the signals already there.
FILL_SQL = rf"""
INSERT INTO signals_signalkindday (account_id, kind, day, events, answers, answer_sum)
    SELECT account_id, kind, (occurred_at AT TIME ZONE 'UTC')::date, count(*),
        count({NUMBER}), coalesce(sum({NUMBER}), 0)
    FROM signals_signal
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'survey')
    GROUP BY 1, 2, 3;
"""

UNFILL_SQL = r"""
DELETE FROM signals_signalkindday
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'survey');
"""

PREVIOUS_TRIGGERS_SQL = importlib.import_module(
    "signals.migrations.0010_signal_kinds_are_data"
).TRIGGERS_SQL


class Migration(migrations.Migration):
    dependencies = [("signals", "0011_merge_kinds_and_idempotency")]

    operations = [
        migrations.AddField(
            model_name="signalkindday",
            name="answers",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="signalkindday",
            name="answer_sum",
            field=models.FloatField(default=0),
        ),
        migrations.RunSQL(TRIGGERS_SQL + FILL_SQL, UNFILL_SQL + PREVIOUS_TRIGGERS_SQL),
    ]
