"""(account, kind) in place of (account, kind, occurred_at).

With the time in the key, a file of a month's history wrote each signal on the leaf page of its
own (account, kind, day): a chunk of 25,000 events touched nearly every page of the index, and
with (account, occurred_at) beside it the two no longer fitted PostgreSQL's buffer cache, so each
chunk read pages back and wrote dirty ones out (perf: index inserts 60% of the backends' CPU,
a quarter of them in pread and pwrite). Without the time, an account's new signals of a kind go at
the end of its entries: a few hot pages. The queries that read by kind (an account's key events,
a scorecard's usage kinds) find the account's rows of those kinds and check their time.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("signals", "0018_summary_day_update_planned_each_call")]

    operations = [
        migrations.AddIndex(
            model_name="signal",
            index=models.Index(fields=["account", "kind"], name="signal_account_kind"),
        ),
        migrations.RemoveIndex(model_name="signal", name="signal_account_kind_time"),
    ]
