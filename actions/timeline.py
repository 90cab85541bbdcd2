"""One account's story, newest first: score changes with their reason, flags raised and
cleared, actions, sentiment, snoozes, notes, decisions, scorecard versions, and a daily summary
of the signals that arrived. A fixed number of queries per page, over a window of days."""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from actions.models import Action, ActionStatus, FlagSnooze, Sentiment
from health.scoring.flags import FLAG_LABELS
from health.selectors import health_diff
from signals.selectors import signal_kind_labels

TYPES = ("score", "flag", "action", "sentiment", "snooze", "note", "decision", "scorecard",
         "signals", "roadmap")  # fmt: skip
DEFAULT_DAYS = 90
MAX_DAYS = 366


@dataclass
class Event:
    type: str
    at: datetime
    title: str
    detail: str = ""
    by: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# Readers of events kept by apps above actions (the roadmap's status changes), registered in
# their AppConfig.ready(): actions may not import them. Each takes (account, since, rows).
_registered_readers: dict[str, Callable] = {}


def timeline_reader_register(kind: str, read: Callable) -> None:
    if kind not in TYPES:
        raise ValueError(f"'{kind}' is not a timeline event type.")
    _registered_readers[kind] = read


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def account_timeline(account, types=None, days: int = DEFAULT_DAYS, rows=None) -> list[Event]:
    """Every event of the last `days` days of the given `types` (all when None), newest first.

    `rows` may hand over what a page already read, by type ("action": actions, "sentiment",
    "snooze", "note", "decision": their rows, covering the window), so it is not read twice.
    """
    wanted, rows = set(types or TYPES), rows or {}
    since = timezone.now() - timedelta(days=days)
    events: list[Event] = []
    if wanted & {"score", "flag", "scorecard"}:
        events += [e for e in score_events(account, since.date()) if e.type in wanted]
    readers = {
        "action": action_events, "sentiment": sentiment_events, "snooze": snooze_events,
        "note": note_events, "decision": decision_events, "signals": signal_events,
        **_registered_readers,
    }  # fmt: skip
    for kind, read in readers.items():
        if kind in wanted:
            events += read(account, since, rows.get(kind))
    events = [event for event in events if event.at >= since]
    return sorted(events, key=lambda event: (event.at, TYPES.index(event.type)), reverse=True)


def _scores_since(account, since: date) -> list:
    """Every score since `since`, oldest first, and those of the month before it (what the
    first change in the window is measured against)."""
    scores = account.health_scores.filter(as_of__gte=since - timedelta(days=31))
    return list(scores.order_by("as_of", "computed_at"))


def _daily(scores, since: date) -> list:
    """The newest score of each scoring day since `since`, after the last one before it."""
    per_day = list({s.as_of: s for s in scores}.values())
    before = [score for score in per_day if score.as_of < since][-1:]
    return before + [score for score in per_day if score.as_of >= since]


def _score_at(score) -> datetime:
    if score.computed_at.date() == score.as_of:
        return score.computed_at
    return _midnight(score.as_of)


def score_events(account, since: date) -> list[Event]:
    """A day's score moves once (its newest score against the day before); a flag raised or
    cleared between any two scores shows, so one raised and cleared within a day leaves its
    trace."""
    scores = _scores_since(account, since)
    if not scores:
        return []
    days = _daily(scores, since)
    events = []
    if days[0].as_of >= since:
        first = days[0]
        events.append(Event("score", _score_at(first), f"First scored: {_points(first)} "
                            f"({first.rag})", " ".join(first.reasons[:1])))  # fmt: skip
    for older, newer in zip(days, days[1:], strict=False):
        events += _pair_events(older, newer)
    seen = [score for score in scores if score.as_of >= since or score is days[0]]
    for older, newer in zip(seen, seen[1:], strict=False):
        events += _flag_events(older, newer)
    return events


def _points(score) -> str:
    return "no score" if score.overall is None else f"{score.overall:.0f}"


def _pair_events(older, newer) -> list[Event]:
    at, events = _score_at(newer), []
    moved = _points(older) != _points(newer) or older.rag != newer.rag
    if moved:
        rag = f" ({older.rag} → {newer.rag})" if older.rag != newer.rag else f" ({newer.rag})"
        title = f"Score {_points(older)} → {_points(newer)}{rag}"
        events.append(Event("score", at, title, _why_moved(older, newer)))
    if (older.scorecard_id, older.scorecard_version) != (newer.scorecard_id,
                                                         newer.scorecard_version):  # fmt: skip
        events.append(Event("scorecard", at, f"Scored with scorecard v{newer.scorecard_version}",
                            f"Was v{older.scorecard_version}."))  # fmt: skip
    return events


