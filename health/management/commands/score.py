import time
from collections import Counter
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from health.models import RAGS, CurrentHealth
from health.services import score_accounts


class Command(BaseCommand):
    help = "Score accounts synchronously (the same code the Celery tasks run)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)
        parser.add_argument("--accounts", type=int, nargs="+", default=None, metavar="ID")
        parser.add_argument(
            "--backfill", type=int, default=0, metavar="DAYS",
            help="Also build history as of every 7 days over the last DAYS days; an account "
            "already scored as of one of those days keeps that score (safe to run again).",
        )  # fmt: skip

    def handle(self, *args, as_of, accounts, backfill, **options):
        today = timezone.now().date()
        for days_ago in range(backfill - backfill % 7, 0, -7):
            self._run(today - timedelta(days=days_ago), accounts, keep_history=True)
        self._run(as_of or today, accounts)
        if (as_of or today) >= today:
            mix = Counter(CurrentHealth.objects.values_list("rag", flat=True))
            self.stdout.write("Current health: " + ", ".join(f"{mix[r]} {r}" for r in RAGS))

    def _run(self, as_of, accounts, keep_history=False):
        started, failed = time.perf_counter(), []
        count = score_accounts(
            account_ids=accounts, as_of=as_of, failed=failed, keep_history=keep_history
        )
        elapsed = time.perf_counter() - started
        kept = " (accounts that already had a score that day keep it)" if keep_history else ""
        self.stdout.write(f"Scored {count} accounts as of {as_of} in {elapsed:.2f}s{kept}")
        if failed:
            ids = ", ".join(str(pk) for pk in failed)
            noun = "account" if len(failed) == 1 else "accounts"
            self.stderr.write(f"Could not score {len(failed)} {noun}: {ids} (see the log)")
