from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import Account
from demo.seed import ACCOUNTS_PER_CSM, demo_admin_ensure, seed_portfolio


class Command(BaseCommand):
    help = "Seed a deterministic, realistic demo portfolio (every story in DOMAIN.md)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=300)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--signals-per-account", type=int, default=None,
            help="Scale product usage to about this many signals per account; from "
            "20,000 accounts (a bulk load) it counts every signal, the story's own included.",
        )  # fmt: skip
        parser.add_argument("--today", type=date.fromisoformat, default=None)
        parser.add_argument(
            "--accounts-per-csm", type=int, default=ACCOUNTS_PER_CSM,
            help="Beyond the eight named CSMs, add numbered ones until books average this size.",
        )  # fmt: skip
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if accounts exist.")

    def handle(
        self, *args, accounts, seed, signals_per_account, today, if_empty, accounts_per_csm, **opts
    ):
        if if_empty and Account.objects.exists():
            demo_admin_ensure()  # a portfolio seeded before the demo had an admin gets one
            self.stdout.write("Accounts already exist; leaving the portfolio as it is.")
            return
        summary = seed_portfolio(
            accounts=accounts,
            seed=seed,
            today=today or timezone.now().date(),
            signals_per_account=signals_per_account,
            per_csm=accounts_per_csm,
        )
        for story, count in sorted(summary["stories"].items()):
            self.stdout.write(f"  {story:<28} {count:>7}")
        writes = ", ".join(f"{table} {s:.1f}s" for table, s in summary["write_s"].items())
        self.stdout.write(
            f"Seeded {summary['accounts']} accounts ({summary['csms']} CSMs) and "
            f"{summary['signals']} signals in "
            f"{summary['total_s']:.1f}s (build {summary['build_s']:.1f}s; {writes})."
        )
