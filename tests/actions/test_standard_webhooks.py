"""Standard Webhooks: deliveries verified by the `standardwebhooks` library, as a receiver
would; whsec_ secrets; one webhook-id across retries; a replayed old delivery refused."""

import base64
import time

import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from actions import webhooks
from actions.models import Webhook
from actions.tasks import webhook_deliver
from tests.actions.conftest import inline_retries_finish

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(receiver, vera):
    return Webhook.objects.create(
        url=receiver.url, secret=webhooks.secret_issue(), created_by=vera, events=["flag.raised"]
    )


def standard(request) -> dict:
    """The Standard Webhooks headers, by lower-case name (HTTP names are case-insensitive)."""
    return {k.lower(): v for k, v in request.headers.items() if k.lower().startswith("webhook-")}


def ping(hook):
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    return delivery


def test_a_new_webhook_is_issued_a_whsec_secret_of_32_bytes(as_vera, receiver):
    answer = as_vera.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["flag.raised"]}, format="json"
    )
    secret = answer.json()["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32


def test_a_delivery_verifies_with_the_standard_webhooks_library(hook, receiver):
    ping(hook)
    [request] = receiver.requests
    payload = Verifier(hook.secret).verify(request.body, standard(request))
    assert payload["event"] == "ping"


def test_a_delivery_signed_with_another_secret_is_refused_by_the_library(hook, receiver):
    ping(hook)
    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Verifier(webhooks.secret_issue()).verify(request.body, standard(request))


def test_a_replay_with_an_old_timestamp_is_refused_by_the_library(hook, receiver, monkeypatch):
    ten_minutes_ago = time.time() - 600
    monkeypatch.setattr(webhooks.time, "time", lambda: ten_minutes_ago)
    ping(hook)
    [request] = receiver.requests
    assert int(standard(request)["webhook-timestamp"]) == int(ten_minutes_ago)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Verifier(hook.secret).verify(request.body, standard(request))


def test_the_timestamp_is_whole_seconds(hook, receiver):
    ping(hook)
    assert standard(receiver.requests[0])["webhook-timestamp"].isdigit()


@pytest.mark.django_db(transaction=True)  # the retries run on the inline pool's threads
def test_every_retry_of_a_delivery_carries_the_same_webhook_id(hook, receiver, settings):
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_BACKOFF_SECONDS": 0.1}
    receiver.answers = [500, 503]
    delivery = ping(hook)
    inline_retries_finish()
    ids = {standard(request)["webhook-id"] for request in receiver.requests}
    assert len(receiver.requests) == 3
    assert ids == {f"msg_{delivery.pk}"}
    for request in receiver.requests:
        Verifier(hook.secret).verify(request.body, standard(request))


def test_two_deliveries_have_different_webhook_ids(hook, receiver):
    ping(hook)
    ping(hook)
    assert len({standard(r)["webhook-id"] for r in receiver.requests}) == 2


def test_the_candor_signature_stays_beside_the_standard_one(hook, receiver):
    ping(hook)
    [request] = receiver.requests
    assert request.headers["X-Candor-Signature"] == webhooks.signature(request.body, hook.secret)


def test_a_secret_from_before_whsec_signs_with_its_own_bytes(receiver, vera):
    old = "a-shared-secret-of-some-length"
    hook = Webhook.objects.create(url=receiver.url, secret=old, events=["flag.raised"])
    ping(hook)
    [request] = receiver.requests
    as_standard = "whsec_" + base64.b64encode(old.encode()).decode()
    Verifier(as_standard).verify(request.body, standard(request))


def test_a_whsec_secret_that_is_not_base64_is_refused(as_vera, receiver):
    answer = as_vera.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["flag.raised"], "secret": "whsec_not base64 at all!"},
        format="json",
    )
    assert answer.status_code == 400
    assert "secret" in answer.json()
    assert not Webhook.objects.exists()
