"""Score history partitioned by the month of as_of on PostgreSQL (see health/partitions.py).

The rows are copied into monthly partitions first and indexed after, so each partition's
indexes are built by one sort instead of 100,000s of random inserts. The primary key becomes
(id, as_of): a partitioned table's unique keys must hold its partition key; ids stay unique,
drawn from the same identity sequence.
"""

from datetime import timedelta

from django.db import migrations

TABLE = "health_healthscore"
DEFAULT = f"{TABLE}_default"
SINGLE = f"{TABLE}_single"
RUN_KEY = "UNIQUE (account_id, as_of, computed_at) INCLUDE (rag, overall)"


def _partition_make(cursor, month):
    """The month's partition as health.partitions made it when this migration was written."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    name = f"{TABLE}_{first:%Y_%m}"
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} "
        f"FOR VALUES FROM ('{first.isoformat()}') TO ('{after.isoformat()}')"
    )


def _months(cursor, table):
    cursor.execute(f"SELECT DISTINCT date_trunc('month', as_of)::date FROM {table}")
    return [row[0] for row in cursor.fetchall()]


def _set_aside(cursor):
    """Free the names the new table takes: the old one's and its indexes'."""
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {SINGLE}")
    cursor.execute(f"ALTER TABLE {SINGLE} RENAME CONSTRAINT {TABLE}_pkey TO {SINGLE}_pkey")
    cursor.execute(
        f"ALTER TABLE {SINGLE} RENAME CONSTRAINT one_score_per_account_run TO {SINGLE}_run"
    )
    cursor.execute(f"ALTER INDEX health_score_day_idx RENAME TO {SINGLE}_day_idx")


def _keys(cursor, primary_key):
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({primary_key})")
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT one_score_per_account_run {RUN_KEY}")
    cursor.execute(f"CREATE INDEX health_score_day_idx ON {TABLE} (as_of, account_id, overall)")
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), coalesce(max(id), 0) + 1, false) "
        f"FROM {TABLE}"
    )


def _rebuild(schema_editor, *, partitioned: bool):
    """Copy history into a new table of the other layout, then index it and drop the old."""
    with schema_editor.connection.cursor() as cursor:
        _set_aside(cursor)
        layout = " PARTITION BY RANGE (as_of)" if partitioned else ""
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {SINGLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING IDENTITY){layout}"
        )
        if partitioned:
            cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
            for month in _months(cursor, SINGLE):
                _partition_make(cursor, month)
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {SINGLE}")
        _keys(cursor, "id, as_of" if partitioned else "id")
        cursor.execute(f"DROP TABLE {SINGLE} CASCADE")


def partition(apps, schema_editor):
    _rebuild(schema_editor, partitioned=True)


def unpartition(apps, schema_editor):
    _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("health", "0008_facts_kept_as_written")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
