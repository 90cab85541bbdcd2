"""What the signals app tells the apps above it without importing them: `signals_ingested` is
sent with `account_ids` after a batch of signals has committed (health connects its debounced
rescore in `HealthConfig.ready()`)."""

import django.dispatch

signals_ingested = django.dispatch.Signal()
