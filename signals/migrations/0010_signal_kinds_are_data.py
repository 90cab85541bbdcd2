"""Signal kinds become data: the twelve built-in kinds are seeded into `signals_signalkinddef`
and the check constraint on a signal's kind goes (ingest checks the registry instead).

The rollup triggers change to count what any kind needs: `signals_signalfirst` records the first
signal of EVERY kind (any kind can prove an outcome milestone), and the new
`signals_signalkindday` counts per account, value kind and day the signals of kinds registered
with category 'value' (a scorecard counts its own value kinds there). The per-day
`roi_reports` column, which counted one kind by name, goes. The SQL is written out as installed.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


BUILTIN_KINDS_SQL = r"""
INSERT INTO signals_signalkinddef (code, label, category, builtin, created_at) VALUES
    ('login', 'Login', 'usage', true, now()),
    ('report_generated', 'Report generated', 'usage', true, now()),
    ('roi_report_generated', 'ROI report generated', 'value', true, now()),
    ('colleague_invited', 'Colleague invited', 'usage', true, now()),
    ('feature_used', 'Feature used', 'usage', true, now()),
    ('export', 'Export', 'usage', true, now()),
    ('api_call', 'API call', 'usage', true, now()),
    ('support_ticket', 'Support ticket', 'support', true, now()),
    ('exec_meeting', 'Exec meeting', 'people', true, now()),
    ('upsell_call_accepted', 'Upsell call accepted', 'people', true, now()),
    ('upsell_call_declined', 'Upsell call declined', 'people', true, now()),
    ('confidence_survey', 'Confidence survey answer', 'survey', true, now())
ON CONFLICT (code) DO NOTHING;
"""

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
    INSERT INTO signals_signalkindday AS k (account_id, kind, day, events)
    SELECT account_id, kind, (occurred_at AT TIME ZONE 'UTC')::date, count(*) FROM new_rows
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'value')
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (account_id, kind, day) DO UPDATE SET events = k.events + EXCLUDED.events;
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
    INSERT INTO signals_signalkindday (account_id, kind, day, events)
        SELECT s.account_id, s.kind, (s.occurred_at AT TIME ZONE 'UTC')::date, count(*)
        FROM signals_signal s JOIN signals_touched t ON s.account_id = t.account_id
            AND s.occurred_at >= t.day::timestamp AT TIME ZONE 'UTC'
            AND s.occurred_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
        WHERE s.kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'value')
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

# The rollups the new triggers keep, filled from the signals already there.
FILL_SQL = r"""
INSERT INTO signals_signalfirst (account_id, kind, first_at)
    SELECT account_id, kind, min(occurred_at) FROM signals_signal GROUP BY 1, 2
    ON CONFLICT (account_id, kind) DO NOTHING;
INSERT INTO signals_signalkindday (account_id, kind, day, events)
    SELECT account_id, kind, (occurred_at AT TIME ZONE 'UTC')::date, count(*) FROM signals_signal
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'value')
    GROUP BY 1, 2, 3;
