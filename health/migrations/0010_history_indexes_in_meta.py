"""The day index and the covering run key that 0007 and 0009 built with SQL, now declared in the
model's Meta: state only, the database already has both."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("health", "0009_history_partitioned_by_month")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="healthscore", name="one_score_per_account_run"
                ),
                migrations.AddConstraint(
                    model_name="healthscore",
                    constraint=models.UniqueConstraint(
                        fields=["account", "as_of", "computed_at"],
                        include=["rag", "overall"],
                        name="one_score_per_account_run",
                    ),
                ),
                migrations.AddIndex(
                    model_name="healthscore",
                    index=models.Index(
                        fields=["as_of", "account", "overall"], name="health_score_day_idx"
                    ),
                ),
            ]
        )
    ]
