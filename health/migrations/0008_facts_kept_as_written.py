"""Score facts kept as written: `json`, not `jsonb` (see health.models.FactsField).

Django's state knows the column as a JSONField (FactsField deconstructs to one); the database
column is plain `json`, which costs a syntax check where `jsonb` costs a parse and a rebuild.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("health", "0007_page_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE health_healthscore ALTER COLUMN facts TYPE json USING facts::json",
                    "ALTER TABLE health_healthscore ALTER COLUMN facts TYPE jsonb USING facts::jsonb",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="healthscore",
                    name="facts",
                    field=models.JSONField(
                        default=list,
                        help_text="The numbers the explanation is worded from (scoring.explain.FACTS).",
                    ),
                )
            ],
        )
    ]
