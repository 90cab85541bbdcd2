"""Webhooks: signed JSON a receiver can verify, retried with backoff, logged, VPs only."""

import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from actions import webhooks
from actions.models import Webhook, WebhookDelivery
from actions.services import actions_raise
from actions.tasks import webhook_deliver
from tests.actions.conftest import inline_retries_finish
from tests.factories import give_health, make_account

pytestmark = pytest.mark.django_db

SECRET = "a-shared-secret-of-some-length"


@pytest.fixture
def hook(receiver, vera):
    return Webhook.objects.create(
        url=receiver.url, secret=SECRET, created_by=vera,
        events=["health.changed", "flag.raised", "flag.cleared", "action.created"],
    )  # fmt: skip


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does with X-Candor-Signature."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def deliver_all():
    for pk in WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True):
        webhook_deliver.apply(args=[pk])


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(hook, receiver):
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    [request] = receiver.requests
    assert verify(SECRET, request.body, request.headers["X-Candor-Signature"])
    assert not verify("another-secret", request.body, request.headers["X-Candor-Signature"])
    assert request.headers["X-Candor-Event"] == "ping"
    assert json.loads(request.body)["event"] == "ping"


@pytest.fixture
def quick_backoff(settings):
    """Retries a tenth of a second apart, doubling, and each test's timers done before the next."""
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_BACKOFF_SECONDS": 0.1}
    yield
    inline_retries_finish()


@pytest.mark.django_db(transaction=True)  # the retries run on the inline pool's threads
def test_a_receiver_answering_500_is_retried_until_it_accepts(hook, receiver, quick_backoff):
    receiver.answers = [500, 500]
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    inline_retries_finish()
    delivery.refresh_from_db()
    assert len(receiver.requests) == 3
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("succeeded", 3, 200)


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(
    hook, receiver, settings, quick_backoff
):
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_MAX_ATTEMPTS": 3}
    receiver.answers = [500] * 10
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    inline_retries_finish()
    delivery.refresh_from_db()
    assert len(receiver.requests) == 3
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("failed", 3, 500)
    assert "500" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_retries_wait_out_a_doubling_backoff(hook, receiver, quick_backoff):
    receiver.answers = [500, 500]
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    assert len(receiver.requests) == 1  # the retry waits; it does not follow at once
    inline_retries_finish()
    first, second, third = (request.at for request in receiver.requests)
    assert (second - first >= 0.1, third - second >= 0.2) == (True, True)


def test_without_a_worker_a_failed_delivery_is_not_retried_at_once(hook, receiver):
    receiver.answers = [500]
    delivery = webhooks.ping_queue(hook)
    assert webhook_deliver.apply(args=[delivery.pk]).get() == "pending"
    delivery.refresh_from_db()
    assert (len(receiver.requests), delivery.attempts, delivery.status) == (1, 1, "pending")
    for timer in webhooks.inline_timers:
        timer.cancel()  # the next attempt is 30 s away by default


def test_an_unreachable_receiver_is_logged_with_its_error(vera, settings):
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_MAX_ATTEMPTS": 1}
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    hook = Webhook.objects.create(url="http://127.0.0.1:9/nothing", secret=SECRET, events=[])
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code) == ("failed", None)
    assert delivery.last_error


def test_backoff_doubles_with_each_retry(settings):
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_BACKOFF_SECONDS": 30}
    assert [webhooks.backoff_seconds(n) for n in range(4)] == [30, 60, 120, 240]


def test_a_delivered_delivery_is_not_sent_twice(hook, receiver):
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    webhook_deliver.apply(args=[delivery.pk])
    assert len(receiver.requests) == 1


def test_a_rules_run_queues_the_events_it_found(hook, receiver, alice):
    account = make_account(csm=alice)
    give_health(account, overall=55, rag="amber", flags=["custom_terms"])
    actions_raise(account_ids=[account.pk], as_of=timezone.now().date())
    WebhookDelivery.objects.all().delete()
    give_health(account, overall=35, rag="red", flags=["champion_left"])
    actions_raise(account_ids=[account.pk], as_of=timezone.now().date())
    events = sorted(WebhookDelivery.objects.values_list("event", flat=True))
    assert events == ["action.created", "action.created", "flag.cleared", "flag.raised",
                      "health.changed"]  # fmt: skip
    deliver_all()
    bodies = {r.headers["X-Candor-Event"]: json.loads(r.body) for r in receiver.requests}
    assert bodies["health.changed"]["data"]["rag"] == "red"
    assert bodies["health.changed"]["data"]["previous_rag"] == "amber"
    assert bodies["flag.raised"]["data"]["flag"] == "champion_left"
    assert bodies["flag.cleared"]["data"]["flag"] == "custom_terms"


def test_only_subscribed_events_are_queued(receiver, vera, alice):
    Webhook.objects.create(url=receiver.url, secret=SECRET, events=["flag.cleared"])
    account = make_account(csm=alice)
    give_health(account, overall=35, rag="red", flags=["champion_left"])
    actions_raise(account_ids=[account.pk], as_of=timezone.now().date())
    assert not WebhookDelivery.objects.exists()


def test_an_inactive_webhook_gets_nothing(hook, alice):
    Webhook.objects.update(active=False)
    account = make_account(csm=alice)
    give_health(account, overall=35, rag="red", flags=["champion_left"])
    actions_raise(account_ids=[account.pk], as_of=timezone.now().date())
    assert not WebhookDelivery.objects.exists()
