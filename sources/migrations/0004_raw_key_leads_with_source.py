"""The raw store's primary key leads with the source: (source_id, id, received_at).

A source's latest messages (the debugger) and a drain's or backfill's messages by id are then read
through the key itself, and the (source_id, id) index that served them goes: one index fewer to
grow for every message kept (each file's chunk, each request's batch) and for every message a
drain settles (its row is written anew, in every index).
"""

from django.db import migrations

FORWARD = """
ALTER TABLE sources_rawmessage DROP CONSTRAINT sources_rawmessage_pkey;
ALTER TABLE sources_rawmessage ADD PRIMARY KEY (source_id, id, received_at);
DROP INDEX sources_raw_latest;
"""

BACKWARD = """
CREATE INDEX sources_raw_latest ON sources_rawmessage (source_id, id);
ALTER TABLE sources_rawmessage DROP CONSTRAINT sources_rawmessage_pkey;
ALTER TABLE sources_rawmessage ADD PRIMARY KEY (id, received_at);
"""


class Migration(migrations.Migration):
    dependencies = [("sources", "0003_raw_pending_index")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
