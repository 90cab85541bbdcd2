"""The summary trigger of an updated day plans its DELETE at every call.

PL/pgSQL keeps a statement's plan for the session: the DELETE that joins a statement's old and
new day rows was planned at the session's first call, and when that call changed a few days
(a webhook's drain, a first small batch) the plan joined the two transition tables in a nested
loop; a later statement of thousands of days then compared every old row with every new one
(auto_explain, `bench_segment` with the drain in a process of its own: 0.96 s of a 1.0 s rollup
insert, the run at 1,300 events/s instead of 9,000). `EXECUTE` plans it with the rows it has.
The SQL is written out as installed, so this file never changes with application code.
"""

from django.db import migrations

PLANNED_EACH_CALL = r"""
CREATE OR REPLACE FUNCTION signals_summary_day_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A latest time taken away cannot be subtracted: the summary is computed anew when read.
    -- Planned at every call: a plan kept from the session's first call, made for a few rows,
    -- joined thousands of old and new rows in a nested loop (a second a statement).
    EXECUTE $q$DELETE FROM signals_signalsummary s USING old_rows o LEFT JOIN new_rows n ON n.account_id = o.account_id AND n.day = o.day
        WHERE s.account_id = o.account_id AND o.day > s.as_of - 180 AND o.day <= s.as_of
            AND ((o.last_at = s.last_signal_at AND NOT coalesce(n.last_at >= o.last_at, false))
                OR (o.last_exec_meeting_at = s.last_exec_meeting_at AND NOT coalesce(n.last_exec_meeting_at >= o.last_exec_meeting_at, false)))$q$;
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
"""

PLANNED_ONCE = r"""
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
"""


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0017_account_checked_per_statement"),
    ]

    operations = [migrations.RunSQL(PLANNED_EACH_CALL, PLANNED_ONCE)]
