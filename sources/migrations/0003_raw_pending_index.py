"""Pending raw messages (kept by a request, not yet drained) found oldest first per source."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sources", "0002_raw_messages_partitioned")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX sources_raw_pending ON sources_rawmessage (source_id, id) "
            "WHERE outcome = 'pending';",
            "DROP INDEX sources_raw_pending;",
        ),
    ]
