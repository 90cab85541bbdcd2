"""Once rewrote SQLite's rollup triggers. PostgreSQL, now the only database, kept its triggers
unchanged here, so this migration does nothing; it stays so that the history is unbroken."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("signals", "0007_rare_event_days")]

    operations = []
