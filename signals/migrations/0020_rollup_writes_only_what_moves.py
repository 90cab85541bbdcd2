"""The rollup trigger of inserted signals writes a first or last-seen time only when it moves.

`ON CONFLICT DO UPDATE SET first_at = LEAST(...)` wrote a new version of every (account, kind)
row a statement touched, and `GREATEST(...)` of every (account, actor) and (account, feature)
row, changed or not: in a book with history, nearly every statement's firsts are no news, yet
each was an update, its index entries, its WAL, and a row in the transition table the
last-seen summary trigger then folds. With a `WHERE` the conflict leaves a row that would not
change as it is. The SQL is written out as installed, so this file never changes with
application code.
"""

from django.db import migrations

WRITES_ONLY_WHAT_MOVES = r"""
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
    ON CONFLICT (account_id, kind) DO UPDATE SET first_at = EXCLUDED.first_at
        WHERE f.first_at > EXCLUDED.first_at;
    INSERT INTO signals_signalkindday AS k (account_id, kind, day, events, answers, answer_sum)
    SELECT account_id, kind, (occurred_at AT TIME ZONE 'UTC')::date, count(*),
        count(CASE WHEN value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN value::float8 END), coalesce(sum(CASE WHEN value ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$' THEN value::float8 END), 0) FROM new_rows
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category IN ('value', 'survey', 'support'))
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (account_id, kind, day) DO UPDATE SET events = k.events + EXCLUDED.events,
        answers = k.answers + EXCLUDED.answers, answer_sum = k.answer_sum + EXCLUDED.answer_sum;
    INSERT INTO signals_signallastseen AS l (account_id, what, name, last_at)
    SELECT * FROM (SELECT account_id, 'actor', actor, max(occurred_at) FROM new_rows WHERE kind IN ('login', 'report_generated', 'roi_report_generated', 'feature_used', 'export') GROUP BY 1, 3 UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM new_rows WHERE kind = 'feature_used' GROUP BY 1, 3) AS seen ORDER BY 1, 2, 3
    ON CONFLICT (account_id, what, name) DO UPDATE SET last_at = EXCLUDED.last_at
        WHERE l.last_at < EXCLUDED.last_at;
    RETURN NULL;
END $$;
"""

WROTE_EVERY_ROW = r"""
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
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category IN ('value', 'survey', 'support'))
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (account_id, kind, day) DO UPDATE SET events = k.events + EXCLUDED.events,
        answers = k.answers + EXCLUDED.answers, answer_sum = k.answer_sum + EXCLUDED.answer_sum;
    INSERT INTO signals_signallastseen AS l (account_id, what, name, last_at)
    SELECT * FROM (SELECT account_id, 'actor', actor, max(occurred_at) FROM new_rows WHERE kind IN ('login', 'report_generated', 'roi_report_generated', 'feature_used', 'export') GROUP BY 1, 3 UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM new_rows WHERE kind = 'feature_used' GROUP BY 1, 3) AS seen ORDER BY 1, 2, 3
    ON CONFLICT (account_id, what, name) DO UPDATE SET last_at = GREATEST(l.last_at, EXCLUDED.last_at);
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("signals", "0019_account_kind_index_without_time")]

    operations = [migrations.RunSQL(WRITES_ONLY_WHAT_MOVES, WROTE_EVERY_ROW)]
