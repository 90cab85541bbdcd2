"""SQLite's rollup triggers take a deleted signal's counts out instead of recomputing its
account: deleting N signals of one account no longer reads its signals N times (a test flush
of 40 demo accounts took minutes). PostgreSQL's triggers are installed again unchanged."""

from django.db import migrations

from signals import rollups


def reinstall(apps, schema_editor):
    rollups.triggers_drop(schema_editor)
    rollups.triggers_install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("signals", "0007_rare_event_days")]

    operations = [migrations.RunPython(reinstall, reinstall)]
