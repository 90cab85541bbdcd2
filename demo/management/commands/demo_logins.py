from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Count

from demo.seed import CSMS, DEMO_PASSWORD, VPS


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        users = (
            get_user_model()
            .objects.filter(username__in=CSMS + VPS)
            .annotate(book_size=Count("book"))
        )
        self.stdout.write(
            f"\nCandor is at http://127.0.0.1:8000/  — demo logins (password: {DEMO_PASSWORD})"
        )
        for user in sorted(users, key=lambda u: (u.username in VPS, u.username)):
            role = (
                "VP (whole portfolio)"
                if user.username in VPS
                else f"CSM ({user.book_size} accounts)"
            )
            self.stdout.write(f"  {user.username:<10} {role}")
        self.stdout.write("")
