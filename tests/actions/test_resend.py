"""Pending deliveries survive a broker outage: the resend sweep queues them again, once."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from actions import webhooks
from actions.models import Webhook, WebhookDelivery
from actions.tasks import webhook_deliver, webhook_deliveries_resend
from candor.celery import app

pytestmark = pytest.mark.django_db


class Broker:
    """Stands in for the broker: down (refuses every task) or up (hands each to a worker)."""

    def __init__(self):
        self.down = False
        self.sent: list[int] = []
        self.worker = None

    def send_task(self, name, args=(), **kwargs):
        if self.down:
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")
        self.sent.append(args[0])
        if self.worker:
            self.worker(*args)


@pytest.fixture
def broker(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = Broker()
    monkeypatch.setattr(app, "send_task", broker.send_task)
    return broker


@pytest.fixture
def hook(db):
    return Webhook.objects.create(url="https://hooks.example.com/x", secret="s" * 20,
                                  events=["flag.raised"])  # fmt: skip


def made(hook, minutes_ago=2, **fields) -> WebhookDelivery:
    delivery = webhooks.ping_queue(hook)
    created = timezone.now() - timezone.timedelta(minutes=minutes_ago)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=created, **fields)
    return delivery


def test_a_delivery_the_broker_refused_stays_pending_and_unqueued(broker, hook):
    broker.down = True
    delivery = made(hook)
    webhooks.deliveries_send([delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.queued_at) == ("pending", None)


def test_a_delivery_the_broker_took_is_marked_queued(broker, hook):
    delivery = made(hook)
    webhooks.deliveries_send([delivery.pk])
    delivery.refresh_from_db()
    assert broker.sent == [delivery.pk] and delivery.queued_at is not None


def test_the_sweep_queues_a_pending_delivery_the_broker_refused(broker, hook):
    broker.down = True
    delivery = made(hook)
    webhooks.deliveries_send([delivery.pk])
    broker.down = False
    assert webhook_deliveries_resend.apply().get() == 1
    assert broker.sent == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.queued_at is not None


def test_the_sweep_waits_a_minute_before_queueing_again(broker, hook):
    made(hook, minutes_ago=0)
    assert webhooks.deliveries_unqueued_send() == []
    assert broker.sent == []


def test_the_sweep_leaves_deliveries_in_flight_or_finished_alone(broker, hook):
    made(hook, queued_at=timezone.now())  # on the queue, or waiting for its retry
    made(hook, status="succeeded", queued_at=None)
    made(hook, status="failed", queued_at=None)
    assert webhooks.deliveries_unqueued_send() == []
    assert broker.sent == []


def test_a_delivery_still_refused_is_tried_again_by_the_next_sweep(broker, hook):
    delivery = made(hook)
    broker.down = True
    webhooks.deliveries_unqueued_send()
    delivery.refresh_from_db()
    assert delivery.queued_at is None
    broker.down = False
    assert webhooks.deliveries_unqueued_send() == [delivery.pk]


def test_a_swept_delivery_reaches_the_receiver_once(broker, receiver, settings):
    hook = Webhook.objects.create(url=receiver.url, secret="s" * 20, events=["flag.raised"])
    delivery = made(hook)
    broker.worker = lambda pk: webhook_deliver.apply(args=[pk])
    webhooks.deliveries_unqueued_send()
    webhooks.deliveries_unqueued_send()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert len(receiver.requests) == 1 and broker.sent == [delivery.pk]


def test_beat_runs_the_sweep_every_five_minutes_by_default():
    entry = django_settings.CELERY_BEAT_SCHEDULE["resend-unqueued-webhook-deliveries"]
    assert entry["task"] == webhook_deliveries_resend.name
    assert entry["schedule"] == 300
