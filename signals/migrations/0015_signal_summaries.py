"""Per-account signal summaries (signals.summaries): the table, the indexes that find the days a
window's edge crosses, the statement triggers on the rollups that keep the summaries right, and
the summaries of the accounts already there, computed in one set-based pass as of today (UTC).
The SQL is written out as installed, so this file never changes with application code.
"""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS_SQL = r"""
CREATE OR REPLACE FUNCTION signals_summary_day_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM signals_signalsummary WHERE account_id IN (SELECT account_id FROM new_rows)
        ORDER BY account_id FOR UPDATE;
    UPDATE signals_signalsummary s SET
        events_ever = s.events_ever + c.events_ever,
        activity_30d = s.activity_30d + c.activity_30d,
        activity_prev_30d = s.activity_prev_30d + c.activity_prev_30d,
        invites_90d = s.invites_90d + c.invites_90d,
        upsell_accepted_180d = s.upsell_accepted_180d + c.upsell_accepted_180d,
        upsell_declined_180d = s.upsell_declined_180d + c.upsell_declined_180d,
        last_signal_at = GREATEST(s.last_signal_at, c.last_at),
        last_exec_meeting_at = GREATEST(s.last_exec_meeting_at, c.last_exec_meeting_at)
    FROM (
        SELECT r.account_id,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day <= t.as_of), 0) AS events_ever,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day > t.as_of - 30 AND r.day <= t.as_of), 0) AS activity_30d,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day > t.as_of - 60 AND r.day <= t.as_of - 30), 0) AS activity_prev_30d,
            coalesce(sum(r.sign * r.invites) FILTER (WHERE r.day > t.as_of - 90 AND r.day <= t.as_of), 0) AS invites_90d,
            coalesce(sum(r.sign * r.upsell_accepted) FILTER (WHERE r.day > t.as_of - 180 AND r.day <= t.as_of), 0) AS upsell_accepted_180d,
            coalesce(sum(r.sign * r.upsell_declined) FILTER (WHERE r.day > t.as_of - 180 AND r.day <= t.as_of), 0) AS upsell_declined_180d,
            max(r.last_at) FILTER (WHERE r.sign > 0 AND r.day > t.as_of - 180 AND r.day <= t.as_of) AS last_at,
            max(r.last_exec_meeting_at) FILTER (WHERE r.sign > 0 AND r.day > t.as_of - 180 AND r.day <= t.as_of) AS last_exec_meeting_at
        FROM (SELECT 1 AS sign, account_id, day, events, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at FROM new_rows) r JOIN signals_signalsummary t ON t.account_id = r.account_id
        GROUP BY r.account_id HAVING bool_or(r.day <= t.as_of)
    ) c WHERE s.account_id = c.account_id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION signals_summary_day_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A latest time taken away cannot be subtracted: the summary is computed anew when read.
    DELETE FROM signals_signalsummary s USING old_rows o LEFT JOIN new_rows n ON n.account_id = o.account_id AND n.day = o.day
    WHERE s.account_id = o.account_id AND o.day > s.as_of - 180 AND o.day <= s.as_of
        AND ((o.last_at = s.last_signal_at AND NOT coalesce(n.last_at >= o.last_at, false))
            OR (o.last_exec_meeting_at = s.last_exec_meeting_at AND NOT coalesce(n.last_exec_meeting_at >= o.last_exec_meeting_at, false)));
    PERFORM 1 FROM signals_signalsummary WHERE account_id IN (SELECT account_id FROM new_rows UNION SELECT account_id FROM old_rows)
        ORDER BY account_id FOR UPDATE;
    UPDATE signals_signalsummary s SET
        events_ever = s.events_ever + c.events_ever,
        activity_30d = s.activity_30d + c.activity_30d,
        activity_prev_30d = s.activity_prev_30d + c.activity_prev_30d,
        invites_90d = s.invites_90d + c.invites_90d,
        upsell_accepted_180d = s.upsell_accepted_180d + c.upsell_accepted_180d,
        upsell_declined_180d = s.upsell_declined_180d + c.upsell_declined_180d,
        last_signal_at = GREATEST(s.last_signal_at, c.last_at),
        last_exec_meeting_at = GREATEST(s.last_exec_meeting_at, c.last_exec_meeting_at)
    FROM (
        SELECT r.account_id,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day <= t.as_of), 0) AS events_ever,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day > t.as_of - 30 AND r.day <= t.as_of), 0) AS activity_30d,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day > t.as_of - 60 AND r.day <= t.as_of - 30), 0) AS activity_prev_30d,
            coalesce(sum(r.sign * r.invites) FILTER (WHERE r.day > t.as_of - 90 AND r.day <= t.as_of), 0) AS invites_90d,
            coalesce(sum(r.sign * r.upsell_accepted) FILTER (WHERE r.day > t.as_of - 180 AND r.day <= t.as_of), 0) AS upsell_accepted_180d,
            coalesce(sum(r.sign * r.upsell_declined) FILTER (WHERE r.day > t.as_of - 180 AND r.day <= t.as_of), 0) AS upsell_declined_180d,
            max(r.last_at) FILTER (WHERE r.sign > 0 AND r.day > t.as_of - 180 AND r.day <= t.as_of) AS last_at,
            max(r.last_exec_meeting_at) FILTER (WHERE r.sign > 0 AND r.day > t.as_of - 180 AND r.day <= t.as_of) AS last_exec_meeting_at
        FROM (SELECT 1 AS sign, account_id, day, events, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at FROM new_rows UNION ALL SELECT -1 AS sign, account_id, day, events, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at FROM old_rows) r JOIN signals_signalsummary t ON t.account_id = r.account_id
        GROUP BY r.account_id HAVING bool_or(r.day <= t.as_of)
    ) c WHERE s.account_id = c.account_id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION signals_summary_day_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A latest time taken away cannot be subtracted: the summary is computed anew when read.
    DELETE FROM signals_signalsummary s USING old_rows o
    WHERE s.account_id = o.account_id AND o.day > s.as_of - 180 AND o.day <= s.as_of
        AND ((o.last_at = s.last_signal_at)
            OR (o.last_exec_meeting_at = s.last_exec_meeting_at));
    PERFORM 1 FROM signals_signalsummary WHERE account_id IN (SELECT account_id FROM old_rows)
        ORDER BY account_id FOR UPDATE;
    UPDATE signals_signalsummary s SET
        events_ever = s.events_ever + c.events_ever,
        activity_30d = s.activity_30d + c.activity_30d,
        activity_prev_30d = s.activity_prev_30d + c.activity_prev_30d,
        invites_90d = s.invites_90d + c.invites_90d,
        upsell_accepted_180d = s.upsell_accepted_180d + c.upsell_accepted_180d,
        upsell_declined_180d = s.upsell_declined_180d + c.upsell_declined_180d,
        last_signal_at = GREATEST(s.last_signal_at, c.last_at),
        last_exec_meeting_at = GREATEST(s.last_exec_meeting_at, c.last_exec_meeting_at)
    FROM (
        SELECT r.account_id,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day <= t.as_of), 0) AS events_ever,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day > t.as_of - 30 AND r.day <= t.as_of), 0) AS activity_30d,
            coalesce(sum(r.sign * r.events) FILTER (WHERE r.day > t.as_of - 60 AND r.day <= t.as_of - 30), 0) AS activity_prev_30d,
            coalesce(sum(r.sign * r.invites) FILTER (WHERE r.day > t.as_of - 90 AND r.day <= t.as_of), 0) AS invites_90d,
            coalesce(sum(r.sign * r.upsell_accepted) FILTER (WHERE r.day > t.as_of - 180 AND r.day <= t.as_of), 0) AS upsell_accepted_180d,
            coalesce(sum(r.sign * r.upsell_declined) FILTER (WHERE r.day > t.as_of - 180 AND r.day <= t.as_of), 0) AS upsell_declined_180d,
            max(r.last_at) FILTER (WHERE r.sign > 0 AND r.day > t.as_of - 180 AND r.day <= t.as_of) AS last_at,
            max(r.last_exec_meeting_at) FILTER (WHERE r.sign > 0 AND r.day > t.as_of - 180 AND r.day <= t.as_of) AS last_exec_meeting_at
        FROM (SELECT -1 AS sign, account_id, day, events, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at FROM old_rows) r JOIN signals_signalsummary t ON t.account_id = r.account_id
        GROUP BY r.account_id HAVING bool_or(r.day <= t.as_of)
    ) c WHERE s.account_id = c.account_id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION signals_summary_seen_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM signals_signalsummary WHERE account_id IN (SELECT account_id FROM new_rows)
        ORDER BY account_id FOR UPDATE;
    UPDATE signals_signalsummary s SET
        active_users_30d = s.active_users_30d + c.actors,
        features_90d = s.features_90d + c.features,
        seen_ahead = s.seen_ahead + c.ahead
    FROM (
        SELECT r.account_id,
            coalesce(sum(r.sign) FILTER (
                WHERE r.what = 'actor' AND r.day > t.as_of - 30 AND r.day <= t.as_of), 0) AS actors,
            coalesce(sum(r.sign) FILTER (
                WHERE r.what = 'feature' AND r.day > t.as_of - 90 AND r.day <= t.as_of), 0) AS features,
            coalesce(sum(r.sign) FILTER (WHERE r.day > t.as_of), 0) AS ahead
        FROM (SELECT 1 AS sign, account_id, what, (last_at AT TIME ZONE 'UTC')::date AS day FROM new_rows) r JOIN signals_signalsummary t ON t.account_id = r.account_id
        GROUP BY r.account_id
    ) c WHERE s.account_id = c.account_id AND (c.actors <> 0 OR c.features <> 0 OR c.ahead <> 0);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION signals_summary_seen_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM signals_signalsummary WHERE account_id IN (SELECT account_id FROM new_rows UNION SELECT account_id FROM old_rows)
        ORDER BY account_id FOR UPDATE;
    UPDATE signals_signalsummary s SET
        active_users_30d = s.active_users_30d + c.actors,
        features_90d = s.features_90d + c.features,
        seen_ahead = s.seen_ahead + c.ahead
    FROM (
        SELECT r.account_id,
            coalesce(sum(r.sign) FILTER (
                WHERE r.what = 'actor' AND r.day > t.as_of - 30 AND r.day <= t.as_of), 0) AS actors,
            coalesce(sum(r.sign) FILTER (
                WHERE r.what = 'feature' AND r.day > t.as_of - 90 AND r.day <= t.as_of), 0) AS features,
            coalesce(sum(r.sign) FILTER (WHERE r.day > t.as_of), 0) AS ahead
        FROM (SELECT 1 AS sign, account_id, what, (last_at AT TIME ZONE 'UTC')::date AS day FROM new_rows UNION ALL SELECT -1 AS sign, account_id, what, (last_at AT TIME ZONE 'UTC')::date AS day FROM old_rows) r JOIN signals_signalsummary t ON t.account_id = r.account_id
        GROUP BY r.account_id
    ) c WHERE s.account_id = c.account_id AND (c.actors <> 0 OR c.features <> 0 OR c.ahead <> 0);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION signals_summary_seen_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM signals_signalsummary WHERE account_id IN (SELECT account_id FROM old_rows)
        ORDER BY account_id FOR UPDATE;
    UPDATE signals_signalsummary s SET
        active_users_30d = s.active_users_30d + c.actors,
        features_90d = s.features_90d + c.features,
        seen_ahead = s.seen_ahead + c.ahead
    FROM (
        SELECT r.account_id,
            coalesce(sum(r.sign) FILTER (
                WHERE r.what = 'actor' AND r.day > t.as_of - 30 AND r.day <= t.as_of), 0) AS actors,
            coalesce(sum(r.sign) FILTER (
                WHERE r.what = 'feature' AND r.day > t.as_of - 90 AND r.day <= t.as_of), 0) AS features,
            coalesce(sum(r.sign) FILTER (WHERE r.day > t.as_of), 0) AS ahead
        FROM (SELECT -1 AS sign, account_id, what, (last_at AT TIME ZONE 'UTC')::date AS day FROM old_rows) r JOIN signals_signalsummary t ON t.account_id = r.account_id
        GROUP BY r.account_id
    ) c WHERE s.account_id = c.account_id AND (c.actors <> 0 OR c.features <> 0 OR c.ahead <> 0);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS signals_summary_day_insert ON signals_signalday;
CREATE TRIGGER signals_summary_day_insert AFTER INSERT ON signals_signalday
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_summary_day_insert();
DROP TRIGGER IF EXISTS signals_summary_day_update ON signals_signalday;
CREATE TRIGGER signals_summary_day_update AFTER UPDATE ON signals_signalday
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_summary_day_update();
DROP TRIGGER IF EXISTS signals_summary_day_delete ON signals_signalday;
CREATE TRIGGER signals_summary_day_delete AFTER DELETE ON signals_signalday
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_summary_day_delete();
DROP TRIGGER IF EXISTS signals_summary_seen_insert ON signals_signallastseen;
CREATE TRIGGER signals_summary_seen_insert AFTER INSERT ON signals_signallastseen
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_summary_seen_insert();
DROP TRIGGER IF EXISTS signals_summary_seen_update ON signals_signallastseen;
CREATE TRIGGER signals_summary_seen_update AFTER UPDATE ON signals_signallastseen
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_summary_seen_update();
DROP TRIGGER IF EXISTS signals_summary_seen_delete ON signals_signallastseen;
CREATE TRIGGER signals_summary_seen_delete AFTER DELETE ON signals_signallastseen
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_summary_seen_delete();
"""

