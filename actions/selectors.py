"""Reads of the actions app: whose actions, the CSM's sentiment beside the score, snoozes."""

from datetime import timedelta

from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.selectors import accounts_visible_to
from actions.models import Action, ActionStatus, FlagSnooze, Sentiment
from health.models import CurrentHealth
from health.scoring.flags import FLAG_LABELS


def actions_visible_to(user) -> QuerySet[Action]:
    """Actions on the accounts the user may see: a CSM's book, a VP's portfolio. When the gate
    lets the user see every account, no account filter is added (a semi-join of every account
    costs a VP's lists a hash of the whole portfolio for nothing)."""
    visible = accounts_visible_to(user)
    rows = Action.objects.select_related("account", "owner", "playbook")
    return rows.filter(account__in=visible) if visible.query.has_filters() else rows


def actions_of(account) -> list[Action]:
    """Every action on one account, open ones first by due date, then the closed, newest first."""
    rows = Action.objects.filter(account=account).select_related("owner", "closed_by", "playbook")
    rows = list(rows)
    opened = sorted((a for a in rows if a.status == ActionStatus.OPEN),
                    key=lambda a: (a.due_on is None, a.due_on, a.created_at, a.pk))  # fmt: skip
    closed = sorted((a for a in rows if a.status != ActionStatus.OPEN),
                    key=lambda a: a.closed_at, reverse=True)  # fmt: skip
    return opened + closed


def snoozes_of(account) -> list[FlagSnooze]:
    return list(FlagSnooze.objects.filter(account=account).select_related("snoozed_by"))


def flags_on(account) -> list[str]:
    """The lying flags on the account's current score (none before it is scored)."""
    codes = (
        CurrentHealth.objects.filter(account=account).values_list("flag_codes", flat=True).first()
    )
    return [code for code in (codes or "").split(",") if code]


def snooze_note(snooze: FlagSnooze | None) -> dict | None:
    """A flag's snooze as the health payload shows it: {until, by, reason}."""
    if snooze is None:
        return None
    return {"until": snooze.until, "by": snooze.snoozed_by.username, "reason": snooze.reason}


def flags_with_snoozes(flags: list[dict], snoozes: dict[str, FlagSnooze]) -> list[dict]:
    """The score's flags, each saying whether its alerts are snoozed: the flag stays."""
    return [{**flag, "snoozed": snooze_note(snoozes.get(flag["code"]))} for flag in flags]


def snoozes_running(snoozes, today=None) -> dict[str, FlagSnooze]:
    """Each flag's running snooze (the newest, if several)."""
    today = today or timezone.now().date()
    running = sorted((s for s in snoozes if s.is_active(today)), key=lambda s: s.created_at)
    return {snooze.flag: snooze for snooze in running}


def sentiment_latest(account) -> Sentiment | None:
    return (
        Sentiment.objects.filter(account=account)
        .select_related("created_by")
        .order_by("-created_at", "-id")
        .first()
    )


def sentiment_history(account) -> QuerySet[Sentiment]:
    return (
        Sentiment.objects.filter(account=account)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def sentiment_payload(sentiment: Sentiment | None, today=None) -> dict | None:
    """The health payload's `sentiment`: {rating, reason, by, at, expires_on, stale}."""
    if sentiment is None:
        return None
    return {
        "rating": sentiment.rating,
        "reason": sentiment.reason,
        "by": sentiment.created_by.username,
        "at": sentiment.created_at,
        "expires_on": sentiment.expires_on,
        "stale": sentiment.is_stale(today),
    }


OPPOSITES = {("green", "red"), ("red", "green")}


def sentiment_disagrees(rating: str | None, rag: str | None, stale: bool = False) -> bool:
    """The CSM says green and the data says red, or the reverse (a current reading only)."""
    return not stale and (rating, rag) in OPPOSITES


def disagreement_words(rating: str, rag: str) -> str:
    return f"The CSM says {rating}; the data says {rag}."


def sentiments_latest_by_account(account_ids) -> dict[int, Sentiment]:
    """The newest sentiment of each of a page's accounts, in one query."""
    newest = Sentiment.objects.filter(account=OuterRef("account")).order_by("-created_at", "-id")
    rows = Sentiment.objects.filter(
        account_id__in=list(account_ids), pk=Subquery(newest.values("pk")[:1])
    ).select_related("created_by")
    return {row.account_id: row for row in rows}


def snoozes_active_for(account, today=None) -> dict[str, FlagSnooze]:
    return snoozes_running(snoozes_of(account), today)


def flag_label(code: str) -> str:
    return FLAG_LABELS.get(code, code)


class Due(models.TextChoices):
    """When an open action is due: the buckets of /my-work/ and the API's `due` filter."""

    OVERDUE = "overdue", "Overdue"
    TODAY = "today", "Due today"
    WEEK = "week", "This week"
    LATER = "later", "Later"


WEEK_DAYS = 7


def due_q(due: str, today) -> Q:
    """The open actions of one due bucket. `week`: due after today and within the next 7 days;
    `later`: after that, or with no due date."""
    horizon = today + timedelta(days=WEEK_DAYS)
    return {
        Due.OVERDUE: Q(due_on__lt=today),
        Due.TODAY: Q(due_on=today),
        Due.WEEK: Q(due_on__gt=today, due_on__lte=horizon),
        Due.LATER: Q(due_on__gt=horizon) | Q(due_on__isnull=True),
    }[due]


def open_actions_count(user) -> int:
    """The person's own open actions: the navigation's count (one index probe of
    action_status_owner_idx)."""
    return Action.objects.filter(owner=user, status=ActionStatus.OPEN).count()
