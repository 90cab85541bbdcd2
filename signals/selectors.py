"""Reads of signals' vocabulary (which kinds are registered, and what they are) and of when
signals were last received."""

import logging
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django.db.models import Max

from accounts.models import OnboardingMilestone
from signals import hooks
from signals.models import Signal, SignalKindDef

logger = logging.getLogger(__name__)


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


def newest_received_by_account(*, since) -> dict[int, datetime]:
    """Each account's newest receipt time of a signal received since `since`. The BRIN index on
    received_at summarises the pages written since its last summary first (a few pages at a
    sweep's interval): pages left unsummarised would all be read as candidates."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT brin_summarize_new_values('signal_received')")
    except DatabaseError:  # a role that does not own the index: autosummarize keeps it then
        logger.info("signal_received not summarised here", exc_info=True)
    newest = (
        Signal.objects.filter(received_at__gte=since)
        .order_by()
        .values("account_id")
        .annotate(newest=Max("received_at"))
    )
    return {row["account_id"]: row["newest"] for row in newest}
