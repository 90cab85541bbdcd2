"""Celery tasks: they take ids, call a service, and are safe to retry."""

from celery import shared_task

from actions import webhooks
from actions.digests import digests_send
from actions.models import DeliveryStatus


@shared_task(bind=True, max_retries=None, acks_late=True, time_limit=120, soft_time_limit=100)
def webhook_deliver(self, delivery_id):
    """Send one webhook delivery; a failure is retried with exponential backoff until the
    delivery runs out of attempts (the delivery row counts them, not Celery). Run eagerly (no
    broker, so no countdown), the attempts follow each other at once."""
    status = webhooks.delivery_attempt(delivery_id=delivery_id)
    while status == DeliveryStatus.PENDING and self.request.is_eager:
        status = webhooks.delivery_attempt(delivery_id=delivery_id)
    if status == DeliveryStatus.PENDING:
        raise self.retry(countdown=webhooks.backoff_seconds(self.request.retries))
    return status


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def webhook_deliveries_resend():
    """Beat: queue again the pending deliveries the broker could not take when they were made."""
    return len(webhooks.deliveries_unqueued_send())


@shared_task(bind=True, acks_late=True)
def send_digests(self):
    """The morning digest (beat schedule): each CSM's new actions and biggest drops, each VP's
    portfolio changes."""
    result = digests_send(dry_run=False)
    return {"sent": result["sent"], "skipped": result["skipped"]}
