"""What the accounts app tells the apps above it, and asks of them, without importing them.

The layers run accounts <- signals <- health <- dashboard: a lower app never imports a higher
one. `account_changed` is sent after a write that can move an account's score (health connects
its rescore in `HealthConfig.ready()`); the signals app registers the vocabulary of signal kinds
that an outcome milestone may name as its proof (in `SignalsConfig.ready()`).
"""

from collections.abc import Callable, Iterable

import django.dispatch

# Sent with `account_ids`, once the write has committed.
account_changed = django.dispatch.Signal()

_signal_kind_codes: Callable[[], Iterable[str]] = lambda: ()  # noqa: E731


def signal_kinds_register(codes: Callable[[], Iterable[str]]) -> None:
    global _signal_kind_codes
    _signal_kind_codes = codes


def signal_kind_codes() -> set[str]:
    """The signal kinds known now (registered by the signals app)."""
    return set(_signal_kind_codes())
