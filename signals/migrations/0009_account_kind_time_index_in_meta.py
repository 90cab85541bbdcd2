"""The (account, kind, occurred_at) index that 0003 created with SQL, now declared in the model's
Meta: state only, the database already has it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("signals", "0008_sqlite_triggers_take_out_what_they_added")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="signal",
                    index=models.Index(
                        fields=["account", "kind", "occurred_at"], name="signal_account_kind_time"
                    ),
                )
            ]
        )
    ]
