"""An action's owner must be able to see its account: Alice and Bob are CSMs with their own
books, Vera a VP, Charlie has no role."""

import pytest
from django.urls import reverse

from actions.models import Action
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices(alice):
    return make_account(csm=alice, name="Harbor Foods")


@pytest.fixture
def action(alices, alice):
    return Action.objects.create(account=alices, title="Call the sponsor", owner=alice)


def test_an_action_cannot_be_created_for_an_owner_who_cannot_see_the_account(as_alice, alices, bob):
    body = {"account": alices.pk, "title": "Call the sponsor", "owner": "bob"}
    response = as_alice.post("/api/v1/actions/", body, format="json")
    assert response.status_code == 400
    assert "bob cannot see Harbor Foods" in response.json()["owner"][0]
    assert not Action.objects.exists()


def test_a_vp_cannot_give_an_action_to_a_csm_outside_the_accounts_book(as_vera, alices, bob):
    body = {"account": alices.pk, "title": "Call the sponsor", "owner": "bob"}
    assert as_vera.post("/api/v1/actions/", body, format="json").status_code == 400
    assert not Action.objects.exists()


def test_a_user_with_no_role_cannot_own_an_action(as_vera, alices, charlie):
    body = {"account": alices.pk, "title": "Call the sponsor", "owner": "charlie"}
    assert as_vera.post("/api/v1/actions/", body, format="json").status_code == 400


def test_a_vp_can_own_an_action_on_any_account(as_alice, alices, vera):
    body = {"account": alices.pk, "title": "Escalate", "owner": "vera"}
    assert as_alice.post("/api/v1/actions/", body, format="json").status_code == 201
    assert Action.objects.get().owner == vera


def test_an_action_cannot_be_handed_to_an_owner_who_cannot_see_the_account(
    as_alice, action, alice, bob
):
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", {"owner": "bob"}, format="json")
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.owner == alice


def test_the_admin_refuses_an_owner_who_cannot_see_the_account(client, action, alice, bob):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = {"account": action.account_id, "title": action.title, "rule": "manual",
            "steps": "[]", "owner": bob.pk, "status": "open"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "bob cannot see Harbor Foods" in response.content.decode()
    action.refresh_from_db()
    assert action.owner == alice
