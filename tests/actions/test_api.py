"""The actions, sentiment, timeline and webhook endpoints: what each role may see and do."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from actions.models import Action, Sentiment, Webhook
from tests.actions.conftest import inline_retries_finish
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices(alice):
    return make_account(csm=alice, name="Harbor Foods")


@pytest.fixture
def bobs(bob):
    return make_account(csm=bob, name="Quay Metals")


def make_action(account, **fields):
    defaults = {"title": "Call the exec sponsor", "owner": account.csm,
                "steps": [{"text": "Book it", "done": False}, {"text": "Hold it", "done": False}]}  # fmt: skip
    return Action.objects.create(account=account, **{**defaults, **fields})


# Actions


def test_a_csm_lists_only_the_actions_on_their_book(as_alice, alices, bobs):
    mine = make_action(alices)
    make_action(bobs)
    rows = as_alice.get("/api/v1/actions/").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]


def test_a_vp_lists_every_action(as_vera, alices, bobs):
    make_action(alices)
    make_action(bobs)
    assert as_vera.get("/api/v1/actions/").json()["count"] == 2


def test_actions_filter_by_status_owner_account_and_rule(as_vera, alices, bobs, bob):
    wanted = make_action(alices, rule="flag_raised", flag="champion_left")
    make_action(alices, status="done", closed_at=timezone.now())
    make_action(bobs, rule="flag_raised", flag="champion_left")
    query = f"status=open&owner=alice&account={alices.pk}&rule=flag_raised"
    rows = as_vera.get(f"/api/v1/actions/?{query}").json()["results"]
    assert [row["id"] for row in rows] == [wanted.pk]


def test_an_action_reads_with_the_contract_fields(as_alice, alices):
    action = make_action(alices)
    body = as_alice.get(f"/api/v1/actions/{action.pk}/").json()
    assert set(body) >= {
        "account", "title", "reason", "rule", "playbook", "steps", "owner", "due_on", "status",
        "created_at", "closed_at", "outcome_note",
    }  # fmt: skip
    assert body["owner"] == "alice"
    assert body["steps"][0] == {"text": "Book it", "done": False}


def test_a_csm_creates_an_action_on_their_account_from_a_playbook(as_alice, alices):
    body = {"account": alices.pk, "title": "Workshop", "playbook": "stakeholder_misalignment"}
    response = as_alice.post("/api/v1/actions/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["rule"], created["owner"], created["status"]) == ("manual", "alice", "open")
    assert any("alignment workshop" in step["text"] for step in created["steps"])


def test_a_csm_cannot_create_an_action_on_another_book(as_alice, bobs):
    response = as_alice.post("/api/v1/actions/", {"account": bobs.pk, "title": "x"}, format="json")
    assert response.status_code == 400
    assert not Action.objects.exists()


def test_a_csm_cannot_read_or_change_another_books_action(as_alice, bobs):
    action = make_action(bobs)
    assert as_alice.get(f"/api/v1/actions/{action.pk}/").status_code == 404
    patch = as_alice.patch(f"/api/v1/actions/{action.pk}/", {"status": "done"}, format="json")
    assert patch.status_code == 404
    action.refresh_from_db()
    assert action.status == "open"


def test_ticking_a_step_through_the_api_keeps_the_rest(as_alice, alices):
    action = make_action(alices)
    steps = [{"text": "Book it", "done": True}, {"text": "Hold it", "done": False}]
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", {"steps": steps}, format="json")
    assert response.status_code == 200
    action.refresh_from_db()
    assert [s["done"] for s in action.steps] == [True, False]


def test_closing_an_action_records_when_and_by_whom(as_alice, alices, alice):
    action = make_action(alices)
    body = {"status": "done", "outcome_note": "Signed by all three"}
    assert as_alice.patch(f"/api/v1/actions/{action.pk}/", body, format="json").status_code == 200
    action.refresh_from_db()
    assert (action.status, action.closed_by, action.outcome_note) == (
        "done", alice, "Signed by all three")  # fmt: skip
    assert action.closed_at is not None


def test_dismissing_needs_a_note(as_alice, alices):
    action = make_action(alices)
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", {"status": "dismissed"},
                              format="json")  # fmt: skip
    assert response.status_code == 400
    assert "outcome_note" in response.json()


def test_actions_need_authentication(alices):
    assert APIClient().get("/api/v1/actions/").status_code == 401


# Sentiment


def test_posting_sentiment_records_it_and_keeps_history(as_alice, alices):
    url = f"/api/v1/accounts/{alices.pk}/sentiment/"
    as_alice.post(url, {"rating": "amber", "reason": "Sponsor quiet"}, format="json")
    response = as_alice.post(url, {"rating": "green", "reason": "QBR went well", "valid_days": 14},
                             format="json")  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert (body["rating"], body["by"], body["stale"]) == ("green", "alice", False)
    assert body["expires_on"] == (timezone.now().date() + timedelta(days=14)).isoformat()
    history = as_alice.get(url).json()
    assert [row["rating"] for row in history] == ["green", "amber"]


@pytest.mark.parametrize(
    "body",
    [{"rating": "green"}, {"rating": "green", "reason": "  "},
     {"rating": "blue", "reason": "x"}, {"rating": "green", "reason": "x", "valid_days": 6},
     {"rating": "green", "reason": "x", "valid_days": 91}],
)  # fmt: skip
def test_bad_sentiment_is_refused_and_nothing_saved(as_alice, alices, body):
    response = as_alice.post(f"/api/v1/accounts/{alices.pk}/sentiment/", body, format="json")
    assert response.status_code == 400
    assert not Sentiment.objects.exists()


def test_a_csm_cannot_set_sentiment_on_another_book(as_alice, bobs):
    body = {"rating": "green", "reason": "x"}
    response = as_alice.post(f"/api/v1/accounts/{bobs.pk}/sentiment/", body, format="json")
    assert response.status_code == 404
    assert not Sentiment.objects.exists()


def test_the_health_payload_shows_sentiment_beside_the_score(as_alice, alices, alice):
    give_health(alices, overall=30, rag="red")
    Sentiment.objects.create(account=alices, rating="green", reason="They love us",
                             created_by=alice)  # fmt: skip
    body = as_alice.get(f"/api/v1/accounts/{alices.pk}/health/").json()
    assert body["score"] == 30.0
    assert body["sentiment"]["rating"] == "green"
    assert set(body["sentiment"]) == {"rating", "reason", "by", "at", "expires_on", "stale"}
    assert body["sentiment_disagrees"] is True


def test_the_health_payload_says_when_sentiment_has_expired(as_alice, alices, alice):
    give_health(alices, overall=30, rag="red")
    Sentiment.objects.create(
        account=alices, rating="green", reason="Old news", valid_days=7, created_by=alice,
        created_at=timezone.now() - timedelta(days=8),
    )  # fmt: skip
    body = as_alice.get(f"/api/v1/accounts/{alices.pk}/health/").json()
    assert body["sentiment"]["stale"] is True
    assert body["sentiment_disagrees"] is False


def test_the_health_payload_has_no_sentiment_until_one_is_set(as_alice, alices):
    give_health(alices, overall=60, rag="amber")
    body = as_alice.get(f"/api/v1/accounts/{alices.pk}/health/").json()
    assert body["sentiment"] is None


# Timeline


def test_the_timeline_is_newest_first_and_filters_by_type(as_alice, alices, alice):
    give_health(alices, overall=60, rag="amber", as_of=days_ago(3))
    give_health(alices, overall=40, rag="red", as_of=days_ago(1), flags=["champion_left"])
    alices.notes.create(author=alice, body="Called them")
    make_action(alices)
    rows = as_alice.get(f"/api/v1/accounts/{alices.pk}/timeline/").json()
    assert [row["at"] for row in rows] == sorted((row["at"] for row in rows), reverse=True)
    assert {"score", "flag", "note", "action"} <= {row["type"] for row in rows}
    only = as_alice.get(f"/api/v1/accounts/{alices.pk}/timeline/?type=flag,note").json()
    assert {row["type"] for row in only} == {"flag", "note"}


def test_the_timeline_refuses_an_unknown_type(as_alice, alices):
    response = as_alice.get(f"/api/v1/accounts/{alices.pk}/timeline/?type=gossip")
    assert response.status_code == 400


def test_another_books_timeline_is_404(as_alice, bobs):
    assert as_alice.get(f"/api/v1/accounts/{bobs.pk}/timeline/").status_code == 404


# Webhooks


def test_a_vp_creates_a_webhook_and_sees_its_secret_once(as_vera):
    body = {"url": "https://bi.example.com/candor", "events": ["flag.raised", "health.changed"]}
    response = as_vera.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 201
    created = response.json()
    assert len(created["secret"]) >= 32
    assert created["events"] == ["flag.raised", "health.changed"]
    again = as_vera.get(f"/api/v1/webhooks/{created['id']}/").json()
    assert "secret" not in again


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:x"])
def test_a_webhook_url_must_be_http_or_https(as_vera, url):
    response = as_vera.post("/api/v1/webhooks/", {"url": url, "events": ["flag.raised"]},
                            format="json")  # fmt: skip
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_a_webhook_refuses_unknown_events(as_vera):
    body = {"url": "https://example.com/x", "events": ["everything"]}
    assert as_vera.post("/api/v1/webhooks/", body, format="json").status_code == 400


def test_csms_cannot_see_or_make_webhooks(as_alice):
    Webhook.objects.create(url="https://example.com/x", secret="s" * 20, events=["flag.raised"])
    assert as_alice.get("/api/v1/webhooks/").status_code == 403
    body = {"url": "https://example.com/y", "events": ["flag.raised"]}
    assert as_alice.post("/api/v1/webhooks/", body, format="json").status_code == 403
    assert Webhook.objects.count() == 1


def test_webhooks_need_authentication():
    assert APIClient().get("/api/v1/webhooks/").status_code == 401


def test_ping_sends_a_test_and_logs_the_delivery(as_vera, receiver, inline_deliveries):
    hook = Webhook.objects.create(url=receiver.url, secret="s" * 20, events=["flag.raised"])
    response = as_vera.post(f"/api/v1/webhooks/{hook.pk}/ping/")
    assert response.status_code == 202
    assert response.json()["status"] == "succeeded"
    log = as_vera.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").json()["results"]
    assert [(d["event"], d["status_code"], d["attempts"]) for d in log] == [("ping", 200, 1)]
    assert receiver.requests[0].headers["X-Candor-Event"] == "ping"


@pytest.mark.django_db(transaction=True)  # the retry runs on the inline pool's thread
def test_the_delivery_log_shows_the_last_error(as_vera, receiver, settings, inline_deliveries):
    settings.CANDOR = {**settings.CANDOR, "WEBHOOK_MAX_ATTEMPTS": 2, "WEBHOOK_BACKOFF_SECONDS": 0.1}
    receiver.answers = [503, 503]
    hook = Webhook.objects.create(url=receiver.url, secret="s" * 20, events=["flag.raised"])
    as_vera.post(f"/api/v1/webhooks/{hook.pk}/ping/")
    inline_retries_finish()
    [row] = as_vera.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").json()["results"]
    assert (row["status"], row["status_code"], row["attempts"]) == ("failed", 503, 2)
    assert "503" in row["last_error"]


def test_csms_cannot_ping_or_read_deliveries(as_alice):
    hook = Webhook.objects.create(url="https://example.com/x", secret="s" * 20, events=[])
    assert as_alice.post(f"/api/v1/webhooks/{hook.pk}/ping/").status_code == 403
    assert as_alice.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").status_code == 403


# Role scoping on every account endpoint


@pytest.mark.parametrize("path", ["sentiment", "timeline", "health"])
def test_account_endpoints_need_authentication(alices, path):
    give_health(alices, overall=60, rag="amber")
    assert APIClient().get(f"/api/v1/accounts/{alices.pk}/{path}/").status_code == 401


def test_anonymous_callers_cannot_post_sentiment(alices):
    body = {"rating": "green", "reason": "x"}
    response = APIClient().post(f"/api/v1/accounts/{alices.pk}/sentiment/", body, format="json")
    assert response.status_code == 401
    assert not Sentiment.objects.exists()


@pytest.mark.parametrize("path", ["sentiment", "timeline"])
def test_a_vp_reads_any_accounts_sentiment_and_timeline(as_vera, bobs, path):
    assert as_vera.get(f"/api/v1/accounts/{bobs.pk}/{path}/").status_code == 200


def test_a_csm_cannot_read_another_books_sentiment(as_alice, bobs, bob):
    Sentiment.objects.create(account=bobs, rating="red", reason="Secret", created_by=bob)
    assert as_alice.get(f"/api/v1/accounts/{bobs.pk}/sentiment/").status_code == 404


def test_several_actions_can_be_added_by_hand_to_one_account(as_alice, alices):
    for title in ("Send the recap", "Book the QBR"):
        body = {"account": alices.pk, "title": title}
        assert as_alice.post("/api/v1/actions/", body, format="json").status_code == 201
    assert Action.objects.filter(account=alices, status="open").count() == 2


def test_the_timeline_shows_a_flag_raised_and_cleared_within_one_day(as_alice, alices):
    give_health(alices, overall=60, rag="amber", as_of=days_ago(1))
    give_health(alices, overall=60, rag="amber", flags=["champion_left"])
    give_health(alices, overall=60, rag="amber")  # cleared again the same day
    rows = as_alice.get(f"/api/v1/accounts/{alices.pk}/timeline/?type=flag").json()
    assert [row["title"] for row in rows] == [
        "Flag cleared: Champion left",
        "Flag raised: Champion left",
    ]


def test_a_patch_may_give_steps_without_saying_whether_they_are_done(as_alice, alices):
    action = make_action(alices)
    body = {"steps": [{"text": "Book the call"}]}
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", body, format="json")
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.steps == [{"text": "Book the call", "done": False}]
