"""Webhooks post only to public hosts: refused when saved, and again when a delivery connects."""

import socket

import pytest

from actions import receivers, webhooks
from actions.models import Webhook, WebhookDelivery
from actions.tasks import webhook_deliver

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"


def answers(*addresses, port=443):
    return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
             (a, port)) for a in addresses]  # fmt: skip


@pytest.fixture
def dns(monkeypatch):
    """Names resolve to what the test says (no real DNS); addresses to themselves."""
    table = {}

    def resolve(host, port):
        return answers(*table.get(host, [host]), port=port)

    monkeypatch.setattr(receivers, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("0.0.0.0", "unspecified"),
        ("10.1.2.3", "private"), ("172.16.0.9", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"), ("::ffff:127.0.0.1", "loopback"), ("100.64.0.1", "non-public"),
        (PUBLIC, None), ("2606:4700::1111", None),
    ],
)  # fmt: skip
def test_each_kind_of_non_public_address_is_named(address, kind):
    assert receivers.address_kind(address) == kind


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://0.0.0.0/",
        "http://224.0.0.1/hook", "http://[::ffff:10.0.0.1]/hook",
    ],
)  # fmt: skip
def test_a_webhook_to_a_non_public_address_is_refused(as_vera, url):
    response = as_vera.post("/api/v1/webhooks/", {"url": url, "events": ["flag.raised"]},
                            format="json")  # fmt: skip
    assert response.status_code == 400
    assert "only post to public hosts" in response.json()["url"][0]
    assert not Webhook.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused(as_vera, dns):
    dns["hooks.example.com"] = [PUBLIC, "10.0.0.7"]
    body = {"url": "https://hooks.example.com/candor", "events": ["flag.raised"]}
    response = as_vera.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400
    assert response.json()["url"] == [
        "hooks.example.com resolves to 10.0.0.7, which is a private address; "
        "webhooks only post to public hosts."
    ]


def test_a_name_that_resolves_to_public_addresses_is_accepted(as_vera, dns):
    dns["hooks.example.com"] = [PUBLIC]
    body = {"url": "https://hooks.example.com/candor", "events": ["flag.raised"]}
    assert as_vera.post("/api/v1/webhooks/", body, format="json").status_code == 201


def test_changing_a_webhook_to_a_private_address_is_refused(as_vera, dns):
    dns["hooks.example.com"] = [PUBLIC]
    hook = Webhook.objects.create(url="https://hooks.example.com/x", secret="s" * 20,
                                  events=["flag.raised"])  # fmt: skip
    response = as_vera.patch(f"/api/v1/webhooks/{hook.pk}/", {"url": "http://192.168.0.10/x"},
                             format="json")  # fmt: skip
    assert response.status_code == 400 and "url" in response.json()
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.com/x"


def test_private_hosts_are_allowed_when_the_setting_says_so(as_vera, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    body = {"url": "http://10.0.0.5/hook", "events": ["flag.raised"]}
    assert as_vera.post("/api/v1/webhooks/", body, format="json").status_code == 201


def test_a_port_out_of_range_is_refused(as_vera):
    body = {"url": "https://hooks.example.com:99999/x", "events": ["flag.raised"]}
    response = as_vera.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400 and "url" in response.json()


def test_private_hosts_are_refused_by_default(settings):
    assert settings.WEBHOOK_ALLOW_PRIVATE_HOSTS is False


def test_a_delivery_to_a_host_that_became_private_fails_without_sending(receiver, settings):
    """Saved while allowed (as a public name could be), refused when the delivery connects."""
    hook = Webhook.objects.create(url=receiver.url, secret="s" * 20, events=["flag.raised"])
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("failed", 1, None)
    assert delivery.last_error == (
        "Not sent: 127.0.0.1 is a loopback address; webhooks only post to public hosts."
    )
    assert receiver.requests == []


def test_a_name_rebound_to_a_private_address_after_the_check_is_not_connected_to(
    receiver, settings, dns
):
    """DNS rebinding: the name was public when saved; the connection checks what it dials."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    dns["hooks.example.com"] = [PUBLIC]
    port = receiver.url.split(":")[2].split("/")[0]
    hook = Webhook.objects.create(url=f"http://hooks.example.com:{port}/hook", secret="s" * 20,
                                  events=["flag.raised"])  # fmt: skip
    dns["hooks.example.com"] = ["127.0.0.1"]
    delivery = webhooks.ping_queue(hook)
    webhook_deliver.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "resolves to 127.0.0.1, which is a loopback address" in delivery.last_error
    assert receiver.requests == [] and WebhookDelivery.objects.count() == 1
