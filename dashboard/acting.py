"""What the account page shows for acting on it: open actions with their steps, snoozes on its
flags, the CSM's sentiment beside the score, and the timeline. Kept apart from the rest of the
page (dashboard.selectors) so the two change independently."""

from datetime import timedelta

from django.utils import timezone

from actions.selectors import (
    actions_of,
    disagreement_words,
    sentiment_disagrees,
    sentiment_history,
    sentiment_payload,
    sentiments_latest_by_account,
    snoozes_of,
    snoozes_running,
)
from actions.timeline import DEFAULT_DAYS, TYPES, account_timeline
from audit.selectors import account_audit_timeline
from dashboard.acting_forms import ActionCloseForm, SentimentForm, SnoozeForm

TIMELINE_LIMIT = 100
SENTIMENTS_READ = 100  # newest first: the current one, and the timeline's window
TIMELINE_LABELS = {
    "score": "Score", "flag": "Flags", "action": "Actions", "sentiment": "Sentiment",
    "snooze": "Snoozes", "note": "Notes", "decision": "Decisions", "scorecard": "Scorecard",
    "signals": "Signals", "roadmap": "Roadmap",
}  # fmt: skip


AUDIT_LABELS = {**TIMELINE_LABELS, "audit": "Changes"}


def timeline_with_audit(account, data: dict, types) -> dict:
    """For a VP: the account's audit trail (owner, terms, sentiment, snoozes) merged into its
    timeline, with its own filter ("Changes")."""
    wanted = [t for t in types if t in AUDIT_LABELS]
    since = timezone.now() - timedelta(days=DEFAULT_DAYS)
    changes = account_audit_timeline(account, since) if not wanted or "audit" in wanted else []
    others = data["timeline"] if not wanted or set(wanted) - {"audit"} else []
    merged = sorted(others + changes, key=lambda event: event.at, reverse=True)
    return {"timeline": merged[:TIMELINE_LIMIT], "timeline_types": wanted,
            "timeline_labels": AUDIT_LABELS}  # fmt: skip


def sentiment_view(sentiment, rag) -> dict | None:
    payload = sentiment_payload(sentiment)
    if payload is None:
        return None
    disagrees = sentiment_disagrees(payload["rating"], rag, payload["stale"])
    words = disagreement_words(payload["rating"], rag) if disagrees else ""
    return {**payload, "disagrees": disagrees, "disagreement": words}


def acting_page_data(account, score, timeline_types=(), forms=None, decisions=None) -> dict:
    """The account page's acting context in a fixed number of queries: actions, sentiment and
    snoozes are read once and serve both their own blocks and the timeline."""
    forms = forms or {}
    rag = score.rag if score else None
    wanted = [t for t in timeline_types if t in TYPES]
    actions, snoozes = actions_of(account), snoozes_of(account)
    sentiments = list(sentiment_history(account)[:SENTIMENTS_READ])
    rows = {"action": actions, "snooze": snoozes, "sentiment": sentiments}
    if decisions is not None:
        rows["decision"] = decisions
    return {
        "open_actions": [a for a in actions if a.is_open],
        "closed_actions": [a for a in actions if not a.is_open][:5],
        "close_form": forms.get("close_form") or ActionCloseForm(),
        "close_form_for": forms.get("close_form_for"),
        "snoozes": snoozes_running(snoozes),
        "snooze_form": forms.get("snooze_form") or SnoozeForm(),
        "sentiment": sentiment_view(sentiments[0] if sentiments else None, rag),
        "sentiment_form": forms.get("sentiment_form") or SentimentForm(),
        "timeline": account_timeline(account, wanted or None, rows=rows)[:TIMELINE_LIMIT],
        "timeline_types": wanted,
        "timeline_labels": TIMELINE_LABELS,
    }


def book_sentiments(accounts) -> int:
    """Attach each account's sentiment to it (`account.sentiment`); how many disagree."""
    latest = sentiments_latest_by_account([account.pk for account in accounts])
    disagreeing = 0
    for account in accounts:
        health = getattr(account, "current_health", None)
        view = sentiment_view(latest.get(account.pk), health.rag if health else None)
        account.sentiment = view
        disagreeing += bool(view and view["disagrees"])
    return disagreeing
