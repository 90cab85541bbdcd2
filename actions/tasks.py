"""Celery tasks: they take ids, call a service, and are safe to retry."""

from celery import shared_task

from actions import webhooks
from actions.digests import digests_send
from actions.models import DeliveryStatus


@shared_task(bind=True, max_retries=None, acks_late=True, time_limit=120, soft_time_limit=100)
def webhook_deliver(self, delivery_id):
    """Send one webhook delivery; a failure is retried with exponential backoff until the
    delivery runs out of attempts (the delivery row counts them, not Celery). Run eagerly (no
    broker to hold a countdown), the retry waits out the same backoff on a timer in-process."""
    status = webhooks.delivery_attempt(delivery_id=delivery_id)
    if status != DeliveryStatus.PENDING:
        return status
    if self.request.is_eager:
        webhooks.delivery_retry_inline(delivery_id)
        return status
    raise self.retry(countdown=webhooks.backoff_seconds(self.request.retries))


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
