"""Against a real Celery worker on Redis (CI); skipped when REDIS_URL is not set."""

import json
import os

import pytest
from django.utils import timezone

from actions import webhooks
from actions.models import Action, Webhook, WebhookDelivery
from health import tasks
from tests.factories import make_account, make_signal
from tests.health.test_celery_worker import wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL and a worker"),
    pytest.mark.django_db(transaction=True),
]


def test_the_worker_scores_raises_actions_and_delivers_their_webhooks(worker, alice, receiver):
    Webhook.objects.create(url=receiver.url, secret="s" * 20, events=["action.created"])
    account = make_account(csm=alice, crm_status="Onboarded")
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    tasks.score_accounts.delay([account.pk])
    assert wait_for(lambda: Action.objects.filter(account=account).exists())
    count = Action.objects.filter(account=account).count()
    assert wait_for(lambda: receiver.answered == count)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    bodies = [json.loads(request.body) for request in receiver.requests]
    assert {body["data"]["account"]["id"] for body in bodies} == {account.pk}


def test_the_worker_retries_a_failing_receiver(worker, alice, receiver, settings):
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_BACKOFF_SECONDS": 0}
    receiver.answers = [500]
    hook = Webhook.objects.create(url=receiver.url, secret="s" * 20, events=["flag.raised"])
    delivery = webhooks.ping_queue(hook)
    webhooks.deliveries_send([delivery.pk])
    assert wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "succeeded")
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 2
