"""The per-account cache of today's account-side features (health.feature_cache), and the
triggers that stamp an account's row with the writing transaction's id whenever its milestones,
stakeholders, shared objective, signatures, decisions, commitments or first signals change."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


STAMP = """
    INSERT INTO health_featurecache AS c (account_id, recipe, changed_xid)
    SELECT account_id, '', pg_current_xact_id()::text::bigint
    FROM ({rows}) changed WHERE account_id IS NOT NULL GROUP BY 1 ORDER BY 1
    ON CONFLICT (account_id) DO UPDATE SET changed_xid = EXCLUDED.changed_xid;
"""
OF_SIGNATURES = (
    "SELECT o.account_id FROM {table} s JOIN accounts_sharedobjective o ON o.id = s.objective_id"
)
FUNCTIONS = {
    "new": "SELECT account_id FROM new_rows",
    "old": "SELECT account_id FROM old_rows",
    "both": "SELECT account_id FROM new_rows UNION ALL SELECT account_id FROM old_rows",
    "signature_new": OF_SIGNATURES.format(table="new_rows"),
    "signature_old": OF_SIGNATURES.format(table="old_rows"),
    "signature_both": OF_SIGNATURES.format(table="new_rows")
    + " UNION ALL "
    + OF_SIGNATURES.format(table="old_rows"),
    "row": "SELECT NEW.account_id",
}
ACCOUNT_TABLES = [
    "accounts_onboardingmilestone", "accounts_stakeholder", "accounts_sharedobjective",
    "accounts_decision", "accounts_commitment",
]  # fmt: skip


def _function(name: str, rows: str) -> str:
    return (
        f"CREATE FUNCTION health_feature_cache_stamp_{name}() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {STAMP.format(rows=rows)} RETURN NULL; END $$;"
    )


def _statement_triggers(table: str, prefix: str = "") -> str:
    name = f"health_feature_cache_{table}"
    return f"""
    CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_stamp_{prefix}new();
    CREATE TRIGGER {name}_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_stamp_{prefix}both();
    CREATE TRIGGER {name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_stamp_{prefix}old();
    CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_clear();
    """


# The first signals: every ingest rewrites the rows of the kinds it brings (LEAST of the old
# and new first time), so an update stamps only the rows whose first time moved.
FIRSTS = """
    CREATE TRIGGER health_feature_cache_firsts_insert AFTER INSERT ON signals_signalfirst
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_stamp_new();
    CREATE TRIGGER health_feature_cache_firsts_update AFTER UPDATE ON signals_signalfirst
        FOR EACH ROW WHEN (OLD.first_at IS DISTINCT FROM NEW.first_at)
        EXECUTE FUNCTION health_feature_cache_stamp_row();
    CREATE TRIGGER health_feature_cache_firsts_delete AFTER DELETE ON signals_signalfirst
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_stamp_old();
    CREATE TRIGGER health_feature_cache_firsts_truncate AFTER TRUNCATE ON signals_signalfirst
        FOR EACH STATEMENT EXECUTE FUNCTION health_feature_cache_clear();
"""
TRIGGERS = "\n".join(
    [
        *(_function(name, rows) for name, rows in FUNCTIONS.items()),
        "CREATE FUNCTION health_feature_cache_clear() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN DELETE FROM health_featurecache; RETURN NULL; END $$;",
        *(_statement_triggers(table) for table in ACCOUNT_TABLES),
        _statement_triggers("accounts_objectivesignature", prefix="signature_"),
        FIRSTS,
    ]
)
DROP = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS health_feature_cache_{table}_{event} ON {table};"
            for table in [*ACCOUNT_TABLES, "accounts_objectivesignature"]
            for event in ("insert", "update", "delete", "truncate")
        ),
        *(
            f"DROP TRIGGER IF EXISTS health_feature_cache_firsts_{event} ON signals_signalfirst;"
            for event in ("insert", "update", "delete", "truncate")
        ),
        *(f"DROP FUNCTION IF EXISTS health_feature_cache_stamp_{name}();" for name in FUNCTIONS),
        "DROP FUNCTION IF EXISTS health_feature_cache_clear();",
    ]
)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0013_milestone_is_kickoff'),
        ('health', '0018_override_takes_commercial'),
        ('signals', '0015_signal_summaries'),
    ]

    operations = [
        migrations.CreateModel(
            name='FeatureCache',
            fields=[
                ('account', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='accounts.account')),
                ('recipe', models.CharField(blank=True, max_length=32)),
                ('computed_for', models.DateField(null=True)),
                ('valid_until', models.DateField(help_text='The first day the lines may not hold.', null=True)),
                ('read_xmin', models.BigIntegerField(null=True)),
                ('changed_xid', models.BigIntegerField(null=True)),
                ('lines', django.contrib.postgres.fields.ArrayField(base_field=models.TextField(null=True), null=True, size=None)),
            ],
        ),
        migrations.RunSQL(TRIGGERS, reverse_sql=DROP),
    ]
