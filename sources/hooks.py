"""`event_mappings_changed` is sent with `source_id` and `events` once an event map change has
committed: `SourcesConfig.ready()` connects the backfill task to it (the service never imports
its tasks)."""

import django.dispatch

event_mappings_changed = django.dispatch.Signal()
