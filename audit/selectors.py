"""Reads of the audit trail: rows with who, what, when and from which request, and each
change as {field: [old, new]}.

A page is chosen first, over every event table at once (a UNION ALL of narrow rows, newest
first); only its rows are then read whole, with each one's previous event of the same object
to say what changed. (pghistory's own `Events` view diffs every event before it pages, which
took minutes at 60,000 events; this reads a page in milliseconds.) Baseline snapshots, taken
when the trail started, only serve as that previous event and are never listed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from pghistory.models import Context

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
    "sources.source": events.SourceEvent,
    "health.componentoverride": events.ComponentOverrideEvent,
    "auth.user": events.UserEvent,
    "auth.user_groups": events.RoleEvent,
}
OBJECT_TYPES = tuple(EVENT_MODELS)
# What touches one account: its own row, and the sentiment and snoozes recorded on it.
ACCOUNT_EVENTS = {"accounts.account": "pgh_obj_id", "actions.sentiment": "account_id",
                  "actions.flagsnooze": "account_id",
                  "health.componentoverride": "account_id"}  # fmt: skip
BASELINE = "baseline"
LISTED = ("pgh_id", "pgh_created_at", "object_type")


@dataclass
class AuditRow:
    at: datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    changes: dict
    request_id: str | None


def _narrow(object_type: str, condition: Q):
    """One event table's rows as (pgh_id, pgh_created_at, object_type), baselines left out."""
    model = EVENT_MODELS[object_type]
    rows = model.objects.filter(condition).exclude(pgh_label=BASELINE)
    return rows.annotate(object_type=Value(object_type, output_field=CharField())).values_list(
        *LISTED
    )


def _union(parts):
    first, *rest = parts
    rows = first.union(*rest, all=True) if rest else first
    return rows.order_by("-pgh_created_at", "-pgh_id")


def audit_events(*, object_type=None, object_id=None, actor=None):
    """(event id, time, object type) newest first, narrowed by object type ("app_label.model"),
    object id and the username that made them; a page of it goes to `audit_rows`."""
    condition = Q()
    if object_id is not None:
        condition &= Q(pgh_obj_id=object_id)
    if actor:
        user_id = get_user_model().objects.filter(username=actor).values_list("pk", flat=True)
        condition &= Q(pgh_context__metadata__user=user_id.first()) if user_id else Q(pk__in=[])
    types = [object_type] if object_type else OBJECT_TYPES
    return _union([_narrow(kind, condition) for kind in types])


def audit_events_of_account(account, since: datetime):
    parts = [_narrow(kind, Q(**{column: account.pk}, pgh_created_at__gte=since))
             for kind, column in ACCOUNT_EVENTS.items()]  # fmt: skip
    return _union(parts)


def audit_rows(page) -> list[AuditRow]:
    """The page's events read whole, with their previous events, contexts and usernames: two
    queries per event table on the page, one for the contexts, one for the people."""
    page = list(page)
    ids_by_type: dict[str, list[int]] = {}
    for pgh_id, _at, kind in page:
        ids_by_type.setdefault(kind, []).append(pgh_id)
    read = {}
    for kind, ids in ids_by_type.items():
        read.update({(kind, e.pgh_id): (e, prev) for e, prev in _with_previous(kind, ids)})
    contexts = _contexts([event for event, _ in read.values()])
    return [_row(kind, *read[(kind, pgh_id)], contexts) for pgh_id, _at, kind in page]


def _with_previous(kind: str, ids: list[int]):
    model = EVENT_MODELS[kind]
    earlier = model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
    rows = list(model.objects.filter(pgh_id__in=ids).annotate(
        previous_id=Subquery(earlier.order_by("-pgh_id").values("pgh_id")[:1])
    ))  # fmt: skip
    previous = model.objects.in_bulk([r.previous_id for r in rows if r.previous_id])
    return [(row, previous.get(row.previous_id)) for row in rows]


def _contexts(rows) -> dict:
    ids = {row.pgh_context_id for row in rows} - {None}
    metadata = dict(Context.objects.filter(pk__in=ids).values_list("pk", "metadata"))
    people = {m.get("user") for m in metadata.values()} - {None}
    names = dict(get_user_model().objects.filter(pk__in=people).values_list("pk", "username"))
    return {pk: {**m, "username": names.get(m.get("user"))} for pk, m in metadata.items()}


def _row(kind: str, event, previous, contexts: dict) -> AuditRow:
    context = contexts.get(event.pgh_context_id, {})
    return AuditRow(
        at=event.pgh_created_at, actor=context.get("username"), action=event.pgh_label,
        object_type=kind, object_id=str(event.pgh_obj_id),
        changes=changes_of(event, previous), request_id=context.get("request_id"),
    )  # fmt: skip


def _values(event) -> dict:
    """The tracked fields of an event row, by field name (csm, not csm_id), as JSON values."""
    fields = [f for f in event._meta.concrete_fields if not f.name.startswith("pgh_")]
    return {f.name: _plain(f.value_from_object(event)) for f in fields}


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)  # dates, times, decimals, uuids


def changes_of(event, previous) -> dict:
    """{field: [old, new]}: everything set, for a create; everything cleared, for a delete;
    what differs from the object's previous event, for an update."""
    now = _values(event)
    if event.pgh_label == "create":
        return {field: [None, value] for field, value in now.items()}
    if event.pgh_label == "delete":
        return {field: [value, None] for field, value in now.items()}
    before = _values(previous) if previous is not None else {}
    return {f: [before.get(f), v] for f, v in now.items() if before.get(f) != v}


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
