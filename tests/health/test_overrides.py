"""Component overrides: set by a person until a day, used by the score, shown in the payload,
ended by hand or by their date, and never hiding a flag."""

from datetime import timedelta

import pytest
from django.utils import timezone

from health.models import ComponentOverride, CurrentHealth
from health.services import score_accounts
from tests.api.conftest import client_for
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rescores_inline(tasks_inline):
    """Rescore requests scored at once, as without a broker (with REDIS_URL a worker would)."""


@pytest.fixture
def unengaged(alice):
    """Renewing in 60 days, quiet for two months (engagement low, not falling: nothing left to
    fall from) and no exec: renewal without engagement, raised by the low engagement alone."""
    account = make_account(csm=alice, renewal_date=timezone.now().date() + timedelta(days=60))
    for days in range(70, 90, 2):
        make_signal(account=account, kind="login", occurred_at=timezone.now() - timedelta(days))
    score_accounts()
    assert "renewal_without_engagement" in CurrentHealth.objects.get(account=account).flag_codes
    return account


def override(client, account, **fields):
    body = {"component": "engagement", "value": 100, "reason": "Exec workshop booked",
            "until": (timezone.now().date() + timedelta(days=14)).isoformat(), **fields}  # fmt: skip
    return client.post(f"/api/v1/accounts/{account.pk}/overrides/", body, format="json")


def health(client, account) -> dict:
    return client.get(f"/api/v1/accounts/{account.pk}/health/").json()


def test_an_override_is_recorded_with_the_caller_as_author(unengaged, alice):
    body = override(client_for(alice), unengaged).json()
    assert (body["component"], body["value"], body["author"], body["in_force"]) == (
        "engagement", 100, "alice", True,
    )  # fmt: skip


def test_the_score_uses_the_overridden_value(unengaged, alice):
    client = client_for(alice)
    override(client, unengaged)
    assert health(client, unengaged)["components"]["engagement"]["score"] == 100


def test_the_payload_shows_the_override_in_force(unengaged, alice):
    client = client_for(alice)
    override(client, unengaged)
    assert [o["component"] for o in health(client, unengaged)["overrides"]] == ["engagement"]


def test_an_override_never_hides_a_flag(unengaged, alice):
    client = client_for(alice)
    override(client, unengaged)
    codes = [flag["code"] for flag in health(client, unengaged)["flags"]]
    assert "renewal_without_engagement" in codes


def test_an_override_ends_on_its_date(unengaged, alice):
    override(client_for(alice), unengaged, until=timezone.now().date().isoformat())
    score_accounts(as_of=timezone.now().date() + timedelta(days=1), keep_history=True)
    latest = unengaged.health_scores.order_by("-as_of").first()
    assert latest.component_scores["engagement"] != 100


def test_delete_ends_an_override_and_the_score_goes_back(unengaged, alice):
    client = client_for(alice)
    before = CurrentHealth.objects.get(account=unengaged).overall
    made = override(client, unengaged).json()
    response = client.delete(f"/api/v1/accounts/{unengaged.pk}/overrides/{made['id']}/")
    assert response.status_code == 204
    assert CurrentHealth.objects.get(account=unengaged).overall == before
    assert health(client, unengaged)["overrides"] == []


def test_an_override_cannot_end_in_the_past_and_nothing_is_written(unengaged, alice):
    yesterday = (timezone.now().date() - timedelta(days=1)).isoformat()
    response = override(client_for(alice), unengaged, until=yesterday)
    assert response.status_code == 400 and "until" in response.json()
    assert not ComponentOverride.objects.exists()


def test_an_unknown_component_is_refused(unengaged, alice):
    response = override(client_for(alice), unengaged, component="vibes")
    assert response.status_code == 400 and "component" in response.json()


def test_another_csm_cannot_override_alices_account(unengaged, bob):
    assert override(client_for(bob), unengaged).status_code == 404
    assert not ComponentOverride.objects.exists()


def test_the_account_page_shows_the_override(unengaged, alice, client):
    override(client_for(alice), unengaged)
    client.force_login(alice)
    content = client.get(f"/accounts/{unengaged.pk}/").content.decode()
    assert "Engagement set to 100" in content and "Exec workshop booked" in content
