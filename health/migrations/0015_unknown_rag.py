"""A score can be `unknown`: no signal received yet, within the scorecard's silence_grace_days.

History is partitioned by month (0009), and each month's partition was made with its own copy of
the rag check (LIKE ... INCLUDING CONSTRAINTS), which dropping the parent's check leaves in place:
the SQL drops the parent's, then what is left on each partition, then adds the wider check to the
parent, which gives it to every partition, present and future. Widening varchar(5) to varchar(7) rewrites nothing.

Every scorecard gets a new live version in which the new `never_active` flag caps green at amber,
as every capping flag does, and `silence_grace_days` is written out at its default (30).
"""

from django.db import migrations, models
from django.utils import timezone

TABLE = "health_healthscore"
RAGS = ("red", "amber", "green", "unknown")
OLD_RAGS = ("red", "amber", "green")


def _check_sql(rags, length) -> list[str]:
    values = ", ".join(f"'{rag}'" for rag in rags)
    return [
        f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS healthscore_rag_valid",
        f"""
        DO $$
        DECLARE part regclass;
        BEGIN
            FOR part IN SELECT inhrelid::regclass FROM pg_inherits
                        WHERE inhparent = '{TABLE}'::regclass LOOP
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS healthscore_rag_valid',
                               part);
            END LOOP;
        END $$
        """,
        f"ALTER TABLE {TABLE} ALTER COLUMN rag TYPE varchar({length})",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT healthscore_rag_valid CHECK (rag IN ({values}))",
    ]


RAG_CHOICES = [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("unknown", "Unknown")]
NOTE = "never_active caps green at amber, as every capping flag does (issue 21)."


def never_active_caps(apps, schema_editor):
    Scorecard = apps.get_model("health", "Scorecard")
    ScorecardVersion = apps.get_model("health", "ScorecardVersion")
    now = timezone.now()
    for scorecard in Scorecard.objects.all():
        flags = list(scorecard.capping_flags or [])
        if "never_active" in flags:
            continue
        latest = scorecard.versions.aggregate(latest=models.Max("number"))["latest"] or 0
        scorecard.capping_flags = [*flags, "never_active"]
        scorecard.targets = {"silence_grace_days": 30, **(scorecard.targets or {})}
        scorecard.version = latest + 1
        scorecard.save(update_fields=["capping_flags", "targets", "version"])
        live = scorecard.versions.filter(number=latest).first()
        ScorecardVersion.objects.create(
            scorecard=scorecard, number=latest + 1, note=NOTE, adopted_at=now,
            weights=live.weights if live else scorecard.weights,
            thresholds=live.thresholds if live else scorecard.thresholds,
            targets={"silence_grace_days": 30, **(live.targets if live else scorecard.targets)},
            capping_flags=scorecard.capping_flags,
            value_kinds=live.value_kinds if live else scorecard.value_kinds,
            usage_kinds=live.usage_kinds if live else scorecard.usage_kinds,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("health", "0014_day_index_carries_the_run_and_rag")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(sql=_check_sql(RAGS, 7), reverse_sql=_check_sql(OLD_RAGS, 5))
            ],
            state_operations=[
                migrations.RemoveConstraint(model_name="healthscore", name="healthscore_rag_valid"),
                migrations.AlterField(
                    model_name="healthscore",
                    name="rag",
                    field=models.CharField(choices=RAG_CHOICES, max_length=7),
                ),
                migrations.AddConstraint(
                    model_name="healthscore",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("rag__in", list(RAGS))), name="healthscore_rag_valid"
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="currenthealth",
            name="rag",
            field=models.CharField(choices=RAG_CHOICES, max_length=7),
        ),
        migrations.RunPython(never_active_caps, migrations.RunPython.noop),
    ]
