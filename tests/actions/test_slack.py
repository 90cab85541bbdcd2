"""Slack webhooks: Block Kit messages, checked by a local receiver, for a flag raised, an account
entering red, a flag cleared, a renewal at risk and the daily digest, each linking to the account."""

import json
from decimal import Decimal

import pytest
from django.conf import settings

from actions import webhooks
from actions.digests import digests_send
from actions.models import Action, Webhook, WebhookDelivery
from actions.tasks import webhook_deliver
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db

BLOCK_TYPES = {"section", "context", "actions"}
EVENTS = ["flag.raised", "health.changed", "action.created", "digest"]


def assert_block_kit(message: dict) -> None:
    """The shape Slack's incoming webhooks accept: a fallback text and known blocks."""
    assert set(message) == {"text", "blocks"}
    assert isinstance(message["text"], str) and message["text"]
    assert 0 < len(message["blocks"]) <= 50
    for block in message["blocks"]:
        assert block["type"] in BLOCK_TYPES
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn" and len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert all(e["type"] == "mrkdwn" for e in block["elements"])
        if block["type"] == "actions":
            for button in block["elements"]:
                assert button["type"] == "button" and button["text"]["type"] == "plain_text"


def button_url(message: dict) -> str:
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    return actions["elements"][0]["url"]


@pytest.fixture
def slack(receiver, vera):
    return Webhook.objects.create(url=receiver.url, secret=webhooks.secret_issue(), kind="slack",
                                  events=EVENTS, created_by=vera)  # fmt: skip


@pytest.fixture
def account(alice):
    return make_account(csm=alice, name="Harbor Foods")


def delivered(receiver) -> list[dict]:
    for pk in WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True):
        webhook_deliver.apply(args=[pk])
    return [json.loads(request.body) for request in receiver.requests]


def account_data(account) -> dict:
    return {"id": account.pk, "external_id": account.external_id, "name": account.name}


def test_a_raised_flag_posts_a_block_kit_message_linking_to_the_account(slack, receiver, account):
    data = {"account": account_data(account), "flag": "renewal_without_engagement",
            "label": "Renewal without engagement", "rag": "amber"}  # fmt: skip
    webhooks.deliveries_queue([("flag.raised", data)])
    [message] = delivered(receiver)
    assert_block_kit(message)
    assert "Harbor Foods" in message["text"] and "Renewal without engagement" in message["text"]
    assert button_url(message) == f"{settings.SITE_URL}/accounts/{account.pk}/"


def test_entering_red_is_posted(slack, receiver, account):
    data = {"account": account_data(account), "rag": "red", "previous_rag": "amber", "score": 31.0}
    webhooks.deliveries_queue([("health.changed", data)])
    [message] = delivered(receiver)
    assert_block_kit(message)
    assert "entered red" in message["text"]


def test_a_move_to_amber_is_not_posted_to_slack(slack, receiver, account):
    data = {"account": account_data(account), "rag": "amber", "previous_rag": "green", "score": 60}
    assert webhooks.deliveries_queue([("health.changed", data)]) == []


def test_a_renewal_at_risk_action_is_posted(slack, receiver, account, alice):
    action = Action.objects.create(account=account, title="Call the sponsor",
                                   rule="renewal_at_risk", reason="Renews in 40 days.", owner=alice)  # fmt: skip
    webhooks.action_created([action.pk])
    [message] = delivered(receiver)
    assert_block_kit(message)
    assert "renewal at risk" in message["text"]
    assert button_url(message).endswith(f"/accounts/{account.pk}/")


def test_other_actions_are_not_posted_to_slack(slack, receiver, account, alice):
    action = Action.objects.create(account=account, title="Look", rule="score_drop", owner=alice)
    assert webhooks.action_created([action.pk]) == []


def test_the_daily_digest_is_posted(slack, receiver, alice):
    dropping = make_account(csm=alice, name="Quay Metals", arr=Decimal(90_000))
    give_health(dropping, overall=80, rag="green", as_of=days_ago(1))
    give_health(dropping, overall=35, rag="red")
    digests_send(dry_run=False)
    [message] = delivered(receiver)
    assert_block_kit(message)
    assert "daily digest" in message["text"]
    assert "Quay Metals" in json.dumps(message["blocks"])
    assert f"/accounts/{dropping.pk}/" in json.dumps(message["blocks"])


def test_a_generic_webhook_beside_it_still_gets_candors_envelope(slack, receiver, account, vera):
    Webhook.objects.create(url=receiver.url, secret=webhooks.secret_issue(), events=EVENTS)
    data = {"account": account_data(account), "rag": "red", "previous_rag": "amber", "score": 31}
    webhooks.deliveries_queue([("health.changed", data)])
    messages = delivered(receiver)
    assert sorted("blocks" in m for m in messages) == [False, True]
    assert next(m for m in messages if "event" in m)["data"]["rag"] == "red"


def test_a_slack_ping_is_a_block_kit_message(slack, receiver):
    webhook_deliver.apply(args=[webhooks.ping_queue(slack).pk])
    [request] = receiver.requests
    assert_block_kit(json.loads(request.body))


def test_a_cleared_flag_is_posted(receiver, vera, account):
    Webhook.objects.create(url=receiver.url, secret=webhooks.secret_issue(), kind="slack",
                           events=["flag.cleared"], created_by=vera)  # fmt: skip
    data = {"account": account_data(account), "flag": "champion_left",
            "label": "Champion left", "rag": "green"}  # fmt: skip
    webhooks.deliveries_queue([("flag.cleared", data)])
    [message] = delivered(receiver)
    assert_block_kit(message)
    assert "flag cleared" in message["text"] and "Champion left" in message["text"]


def test_a_slack_webhook_may_take_every_event(as_vera, receiver):
    events = ["health.changed", "flag.raised", "flag.cleared", "action.created", "digest"]
    answer = as_vera.post(
        "/api/v1/webhooks/", {"url": receiver.url, "kind": "slack", "events": events},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201, answer.content


def test_an_unknown_kind_is_refused(as_vera, receiver):
    answer = as_vera.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "kind": "teams", "events": ["flag.raised"]},
        format="json",
    )
    assert answer.status_code == 400 and "kind" in answer.json()
