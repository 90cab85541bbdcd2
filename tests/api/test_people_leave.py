"""People leave through the API too: `active: false` without `left_on` records the day."""

import pytest
from django.utils import timezone

from accounts.models import Stakeholder
from health.services import score_accounts
from tests.factories import days_ago, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    account = make_account(csm=alice)
    for role in ("exec_sponsor", "project_sponsor", "operating_owner"):
        make_stakeholder(account=account, role=role)
    make_signal(account=account)
    return account


def flags_now(as_client, account) -> list[str]:
    score_accounts(account_ids=[account.pk])
    return [
        flag["code"]
        for flag in as_client.get(f"/api/v1/accounts/{account.pk}/health/").json()["flags"]
    ]


def test_marking_a_champion_gone_records_left_on_today_and_raises_champion_left(as_alice, account):
    champion = make_stakeholder(account=account, role="champion")
    assert "champion_left" not in flags_now(as_alice, account)
    response = as_alice.patch(
        f"/api/v1/stakeholders/{champion.pk}/", {"active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["left_on"] == timezone.localdate().isoformat()
    assert "champion_left" in flags_now(as_alice, account)


def test_left_on_given_through_the_api_is_kept(as_alice, account):
    champion = make_stakeholder(account=account, role="champion")
    left = days_ago(20).isoformat()
    response = as_alice.patch(
        f"/api/v1/stakeholders/{champion.pk}/", {"active": False, "left_on": left}, format="json"
    )
    assert response.json()["left_on"] == left
    assert Stakeholder.objects.get(pk=champion.pk).left_on.isoformat() == left


def test_a_stakeholder_created_gone_left_that_day(as_alice, account):
    body = {"account": account.pk, "name": "Gone Gina", "role": "champion", "active": False}
    response = as_alice.post("/api/v1/stakeholders/", body, format="json")
    assert response.json()["left_on"] == timezone.localdate().isoformat()


def test_an_active_stakeholder_has_no_left_on(as_alice, account):
    champion = make_stakeholder(account=account, role="champion")
    body = as_alice.get(f"/api/v1/stakeholders/{champion.pk}/").json()
    assert (body["active"], body["left_on"]) == (True, None)
