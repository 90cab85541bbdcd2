"""Webhooks: what changed, as signed JSON, delivered by its own Celery task.

A scoring run only writes delivery rows (inside its transaction) and, after the commit, hands
their ids to the `actions.tasks.webhook_deliver` task: a slow or failing receiver delays its own
delivery, never the run. Each delivery is signed as Standard Webhooks defines it
(https://www.standardwebhooks.com): `webhook-id` (the same on every retry of one delivery),
`webhook-timestamp` (whole seconds, of this attempt) and `webhook-signature: v1,<base64
HMAC-SHA256 of "id.timestamp.body">` with the secret's decoded bytes, so a receiver verifies
with any Standard Webhooks library and refuses replays by their age. The older
`X-Candor-Signature: sha256=<hex HMAC-SHA256 of the body>` stays beside them; `X-Candor-Event`
names the event. A `slack` webhook gets Slack Block Kit messages instead (actions/slack.py).
"""

import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import orjson
from celery import current_app
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from actions import receivers
from actions.models import (
    PING,
    Action,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
)
from actions.slack import slack_message
from health.scoring.flags import FLAG_LABELS

logger = logging.getLogger(__name__)

DELIVER_TASK = "actions.tasks.webhook_deliver"
USER_AGENT = "Candor-Webhooks/1"


SECRET_PREFIX = "whsec_"


def signature(body: bytes, secret: str) -> str:
    """What a receiver recomputes: sha256=<hex HMAC-SHA256 of the raw body with the secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def secret_issue() -> str:
    """A new secret in Standard Webhooks' form: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The bytes a secret signs with: a whsec_ secret's decoded base64, else (a secret set
    before Standard Webhooks) its own bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def standard_headers(message_id: str, body: bytes, secret: str, at: int | None = None) -> dict:
    """Standard Webhooks' three headers for one attempt at sending `body`."""
    timestamp = str(int(time.time()) if at is None else at)
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def message_id(delivery_id: int) -> str:
    """One delivery's id, the same on each of its retries, so a receiver can drop a repeat."""
    return f"msg_{delivery_id}"


def body_for(event: str, data: dict) -> str:
    envelope = {
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "data": data,
    }
    return orjson.dumps(envelope, option=orjson.OPT_NON_STR_KEYS).decode()


def subscribers() -> dict[str, list[tuple[int, str]]]:
    """Active webhooks, as (id, kind), by the events they want."""
    wanted: dict[str, list[tuple[int, str]]] = {}
    hooks = Webhook.objects.filter(active=True).values_list("pk", "kind", "events")
    for pk, kind, events in hooks:
        for event in events or []:
            wanted.setdefault(event, []).append((pk, kind))
    return wanted


def body_for_kind(kind: str, event: str, data: dict) -> str | None:
    """What a webhook of this kind is sent for the event: a Slack message (or nothing, for an
    event a channel is not told about), else Candor's JSON envelope."""
    if kind == WebhookKind.SLACK:
        message = slack_message(event, data)
        return None if message is None else orjson.dumps(message).decode()
    return body_for(event, data)


def deliveries_queue(events: list[tuple[str, dict]], wanted=None) -> list[int]:
    """One delivery row per (event, subscribed webhook); sent once the transaction commits."""
    wanted = subscribers() if wanted is None else wanted
    rows = []
    for event, data in events:
        bodies = {}  # by kind: every generic webhook gets the same envelope
        for pk, kind in wanted.get(event, []):
            if kind not in bodies:
                bodies[kind] = body_for_kind(kind, event, data)
            if bodies[kind] is not None:
                rows.append(WebhookDelivery(webhook_id=pk, event=event, body=bodies[kind]))
    if not rows:
        return []
    ids = [row.pk for row in WebhookDelivery.objects.bulk_create(rows)]
    transaction.on_commit(lambda: deliveries_send(ids))
    return ids


def _account(account_id: int, accounts: dict) -> dict:
    account = accounts.get(account_id)
    if account is None:
        return {"id": account_id}
    return {"id": account["id"], "external_id": account["external_id"], "name": account["name"]}


