"""Reads of signals' vocabulary: which kinds are registered, and what they are."""

from signals.models import SignalKindDef


def signal_kinds():
    return SignalKindDef.objects.order_by("code")


def signal_kind_codes() -> set[str]:
    """The codes a signal (or an outcome milestone's proof) may name: one small query."""
    return set(SignalKindDef.objects.values_list("code", flat=True))


def signal_kind_labels() -> dict[str, str]:
    return dict(SignalKindDef.objects.values_list("code", "label"))
