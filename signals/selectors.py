"""Reads of signals' vocabulary: which kinds are registered, and what they are."""

from accounts.models import OnboardingMilestone
from signals import hooks
from signals.models import Signal, SignalKindDef


def signal_kinds():
    return SignalKindDef.objects.order_by("code")


def signal_kind_codes() -> set[str]:
    """The codes a signal (or an outcome milestone's proof) may name: one small query."""
    return set(SignalKindDef.objects.values_list("code", flat=True))


def signal_kind_labels() -> dict[str, str]:
    return dict(SignalKindDef.objects.values_list("code", "label"))


def signal_kinds_retired() -> set[str]:
    """The codes no longer accepted at ingest (kept for the signals that carry them)."""
    return set(
        SignalKindDef.objects.filter(retired_at__isnull=False).values_list("code", flat=True)
    )


def signal_kind_uses(code: str) -> list[str]:
    """What uses a kind, in words: its signals, the milestones it proves, and whatever the apps
    above answer (a scorecard naming it). Empty: the kind can be deleted or re-categorised."""
    uses = []
    if Signal.objects.filter(kind=code).exists():
        uses.append("signals carry it")
    if OnboardingMilestone.objects.filter(proof_signal=code).exists():
        uses.append("an outcome milestone is proven by it")
    for _receiver, answer in hooks.signal_kind_uses.send(sender=SignalKindDef, code=code):
        uses.extend(answer or [])
    return uses