def _accounts(ids) -> dict:
    from accounts.models import Account

    rows = Account.objects.filter(pk__in=list(ids)).values("id", "external_id", "name")
    return {row["id"]: row for row in rows}


def events_from_run(result) -> list[int]:
    """health.changed, flag.raised, flag.cleared and action.created from one rules run —
    built only when some active webhook wants them."""
    wanted = subscribers()
    if not wanted:
        return []
    involved = {c.account_id for c in result.changes}
    accounts = _accounts(involved) if involved else {}
    events = []
    if WebhookEvent.HEALTH_CHANGED in wanted:
        events += [
            (WebhookEvent.HEALTH_CHANGED, {
                "account": _account(c.account_id, accounts), "rag": c.rag,
                "previous_rag": c.previous_rag, "score": c.overall,
            })
            for c in result.changes if c.previous_rag and c.previous_rag != c.rag
        ]  # fmt: skip
    for event, pairs in ((WebhookEvent.FLAG_RAISED, result.raised),
                         (WebhookEvent.FLAG_CLEARED, result.cleared)):  # fmt: skip
        if event in wanted:
            events += [
                (event, {"account": _account(c.account_id, accounts), "flag": code,
                         "label": FLAG_LABELS.get(code, code), "rag": c.rag})
                for c, code in pairs
            ]  # fmt: skip
    ids = deliveries_queue(events, wanted)
    return ids + action_created(result.created, wanted)


def action_payload(action: Action) -> dict:
    return {
        "id": action.pk,
        "account": {"id": action.account_id, "external_id": action.account.external_id,
                    "name": action.account.name},
        "title": action.title, "reason": action.reason, "rule": action.rule,
        "flag": action.flag, "owner": action.owner.username if action.owner else None,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
    }  # fmt: skip


def action_created(action_ids, wanted=None) -> list[int]:
    wanted = subscribers() if wanted is None else wanted
    if not action_ids or WebhookEvent.ACTION_CREATED not in wanted:
        return []
    actions = Action.objects.filter(pk__in=action_ids).select_related("account", "owner")
    events = [(WebhookEvent.ACTION_CREATED, action_payload(action)) for action in actions]
    return deliveries_queue(events, wanted)


def ping_queue(webhook: Webhook) -> WebhookDelivery:
    body = body_for_kind(
        webhook.kind, PING, {"webhook": webhook.pk, "message": "Candor says hello."}
    )
    return WebhookDelivery.objects.create(webhook=webhook, event=PING, body=body)


_inline_pool: ThreadPoolExecutor | None = None
inline_futures: list = []  # deliveries the inline pool has not finished (tests wait on them)


def inline_pool() -> ThreadPoolExecutor:
    """Without a broker (eager Celery, local development), deliveries still leave the run's
    thread: a small pool sends them, so scoring never waits for a receiver."""
    global _inline_pool
    if _inline_pool is None:
        _inline_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="candor-webhooks")
    return _inline_pool


def _deliver_inline(delivery_id: int) -> None:
    try:
        current_app.tasks[DELIVER_TASK].apply(args=[delivery_id], throw=False)
    except Exception:
        logger.exception("Webhook delivery %s failed", delivery_id)
    finally:
        connections.close_all()


inline_timers: list = []  # retries waiting out their backoff in this process (tests join them)


def delivery_retry_inline(pk: int) -> None:
    """Without a broker nothing holds a countdown, so a failed delivery's next attempt waits
    out its backoff on a timer in this process, then goes to the inline pool: retries follow
    the same schedule as a worker's, never back to back."""
    attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=pk)

    def resend():
        inline_futures.append(inline_pool().submit(_deliver_inline, pk))

    timer = threading.Timer(backoff_seconds(max(attempts - 1, 0)), resend)
    timer.daemon = True
    inline_timers[:] = [t for t in inline_timers if t.is_alive()] + [timer]
    timer.start()


