import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.roles import Role, user_role
from dashboard.book import active_book
from demo.lenses import PEOPLE, TEAM_MEMBERS
from demo.seed import ADMIN, CSMS, DEMO_PASSWORD, VPS


class Command(BaseCommand):
    help = "Print the demo logins and the address Candor is served at."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        users = get_user_model().objects.filter(username__in=[*CSMS, *VPS, *PEOPLE, ADMIN])
        self.stdout.write(
            f"\nCandor is at http://{host}:{port}/  — demo logins (password: {DEMO_PASSWORD})"
        )
        for user in sorted(users, key=lambda u: (_order(u.username), u.username)):
            self.stdout.write(f"  {user.username:<10} {_role(user)}")
        self.stdout.write("")


def _order(username: str) -> int:
    return 3 if username == ADMIN else 2 if username in VPS else 1 if username in PEOPLE else 0


LENSES = {
    Role.TEAM_LEAD: f"Team lead ({', '.join(TEAM_MEMBERS)}: /team/)",
    Role.SALES: "Account executive ({accounts} sold; handoffs at /sales/)",
    Role.PRODUCT: "Product manager ({accounts} carrying promises; /roadmap/)",
    Role.FINANCE: "Finance analyst (whole portfolio, read only; /terms/, /forecast/)",
}


def _role(user) -> str:
    """Each login with the number of accounts its book shows (churned accounts are hidden
    there, so they are not counted here either: the same `active_book`)."""
    if user.username == ADMIN:
        return "Admin (the Django admin at /admin/, and the whole portfolio)"
    count = active_book(user).count()
    accounts = f"{count} account{'' if count == 1 else 's'}"
    if user.username in VPS:
        return f"VP (whole portfolio, {accounts})"
    if user.username in PEOPLE:
        return LENSES[user_role(user)].format(accounts=accounts)
    return f"CSM ({accounts})"
