import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Count

from demo.seed import ADMIN, CSMS, DEMO_PASSWORD, VPS


class Command(BaseCommand):
    help = "Print the demo logins and the address Candor is served at."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        users = (
            get_user_model()
            .objects.filter(username__in=[*CSMS, *VPS, ADMIN])
            .annotate(book_size=Count("book"))
        )
        self.stdout.write(
            f"\nCandor is at http://{host}:{port}/  — demo logins (password: {DEMO_PASSWORD})"
        )
        for user in sorted(users, key=lambda u: (_order(u.username), u.username)):
            self.stdout.write(f"  {user.username:<10} {_role(user)}")
        self.stdout.write("")


def _order(username: str) -> int:
    return 2 if username == ADMIN else 1 if username in VPS else 0


def _role(user) -> str:
    if user.username == ADMIN:
        return "Admin (the Django admin at /admin/, and the whole portfolio)"
    if user.username in VPS:
        return "VP (whole portfolio)"
    return f"CSM ({user.book_size} accounts)"
