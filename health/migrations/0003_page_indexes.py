"""Indexes the portfolio page reads history through, so its cost does not grow with history.

- health_score_day_idx (as_of, account_id, overall): the last scoring day 30 days ago and the
  per-CSM average that day are an index-only range, not a scan of every score ever written.
- health_score_account_day_idx (account_id, as_of, computed_at, rag, overall): "what did the
  score say N days before this account churned or renewed" (score validity) and the book's
  30-day change are index-only probes, with no visit to the wide score row.

Plain SQL without model state on purpose: HealthScore (health/models.py) was being reworked on
another branch when these were added. Moving them into HealthScore.Meta.indexes later needs a
SeparateDatabaseAndState migration with these names, so nothing is rebuilt.
"""

from django.db import migrations

INDEXES = {
    "health_score_day_idx": "(as_of, account_id, overall)",
    "health_score_account_day_idx": "(account_id, as_of, computed_at, rag, overall)",
}


class Migration(migrations.Migration):
    dependencies = [("health", "0002_one_score_per_account_run")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON health_healthscore {columns}",
            f"DROP INDEX {name}",
        )
        for name, columns in INDEXES.items()
    ]