def delivery_send_now(pk: int) -> None:
    """A delivery someone is waiting for (a ping): inline when Celery is eager, else queued."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.tasks[DELIVER_TASK].apply(args=[pk], throw=False)
    else:
        deliveries_send([pk])


def deliveries_send(ids) -> list:
    """Queue each delivery on the broker, or on the inline pool when Celery is eager, and mark
    it queued. One the broker refused stays unqueued (and pending) for the resend sweep."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        futures = [inline_pool().submit(_deliver_inline, pk) for pk in ids]
        inline_futures[:] = [f for f in inline_futures if not f.done()] + futures
        _mark_queued(ids, timezone.now())
        return futures
    refused = [pk for pk in ids if not _publish(pk)]
    _mark_queued(set(ids) - set(refused), timezone.now())
    _mark_queued(refused, None)
    return []


def _publish(pk: int) -> bool:
    try:
        current_app.send_task(DELIVER_TASK, args=[pk])
    except Exception:
        logger.warning("Webhook delivery %s not queued; the resend sweep will", pk, exc_info=True)
        return False
    return True


def _mark_queued(ids, when) -> None:
    if ids:
        WebhookDelivery.objects.filter(pk__in=list(ids)).update(queued_at=when)


UNQUEUED_GRACE = timedelta(minutes=1)  # covers the moment between the commit and the queueing
RESEND_BATCH = 1000


def deliveries_unqueued_send() -> list[int]:
    """The resend sweep: pending deliveries the broker never took (it was down), older than a
    minute, are claimed and queued again. A delivery on the queue, being retried or finished
    is never claimed, so none is sent twice."""
    cutoff = timezone.now() - UNQUEUED_GRACE
    with transaction.atomic():
        waiting = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryStatus.PENDING, queued_at__isnull=True, created_at__lt=cutoff
        )
        ids = list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)[:RESEND_BATCH])
        _mark_queued(ids, timezone.now())
    if ids:
        deliveries_send(ids)
    return ids


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver answers for itself: a redirect is an answer (3xx), never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# Straight to the receiver, never through a proxy from the environment: the connection goes
# only to the public addresses just checked (actions.receivers).
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirects, receivers.PublicHTTPHandler,
    receivers.PublicHTTPSHandler,
)  # fmt: skip


def post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, str]:
    """POST the body; (status code or None, error text or ''). Raises HostRefused, before
    anything is sent, when the URL's host is not public."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        if isinstance(error.reason, receivers.HostRefused):
            raise error.reason from None
        return None, str(error.reason)[:500]
    except (OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:500]


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery once. Returns its status after the attempt: succeeded, failed (no
    attempts left) or pending (the task retries it later). Safe to repeat: a delivery that is
    no longer pending is not sent again."""
    delivery = (
        WebhookDelivery.objects.select_related("webhook")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:
        return "gone"
    hook = delivery.webhook
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "X-Candor-Event": delivery.event, "X-Candor-Delivery": str(delivery.pk),
        "X-Candor-Signature": signature(body, hook.secret),
        **standard_headers(message_id(delivery.pk), body, hook.secret),
    }  # fmt: skip
    try:
        code, error = post(hook.url, body, headers, settings.CANDOR["WEBHOOK_TIMEOUT_SECONDS"])
    except receivers.HostRefused as refused:
        return _record(delivery, None, f"Not sent: {refused}", final=True)
    return _record(delivery, code, error)


def _record(delivery, code, error, final=False) -> str:
    attempts = delivery.attempts + 1
    if code is not None and 200 <= code < 300:
        status, error = DeliveryStatus.SUCCEEDED, ""
    elif final or attempts >= settings.CANDOR["WEBHOOK_MAX_ATTEMPTS"]:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1, status_code=code, last_error=error, status=status,
        delivered_at=timezone.now() if status == DeliveryStatus.SUCCEEDED else None,
    )  # fmt: skip
    return status


def backoff_seconds(retries: int) -> int:
    """Exponential: base, 2 x base, 4 x base ... capped at an hour."""
    return min(settings.CANDOR["WEBHOOK_BACKOFF_SECONDS"] * 2**retries, 3600)
