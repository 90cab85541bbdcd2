from django.core.management.base import BaseCommand

from actions.digests import digests_send


class Command(BaseCommand):
    help = (
        "Email each CSM the new actions and biggest drops in their book (ranked by ARR x drop) "
        "and each VP the portfolio's changes. --dry-run prints the messages instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print, do not send.")
        parser.add_argument("--days", type=int, default=1, help="Look back this many days.")

    def handle(self, *args, dry_run, days, **options):
        result = digests_send(dry_run=dry_run, days=max(days, 1))
        if dry_run:  # everyone's digest, those a missing address would keep from being sent too
            for digest in result["digests"] + result["unaddressed"]:
                to = digest.to or f"(no email address: {digest.username}, would be skipped)"
                self.stdout.write(f"To: {to}\nSubject: {digest.subject}\n\n{digest.body}")
                self.stdout.write("-" * 72)
        for username in result["skipped"]:
            self.stdout.write(f"Skipped {username}: no email address.")
        verb = "would send" if dry_run else "sent"
        self.stdout.write(f"Digests: {verb} {len(result['digests'])}.")
