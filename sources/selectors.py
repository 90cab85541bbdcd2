"""Reads about sources: the list, one source's event map and debugger, and the facts a
"connect your data" walkthrough asks (does a source exist, has it received anything, which
events are unmapped, how many signals it stored)."""

from django.db import connection
from django.db.models import QuerySet

from sources.models import EventMapping, Outcome, RawMessage, Source
from sources.raw import TABLE

DEBUGGER_SIZE = 100


def sources_list() -> QuerySet[Source]:
    return Source.objects.select_related("default_csm", "created_by").order_by("name")


def source_exists() -> bool:
    return Source.objects.filter(revoked=False).exists()


def source_event_map(*, source: Source) -> QuerySet[EventMapping]:
    """Every event name seen (or mapped ahead), the most frequent first."""
    return EventMapping.objects.filter(source=source).order_by("-count", "event")


def source_unmapped_events(*, source: Source) -> QuerySet[EventMapping]:
    return source_event_map(source=source).filter(kind__isnull=True, count__gt=0)


def source_has_messages(*, source: Source) -> bool:
    return RawMessage.objects.filter(source=source).exists()


def sources_with_pending_messages() -> list[int]:
    """Ids of the sources with messages kept but not yet drained (the partial index)."""
    pending = RawMessage.objects.filter(outcome=Outcome.PENDING).order_by()
    return sorted(pending.values_list("source_id", flat=True).distinct())


def source_debugger(*, source: Source, limit: int = DEBUGGER_SIZE) -> list[RawMessage]:
    """The latest messages and what became of each (newest first)."""
    return list(RawMessage.objects.filter(source=source).defer("body").order_by("-id")[:limit])


def source_outcome_counts(*, source: Source) -> dict[str, int]:
    """How many kept messages ended each way: `signal` is how many signals the source stored.
    One grouped read of the source's rows (an index scan; large sources take a moment)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT outcome, count(*) FROM {TABLE} WHERE source_id = %s GROUP BY outcome",
            [source.pk],
        )
        counts = dict(cursor.fetchall())
    return {outcome: counts.get(outcome, 0) for outcome in Outcome.values}


def source_signal_count(*, source: Source) -> int:
    return source_outcome_counts(source=source)[Outcome.SIGNAL]


def source_status(*, source: Source) -> dict:
    """The walkthrough's facts about one source, in a few small reads."""
    return {
        "received": source_has_messages(source=source),
        "unmapped_events": list(
            source_unmapped_events(source=source).values_list("event", flat=True)
        ),
        "mapped_events": source_event_map(source=source).filter(kind__isnull=False).count(),
        "signals": source_signal_count(source=source),
        "key_last_used_at": source.key_last_used_at,
        "revoked": source.revoked,
    }
