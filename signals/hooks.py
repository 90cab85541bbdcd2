"""What the signals app tells the apps above it without importing them: `signals_ingested` is
sent with `account_ids` after a batch of signals has committed (health connects its debounced
rescore in `HealthConfig.ready()`). `signal_kind_uses` is sent with a kind's `code` before the
kind is changed or deleted: a receiver answers with the words of what uses it (a scorecard
naming it), or an empty list."""

import django.dispatch

signals_ingested = django.dispatch.Signal()
signal_kind_uses = django.dispatch.Signal()
