"""Index for the scorer's per-account, per-kind first/last signal lookups (health.features).

RunSQL rather than Meta.indexes so the model definition (owned elsewhere) stays unchanged.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS signal_account_kind_time "
    "ON signals_signal (account_id, kind, occurred_at)"
)
DROP = "DROP INDEX IF EXISTS signal_account_kind_time"


class Migration(migrations.Migration):
    dependencies = [("signals", "0002_signal_received_index")]

    operations = [migrations.RunSQL(CREATE, DROP)]