"""

# Back to signals 0006's triggers (roi_reports is back as a column by then, refilled here).
REVERSE_TRIGGERS_SQL = r"""
CREATE OR REPLACE FUNCTION signals_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signals_signalday AS d (account_id, day, events, roi_reports, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at)
    SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date,
        count(*),
        count(*) FILTER (WHERE kind = 'roi_report_generated'),
        count(*) FILTER (WHERE kind = 'colleague_invited'),
        count(*) FILTER (WHERE kind = 'upsell_call_accepted'),
        count(*) FILTER (WHERE kind = 'upsell_call_declined'),
        max(occurred_at),
        max(occurred_at) FILTER (WHERE kind = 'exec_meeting')
    FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (account_id, day) DO UPDATE SET
        events = d.events + EXCLUDED.events,
        roi_reports = d.roi_reports + EXCLUDED.roi_reports,
        invites = d.invites + EXCLUDED.invites,
        upsell_accepted = d.upsell_accepted + EXCLUDED.upsell_accepted,
        upsell_declined = d.upsell_declined + EXCLUDED.upsell_declined,
        last_at = GREATEST(d.last_at, EXCLUDED.last_at),
        last_exec_meeting_at = GREATEST(d.last_exec_meeting_at, EXCLUDED.last_exec_meeting_at);
    INSERT INTO signals_signalfirst AS f (account_id, kind, first_at)
    SELECT account_id, kind, min(occurred_at) FROM new_rows WHERE kind IN ('roi_report_generated', 'report_generated', 'colleague_invited') GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (account_id, kind) DO UPDATE SET first_at = LEAST(f.first_at, EXCLUDED.first_at);
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
    INSERT INTO signals_signalday (account_id, day, events, roi_reports, invites, upsell_accepted, upsell_declined, last_at, last_exec_meeting_at)
        SELECT s.account_id, (s.occurred_at AT TIME ZONE 'UTC')::date,
            count(*),
            count(*) FILTER (WHERE kind = 'roi_report_generated'),
            count(*) FILTER (WHERE kind = 'colleague_invited'),
            count(*) FILTER (WHERE kind = 'upsell_call_accepted'),
            count(*) FILTER (WHERE kind = 'upsell_call_declined'),
            max(occurred_at),
            max(occurred_at) FILTER (WHERE kind = 'exec_meeting')
        FROM signals_signal s JOIN signals_touched t ON s.account_id = t.account_id
            AND s.occurred_at >= t.day::timestamp AT TIME ZONE 'UTC'
            AND s.occurred_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1, 2;
    DELETE FROM signals_signalfirst WHERE account_id IN (SELECT account_id FROM signals_touched);
    INSERT INTO signals_signalfirst (account_id, kind, first_at)
        SELECT account_id, kind, min(occurred_at) FROM signals_signal
        WHERE kind IN ('roi_report_generated', 'report_generated', 'colleague_invited') AND account_id IN (SELECT account_id FROM signals_touched)
        GROUP BY 1, 2;
    DELETE FROM signals_signallastseen
        WHERE account_id IN (SELECT account_id FROM signals_touched);
    INSERT INTO signals_signallastseen (account_id, what, name, last_at)
        SELECT account_id, 'actor', actor, max(occurred_at) FROM (SELECT * FROM signals_signal WHERE account_id IN (SELECT account_id FROM signals_touched)) AS s WHERE kind IN ('login', 'report_generated', 'roi_report_generated', 'feature_used', 'export') GROUP BY 1, 3 UNION ALL SELECT account_id, 'feature', value, max(occurred_at) FROM (SELECT * FROM signals_signal WHERE account_id IN (SELECT account_id FROM signals_touched)) AS s WHERE kind = 'feature_used' GROUP BY 1, 3;
    TRUNCATE signals_touched;
    RETURN NULL;
END $$;

UPDATE signals_signalday d SET roi_reports = r.n FROM (
    SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
    FROM signals_signal WHERE kind = 'roi_report_generated' GROUP BY 1, 2
) r WHERE d.account_id = r.account_id AND d.day = r.day;
DELETE FROM signals_signalfirst
    WHERE kind NOT IN ('roi_report_generated', 'report_generated', 'colleague_invited');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_segments_are_data"),
        ("signals", "0009_account_kind_time_index_in_meta"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignalKindDay",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "account",
                        "kind",
                        "day",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("kind", models.CharField(max_length=30)),
                ("day", models.DateField()),
                ("events", models.PositiveIntegerField(default=0)),
                (
                    "account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SignalKindDef",
            fields=[
                (
                    "code",
                    models.CharField(
                        max_length=30,
                        primary_key=True,
                        serialize=False,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z][a-z0-9_]*$",
                                "Lower-case letters, digits and underscores, starting with a letter.",
                            )
                        ],
                    ),
                ),
                ("label", models.CharField(max_length=100)),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("value", "Value (proves the customer got what they bought)"),
                            ("usage", "Usage"),
                            ("people", "People"),
                            ("support", "Support"),
                            ("survey", "Survey"),
                        ],
                        max_length=10,
                    ),
                ),
                ("builtin", models.BooleanField(default=False, editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "signal kind",
                "ordering": ["code"],
            },
        ),
        migrations.AddConstraint(
            model_name="signalkinddef",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("category__in", ["value", "usage", "people", "support", "survey"])
                ),
                name="signal_kind_category_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="signalkindday",
            index=models.Index(fields=["kind", "day"], name="signal_kind_day_kind_idx"),
        ),
        migrations.RunSQL(BUILTIN_KINDS_SQL, "DELETE FROM signals_signalkinddef WHERE builtin;"),
        migrations.RemoveConstraint(
            model_name="signal",
            name="signal_kind_valid",
        ),
        migrations.AlterField(
            model_name="signal",
            name="kind",
            field=models.CharField(help_text="A registered kind (SignalKindDef).", max_length=30),
        ),
        migrations.RunSQL(TRIGGERS_SQL + FILL_SQL, REVERSE_TRIGGERS_SQL),
        migrations.RemoveField(
            model_name="signalday",
            name="roi_reports",
        ),
    ]
