"""Reads of the audit trail: rows with who, what, when and from which request, and each
change as {field: [old, new]}.

pghistory's `Events` reads every event table as one, with each event's difference from the
previous event of the same object. Baseline snapshots (taken when the trail started) only serve
as that previous event; they are never listed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from pghistory.models import Events

from actions.timeline import Event
from audit import models as events

EVENT_MODELS = {
    "accounts.account": events.AccountEvent,
    "health.scorecard": events.ScorecardEvent,
    "health.scorecardversion": events.ScorecardVersionEvent,
    "actions.playbook": events.PlaybookEvent,
    "actions.rulesetting": events.RuleSettingEvent,
    "actions.webhook": events.WebhookEvent,
    "actions.sentiment": events.SentimentEvent,
    "actions.flagsnooze": events.FlagSnoozeEvent,
    "integrations.apikey": events.ApiKeyEvent,
    "auth.user": events.UserEvent,
    "auth.user_groups": events.RoleEvent,
}
OBJECT_TYPES = tuple(EVENT_MODELS)
# What touches one account: its own row, and the sentiment and snoozes recorded on it.
ACCOUNT_EVENT_MODELS = (events.AccountEvent, events.SentimentEvent, events.FlagSnoozeEvent)
BASELINE = "baseline"


@dataclass
class AuditRow:
    id: str
    at: datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    changes: dict
    request_id: str | None


def audit_events(*, object_type=None, object_id=None, actor=None) -> QuerySet:
    """Events newest first, narrowed by object type ("app_label.model"), object id and the
    username that made them."""
    across = [EVENT_MODELS[object_type]] if object_type else list(EVENT_MODELS.values())
    rows = Events.objects.across(*across).exclude(pgh_label=BASELINE)
    if object_id not in (None, ""):
        rows = rows.filter(pgh_obj_id=str(object_id))
    if actor:
        user_id = get_user_model().objects.filter(username=actor).values_list("pk", flat=True)
        rows = rows.filter(pgh_context__user=user_id.first()) if user_id else rows.none()
    return rows.order_by("-pgh_created_at", "-pgh_id")


def audit_events_of_account(account, since: datetime) -> QuerySet:
    rows = Events.objects.across(*ACCOUNT_EVENT_MODELS).references(account)
    rows = rows.exclude(pgh_label=BASELINE).filter(pgh_created_at__gte=since)
    return rows.order_by("-pgh_created_at", "-pgh_id")


def audit_rows(page) -> list[AuditRow]:
    """The rows of a page of events, with usernames read once for the page."""
    page = list(page)
    ids = {_context(event).get("user") for event in page} - {None}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    return [_row(event, names) for event in page]


def _context(event) -> dict:
    return event.pgh_context or {}


def _row(event, names: dict) -> AuditRow:
    context = _context(event)
    return AuditRow(
        id=event.pgh_slug, at=event.pgh_created_at, actor=names.get(context.get("user")),
        action=event.pgh_label, object_type=event.pgh_obj_model.lower(),
        object_id=event.pgh_obj_id, changes=changes_of(event),
        request_id=context.get("request_id"),
    )  # fmt: skip


def changes_of(event) -> dict:
    """{field: [old, new]}: everything set, for a create; everything cleared, for a delete;
    what differs from the object's previous event, for an update."""
    names = _field_names(event.pgh_model)
    data = {names.get(k, k): v for k, v in (event.pgh_data or {}).items()}
    if event.pgh_label == "create":
        return {field: [None, value] for field, value in data.items()}
    if event.pgh_label == "delete":
        return {field: [value, None] for field, value in data.items()}
    return {names.get(k, k): pair for k, pair in (event.pgh_diff or {}).items()}


def _field_names(event_model_label: str) -> dict:
    """Column to field name (csm_id -> csm), as the tracked model names its fields."""
    model = next(m for m in EVENT_MODELS.values() if m._meta.label == event_model_label)
    return {f.column: f.name for f in model._meta.concrete_fields}


def account_audit_timeline(account, since: datetime) -> list:
    """The account's changes as timeline events ("audit"), newest first."""
    rows = audit_rows(audit_events_of_account(account, since)[:TIMELINE_AUDIT_ROWS])
    return [
        Event(type="audit", at=row.at, by=row.actor or "a command",
              title=f"{row.object_type.split('.')[1]} {row.action}d",
              detail="; ".join(f"{field}: {_shown(old)} → {_shown(new)}"
                               for field, (old, new) in row.changes.items()))
        for row in rows
    ]  # fmt: skip


TIMELINE_AUDIT_ROWS = 50


def _shown(value) -> str:
    return "—" if value is None else str(value)
