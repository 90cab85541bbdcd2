import time
from collections import Counter
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
        days = [today - timedelta(days=d) for d in range(backfill - backfill % 7, 0, -7)]
        if days:
            self._backfill(days, accounts)
        self._run(as_of or today, accounts)
        if (as_of or today) >= today:
            mix = Counter(CurrentHealth.objects.values_list("rag", flat=True))
            self.stdout.write("Current health: " + ", ".join(f"{mix[r]} {r}" for r in RAGS))

    def _backfill(self, days, accounts):
        """History as of each week, behind one progress bar (on stderr) instead of a line per
        run: a newcomer's `make run` shows how far it is, then one line of what it built."""
        started, failed, scored = time.perf_counter(), [], 0
        with self._progress() as progress:
            task = progress.add_task("Building score history", total=len(days))
            for day in days:
                scored += score_accounts(
                    account_ids=accounts, as_of=day, failed=failed, keep_history=True
                )
                progress.advance(task)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Built score history as of {len(days)} weekly dates, {days[0]} to {days[-1]}: "
            f"{scored} new scores in {elapsed:.1f}s (accounts that already had a score that "
            "day keep it)"
        )
        self._report_failed(sorted(set(failed)))

    def _progress(self) -> Progress:
        console = Console(file=getattr(self.stderr, "_out", self.stderr))
        return Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console,
        )  # fmt: skip

    def _run(self, as_of, accounts):
        started, failed = time.perf_counter(), []
        count = score_accounts(account_ids=accounts, as_of=as_of, failed=failed)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Scored {count} accounts as of {as_of} in {elapsed:.2f}s")
        self._report_failed(failed)

    def _report_failed(self, failed):
        if failed:
            ids = ", ".join(str(pk) for pk in failed)
            noun = "account" if len(failed) == 1 else "accounts"
            self.stderr.write(f"Could not score {len(failed)} {noun}: {ids} (see the log)")
