"""One text limit (accounts.limits.TEXT_LIMIT) for every free-text field, wherever it is
written: the API, the page's forms and the admin; and a cap on playbook and action steps."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.limits import STEP_TEXT_LIMIT, STEPS_LIMIT, TEXT_LIMIT
from accounts.models import Decision, Note
from actions.models import Action, Playbook, Sentiment
from tests.api.conftest import client_for
from tests.factories import days_ago, make_account

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (TEXT_LIMIT + 1)


@pytest.fixture
def account(alice):
    return make_account(csm=alice, name="Harbor Foods")


@pytest.fixture
def action(account, alice):
    return Action.objects.create(account=account, title="Call the sponsor", owner=alice)


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    return client


def test_the_serializers_limit_is_the_one_text_limit():
    from accounts import serializers

    assert serializers.TEXT_LIMIT is TEXT_LIMIT


def test_the_api_refuses_an_action_reason_over_the_limit(alice, account):
    body = {"account": account.pk, "title": "Call", "reason": TOO_LONG}
    response = client_for(alice).post("/api/v1/actions/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not Action.objects.exists()


def test_the_api_refuses_an_outcome_note_over_the_limit(alice, action):
    body = {"status": "dismissed", "outcome_note": TOO_LONG}
    response = client_for(alice).patch(f"/api/v1/actions/{action.pk}/", body, format="json")
    assert response.status_code == 400
    action.refresh_from_db()
    assert (action.status, action.outcome_note) == ("open", "")


def test_the_api_refuses_more_steps_than_the_cap(alice, account):
    steps = [{"text": f"Step {n}"} for n in range(STEPS_LIMIT + 1)]
    body = {"account": account.pk, "title": "Call", "steps": steps}
    response = client_for(alice).post("/api/v1/actions/", body, format="json")
    assert response.status_code == 400
    assert "steps" in response.json()
    assert not Action.objects.exists()


def test_a_sentiment_reason_takes_the_one_text_limit(alice, account):
    body = {"rating": "amber", "reason": "y" * TEXT_LIMIT}
    url = f"/api/v1/accounts/{account.pk}/sentiment/"
    assert client_for(alice).post(url, body, format="json").status_code == 201
    assert (
        client_for(alice).post(url, {**body, "reason": TOO_LONG}, format="json").status_code == 400
    )
    assert Sentiment.objects.count() == 1


def test_a_note_typed_on_the_page_over_the_limit_is_refused(client, alice, account):
    client.force_login(alice)
    response = client.post(reverse("note_create", args=[account.pk]), {"body": TOO_LONG})
    assert response.status_code == 400
    assert not Note.objects.exists()


def test_a_decision_typed_on_the_page_over_the_limit_is_refused(client, alice, account):
    client.force_login(alice)
    data = {"summary": TOO_LONG, "decided_on": days_ago(1), "circulated_on": days_ago(1)}
    response = client.post(reverse("decision_create", args=[account.pk]), data)
    assert response.status_code == 400
    assert not Decision.objects.exists()


def test_an_outcome_note_typed_on_the_page_over_the_limit_is_refused(client, alice, action):
    client.force_login(alice)
    url = reverse("action_close", args=[action.account_id, action.pk])
    client.post(url, {"status": "dismissed", "outcome_note": TOO_LONG})
    action.refresh_from_db()
    assert action.status == "open"


def test_the_admin_refuses_a_note_over_the_limit(admin_client, alice, account):
    note = Note.objects.create(account=account, author=alice, body="Called Omar.")
    url = reverse("admin:accounts_note_change", args=[note.pk])
    response = admin_client.post(url, {"account": account.pk, "author": alice.pk, "body": TOO_LONG})
    assert response.status_code == 200  # shown again with the error
    note.refresh_from_db()
    assert note.body == "Called Omar."


def test_the_admin_refuses_an_action_reason_over_the_limit(admin_client, action):
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = {"account": action.account_id, "title": action.title, "rule": "manual",
            "steps": "[]", "owner": action.owner_id, "status": "open", "reason": TOO_LONG}  # fmt: skip
    assert admin_client.post(url, data).status_code == 200
    action.refresh_from_db()
    assert action.reason == ""


def _playbook_post(admin_client, steps):
    playbook = Playbook.objects.get(code="champion_left")
    url = reverse("admin:actions_playbook_change", args=[playbook.pk])
    data = {"code": "champion_left", "title": "New champion", "active": "on", "steps": steps}
    return admin_client.post(url, data), playbook


def test_a_playbook_with_more_steps_than_the_cap_is_refused(admin_client):
    import json

    response, playbook = _playbook_post(admin_client, json.dumps(["Call"] * (STEPS_LIMIT + 1)))
    assert response.status_code == 200
    playbook.refresh_from_db()
    assert len(playbook.steps) <= STEPS_LIMIT


def test_a_playbook_step_over_the_step_limit_is_refused(admin_client):
    import json

    response, playbook = _playbook_post(admin_client, json.dumps(["x" * (STEP_TEXT_LIMIT + 1)]))
    assert response.status_code == 200
    playbook.refresh_from_db()
    assert all(len(step) <= STEP_TEXT_LIMIT for step in playbook.steps)
