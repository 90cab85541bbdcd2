from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources"

    def ready(self):
        from sources.hooks import event_mappings_changed, raw_messages_pending
        from sources.tasks import event_backfills_queue, raw_drain_queue

        event_mappings_changed.connect(event_backfills_queue, dispatch_uid="sources-backfill")
        raw_messages_pending.connect(raw_drain_queue, dispatch_uid="sources-drain")
