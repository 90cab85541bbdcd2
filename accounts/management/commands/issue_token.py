from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from accounts.services import user_create_with_role, user_set_role


class Command(BaseCommand):
    help = "Print an API token for a user (the key alone on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument("--create", action="store_true", help="Create the user if missing.")

    def handle(self, *args, username, role, create, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"No user '{username}'. Use --create (and --role) to make one.")
            user = user_create_with_role(username=username, role=role or "csm")
            self.stdout.write(f"Created {role or 'csm'} user '{username}'.")
        elif role:
            user_set_role(user=user, role=role)
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