def _flag_events(older, newer) -> list[Event]:
    at, events = _score_at(newer), []
    old_flags, new_flags = _flag_set(older), _flag_set(newer)
    raised = sorted(new_flags - old_flags)
    reasons = {flag["code"]: flag["reasons"] for flag in newer.flags} if raised else {}
    for code in raised:
        detail = " ".join(reasons.get(code, []))
        events.append(Event("flag", at, f"Flag raised: {FLAG_LABELS.get(code, code)}", detail))
    for code in sorted(old_flags - new_flags):
        events.append(Event("flag", at, f"Flag cleared: {FLAG_LABELS.get(code, code)}"))
    return events


def _flag_set(score) -> set[str]:
    return {code for code in (score.flag_codes or "").split(",") if code}


def _why_moved(older, newer) -> str:
    """The component that moved most, in its own words."""
    changes = [c for c in health_diff(newer, older) if c.get("change")]
    if not changes:
        return ""
    biggest = max(changes, key=lambda c: abs(c["change"]))
    words = biggest["reasons_added"][:1] or biggest["reasons_removed"][:1]
    before = "—" if biggest["before"] is None else f"{biggest['before']:.0f}"
    after = "—" if biggest["after"] is None else f"{biggest['after']:.0f}"
    line = f"{biggest['component'].capitalize()} {before} → {after}"
    return f"{line}: {words[0]}" if words else f"{line}."


def action_events(account, since, rows=None) -> list[Event]:
    if rows is None:
        rows = Action.objects.filter(account=account).select_related("owner", "closed_by")
        rows = rows.filter(created_at__gte=since) | rows.filter(closed_at__gte=since)
    events = []
    for action in rows:
        owner = action.owner.username if action.owner else None
        events.append(Event("action", action.created_at, f"Action raised: {action.title}",
                            action.reason, owner))  # fmt: skip
        if action.closed_at:
            events.append(_closed_event(action))
    return events


def _closed_event(action) -> Event:
    """Done or dismissed by a person, with their note; resolved by the rules, with what
    cleared."""
    if action.status == ActionStatus.RESOLVED:
        return Event("action", action.closed_at, f"Action resolved: {action.title}",
                     action.resolution)  # fmt: skip
    by = action.closed_by.username if action.closed_by else None
    return Event("action", action.closed_at, f"Action {action.status}: {action.title}",
                 action.outcome_note, by)  # fmt: skip


def sentiment_events(account, since, rows=None) -> list[Event]:
    if rows is None:
        rows = Sentiment.objects.filter(account=account, created_at__gte=since)
        rows = rows.select_related("created_by")
    return [
        Event("sentiment", s.created_at, f"CSM sentiment: {s.rating}, valid until "
              f"{s.expires_on:%-d %b %Y}", s.reason, s.created_by.username)
        for s in rows
    ]  # fmt: skip


def snooze_events(account, since, rows=None) -> list[Event]:
    if rows is None:
        rows = FlagSnooze.objects.filter(account=account, created_at__gte=since)
        rows = rows.select_related("snoozed_by")
    return [
        Event("snooze", s.created_at, f"Snoozed {FLAG_LABELS.get(s.flag, s.flag)} until "
              f"{s.until:%-d %b %Y}", s.reason, s.snoozed_by.username)
        for s in rows
    ]  # fmt: skip


def note_events(account, since, rows=None) -> list[Event]:
    if rows is None:
        rows = account.notes.filter(created_at__gte=since).select_related("author")
    return [Event("note", n.created_at, "Note", n.body, n.author.username) for n in rows]


def decision_events(account, since, rows=None) -> list[Event]:
    if rows is None:
        rows = account.decisions.filter(decided_on__gte=since.date() - timedelta(days=1))
    events = []
    for d in rows:
        circulated = (
            f"Circulated {d.circulated_on:%-d %b}." if d.circulated_on else "Not circulated."
        )
        events.append(Event("decision", _midnight(d.decided_on), f"Decision: {d.summary}",
                            circulated))  # fmt: skip
        if d.reopened_on:
            events.append(Event("decision", _midnight(d.reopened_on),
                                f"Decision reopened: {d.summary}"))  # fmt: skip
    return events


def signal_events(account, since, rows=None) -> list[Event]:
    """One line per day: how many signals of each kind arrived."""
    rows = (
        account.signals.filter(occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at"))
        .values("day", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_day: dict[date, dict[str, int]] = {}
    for row in rows:
        by_day.setdefault(row["day"], {})[row["kind"]] = row["n"]
    labels = signal_kind_labels()
    return [
        Event("signals", _midnight(day), f"{sum(kinds.values())} signal"
              f"{'s' if sum(kinds.values()) != 1 else ''}",
              ", ".join(f"{labels.get(k, k)} × {n}" for k, n in sorted(kinds.items(),
                                                                      key=lambda kv: -kv[1])))
        for day, kinds in by_day.items()
    ]  # fmt: skip
