"""The roadmap's changes on an account's timeline (registered with actions.timeline)."""

from actions.timeline import Event
from roadmap.models import RoadmapChange


def roadmap_events(account, since, rows=None) -> list[Event]:
    if rows is None:
        rows = RoadmapChange.objects.filter(account=account, at__gte=since)
        rows = rows.select_related("item", "by")
    return [_event(change) for change in rows]


def _event(change: RoadmapChange) -> Event:
    title = (
        f"Roadmap: '{change.item.title}' {change.get_from_status_display().lower()} → "
        f"{change.get_to_status_display().lower()}"
    )
    told = f"The customer was told “{change.told_customer}”." if change.told_customer else ""
    gap = (
        " The commitment gap opens." if change.gap_opened
        else " The commitment gap closes." if change.gap_closed else ""
    )  # fmt: skip
    by = change.by.username if change.by else None
    return Event("roadmap", change.at, title, (told + gap).strip(), by)
