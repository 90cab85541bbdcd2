"""Indexes the portfolio page reads history through, so its cost does not grow with history.

- health_score_day_idx (as_of, account_id, overall): the last scoring day 30 days ago and the
  per-CSM average that day are an index-only range, not a scan of every score ever written.
  Rows of one run land at its right edge, so scoring pays little to keep it.
- The unique (account, as_of, computed_at) index also carries rag and overall
  (INCLUDE): "what did the score say N days before this account churned or renewed" (score
  validity) and the 30-day change become index-only probes, without a second account-led
  index for every scoring run to maintain. Model state is unchanged: the constraint is the
  same, only its index holds two more columns.
"""

from django.db import migrations

TABLE = "health_healthscore"
COVERING = "UNIQUE (account_id, as_of, computed_at) INCLUDE (rag, overall)"
PLAIN = "UNIQUE (account_id, as_of, computed_at)"


def _constraint(definition: str) -> str:
    return (
        "DROP INDEX IF EXISTS health_score_account_day_idx; "
        f"ALTER TABLE {TABLE} DROP CONSTRAINT one_score_per_account_run; "
        f"ALTER TABLE {TABLE} ADD CONSTRAINT one_score_per_account_run {definition}"
    )


class Migration(migrations.Migration):
    dependencies = [("health", "0006_history_without_account_constraint")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS health_score_day_idx ON {TABLE} (as_of, account_id, overall)",
            "DROP INDEX IF EXISTS health_score_day_idx",
        ),
        migrations.RunSQL(_constraint(COVERING), _constraint(PLAIN)),
    ]
