import random
from collections import defaultdict

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Account
from demo.seed import ACCOUNTS_PER_CSM, DemoTeam, csm_usernames, demo_users


def story_of(external_id: str) -> str:
    """`demo-<story>-<n>` -> story."""
    return external_id.split("-", 1)[1].rsplit("-", 1)[0]


class Command(BaseCommand):
    help = (
        "One-off for demo portfolios seeded before books scaled with portfolio size (e.g. a "
        "100k-account benchmark database with 8 CSMs of ~12,500 accounts): hand the demo "
        "accounts to the CSMs seed_demo now creates, with the same per-story weights, so books "
        "average --accounts-per-csm. Scores do not depend on the CSM, so nothing is rescored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts-per-csm", type=int, default=ACCOUNTS_PER_CSM)
        parser.add_argument("--seed", type=int, default=42)

    @transaction.atomic
    def handle(self, *args, accounts_per_csm, seed, **options):
        accounts = Account.objects.filter(external_id__startswith="demo-").order_by("pk")
        team = DemoTeam(demo_users(csm_usernames(Account.objects.count(), accounts_per_csm)))
        rng = random.Random(seed)
        books = defaultdict(list)
        for pk, external_id in accounts.values_list("pk", "external_id").iterator(10_000):
            books[team.pick(story_of(external_id), rng).pk].append(pk)
        for csm_id, pks in books.items():
            Account.objects.filter(pk__in=pks).update(csm_id=csm_id)
        if not books:
            self.stdout.write("No demo accounts to spread.")
            return
        sizes = sorted(len(pks) for pks in books.values())
        self.stdout.write(
            f"Spread {sum(sizes)} demo accounts over {len(team.csms)} CSMs "
            f"(books of {sizes[0]}–{sizes[-1]}, median {sizes[len(sizes) // 2]})."
        )
