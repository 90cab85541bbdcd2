"""`event_mappings_changed` is sent with `source_id` and `events` once an event map change has
committed: `SourcesConfig.ready()` connects the backfill task to it (the service never imports
its tasks). `raw_messages_pending` is sent with `source_id` once a request's batch is kept
raw: the drain is queued (`sources.tasks.raw_drain_queue`)."""

import django.dispatch

event_mappings_changed = django.dispatch.Signal()
raw_messages_pending = django.dispatch.Signal()
