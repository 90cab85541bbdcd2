"""Drop the months of raw Segment messages older than SOURCES_RAW_RETENTION_DAYS (the beat
schedule runs it nightly as a task)."""

from django.core.management.base import BaseCommand

from sources.tasks import raw_messages_prune


class Command(BaseCommand):
    help = "Drop raw source messages past their retention (whole months)."

    def handle(self, *args, **options):
        dropped = raw_messages_prune()
        self.stdout.write(f"Dropped {len(dropped)} month(s): {', '.join(dropped) or 'none'}.")