DROP_TRIGGERS_SQL = r"""
DROP TRIGGER IF EXISTS signals_summary_day_insert ON signals_signalday;
DROP TRIGGER IF EXISTS signals_summary_day_update ON signals_signalday;
DROP TRIGGER IF EXISTS signals_summary_day_delete ON signals_signalday;
DROP TRIGGER IF EXISTS signals_summary_seen_insert ON signals_signallastseen;
DROP TRIGGER IF EXISTS signals_summary_seen_update ON signals_signallastseen;
DROP TRIGGER IF EXISTS signals_summary_seen_delete ON signals_signallastseen;
DROP FUNCTION IF EXISTS signals_summary_day_insert();
DROP FUNCTION IF EXISTS signals_summary_day_update();
DROP FUNCTION IF EXISTS signals_summary_day_delete();
DROP FUNCTION IF EXISTS signals_summary_seen_insert();
DROP FUNCTION IF EXISTS signals_summary_seen_update();
DROP FUNCTION IF EXISTS signals_summary_seen_delete();
"""

FILL_SQL = r"""
INSERT INTO signals_signalsummary (account_id, as_of, events_ever, activity_30d, activity_prev_30d, invites_90d, upsell_accepted_180d, upsell_declined_180d, last_signal_at, last_exec_meeting_at, active_users_30d, features_90d, seen_ahead)
SELECT a.id AS account_id, (now() AT TIME ZONE 'UTC')::date AS as_of, coalesce(events_ever, 0), coalesce(activity_30d, 0), coalesce(activity_prev_30d, 0), coalesce(invites_90d, 0), coalesce(upsell_accepted_180d, 0), coalesce(upsell_declined_180d, 0), last_signal_at, last_exec_meeting_at, coalesce(active_users_30d, 0), coalesce(features_90d, 0), coalesce(seen_ahead, 0) FROM (SELECT id FROM accounts_account WHERE TRUE) a LEFT JOIN (
    SELECT account_id,
        sum(events) AS events_ever,
        coalesce(sum(events) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 30), 0) AS activity_30d,
        coalesce(sum(events) FILTER (
            WHERE day > (now() AT TIME ZONE 'UTC')::date - 60 AND day <= (now() AT TIME ZONE 'UTC')::date - 30), 0)
            AS activity_prev_30d,
        coalesce(sum(invites) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 90), 0) AS invites_90d,
        coalesce(sum(upsell_accepted) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 180), 0)
            AS upsell_accepted_180d,
        coalesce(sum(upsell_declined) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 180), 0)
            AS upsell_declined_180d,
        max(last_at) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 180) AS last_signal_at,
        max(last_exec_meeting_at) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 180)
            AS last_exec_meeting_at
    FROM signals_signalday WHERE day <= (now() AT TIME ZONE 'UTC')::date AND TRUE GROUP BY 1
) d ON d.account_id = a.id LEFT JOIN (
    SELECT account_id,
        count(*) FILTER (WHERE what = 'actor' AND (last_at AT TIME ZONE 'UTC')::date > (now() AT TIME ZONE 'UTC')::date - 30
            AND (last_at AT TIME ZONE 'UTC')::date <= (now() AT TIME ZONE 'UTC')::date) AS active_users_30d,
        count(*) FILTER (WHERE what = 'feature' AND (last_at AT TIME ZONE 'UTC')::date > (now() AT TIME ZONE 'UTC')::date - 90
            AND (last_at AT TIME ZONE 'UTC')::date <= (now() AT TIME ZONE 'UTC')::date) AS features_90d,
        count(*) FILTER (WHERE (last_at AT TIME ZONE 'UTC')::date > (now() AT TIME ZONE 'UTC')::date) AS seen_ahead
    FROM signals_signallastseen WHERE TRUE GROUP BY 1
) l ON l.account_id = a.id;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0011_roles_teams_roadmap'),
        ('signals', '0014_signal_kind_retired'),
    ]

    operations = [
        migrations.CreateModel(
            name='SignalSummary',
            fields=[
                ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='accounts.account')),
                ('as_of', models.DateField()),
                ('events_ever', models.IntegerField(default=0)),
                ('activity_30d', models.IntegerField(default=0)),
                ('activity_prev_30d', models.IntegerField(default=0)),
                ('invites_90d', models.IntegerField(default=0)),
                ('upsell_accepted_180d', models.IntegerField(default=0)),
                ('upsell_declined_180d', models.IntegerField(default=0)),
                ('last_signal_at', models.DateTimeField(null=True)),
                ('last_exec_meeting_at', models.DateTimeField(null=True)),
                ('active_users_30d', models.IntegerField(default=0)),
                ('features_90d', models.IntegerField(default=0)),
                ('seen_ahead', models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name='signalday',
            index=models.Index(fields=['day'], name='signal_day_day_idx'),
        ),
        migrations.AddIndex(
            model_name='signallastseen',
            index=models.Index(fields=['last_at'], name='signal_last_seen_at_idx'),
        ),
        migrations.RunSQL(TRIGGERS_SQL + FILL_SQL, DROP_TRIGGERS_SQL),
    ]
