"""`manage.py embedded_db start|stop|status`: the private PostgreSQL behind a machine with no
DATABASE_URL (see candor.embedded_db)."""

from django.core.management.base import BaseCommand, CommandError

from candor import embedded_db


class Command(BaseCommand):
    help = "Start, stop or show the embedded PostgreSQL server used when DATABASE_URL is unset."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *args, action, **options):
        if action == "start":
            embedded_db.database_settings()
            self.stdout.write(embedded_db.status())
        elif action == "stop":
            self.stdout.write(embedded_db.stop())
        else:
            self.stdout.write(embedded_db.status())
        if action != "stop" and "running" not in embedded_db.status():
            raise CommandError("The embedded PostgreSQL server is not running.")
