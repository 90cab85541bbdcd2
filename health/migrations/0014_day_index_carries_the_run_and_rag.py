"""The day index carries the run (computed_at) in its key and rag beside overall, so one
scoring day's latest score per account is read from the index alone, in account order (the
board's ARR at risk at each month end). Built on the partitioned parent, which builds it on
every month's partition."""

from django.db import migrations, models

TABLE = "health_healthscore"


class Migration(migrations.Migration):
    dependencies = [("health", "0013_calibration_reports")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "DROP INDEX IF EXISTS health_score_day_idx",
                        f"CREATE INDEX health_score_day_idx ON {TABLE} "
                        "(as_of, account_id, computed_at) INCLUDE (rag, overall)",
                    ],
                    reverse_sql=[
                        "DROP INDEX IF EXISTS health_score_day_idx",
                        f"CREATE INDEX health_score_day_idx ON {TABLE} (as_of, account_id, overall)",
                    ],
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="healthscore", name="health_score_day_idx"),
                migrations.AddIndex(
                    model_name="healthscore",
                    index=models.Index(
                        fields=["as_of", "account", "computed_at"],
                        include=["rag", "overall"],
                        name="health_score_day_idx",
                    ),
                ),
            ],
        )
    ]
