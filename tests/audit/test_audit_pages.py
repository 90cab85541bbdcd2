"""The VP's audit page with its filters, and the account's changes in its timeline."""

import pytest

from accounts.models import Account
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(alice, bob):
    account = make_account(csm=alice, name="Harbor Foods")
    Account.objects.filter(pk=account.pk).update(csm=bob)  # a bulk write, no save()
    return account


def test_the_audit_page_lists_changes_with_a_filter(client, vera, moved, bob):
    client.force_login(vera)
    page = client.get("/audit/", {"object_type": "accounts.account", "object_id": moved.pk})
    text = page.content.decode()
    assert page.status_code == 200
    assert "accounts.account" in text and f"{bob.pk}" in text and "update" in text


def test_the_audit_page_is_for_vps(client, alice):
    client.force_login(alice)
    assert client.get("/audit/").status_code == 403


def test_a_vp_sees_an_accounts_changes_in_its_timeline(client, vera, moved):
    client.force_login(vera)
    page = client.get(f"/accounts/{moved.pk}/", {"type": "audit"})
    text = page.content.decode()
    assert 'data-type="audit"' in text and "account updated" in text and "csm:" in text


def test_a_csm_timeline_has_no_audit_rows(client, bob, moved):
    client.force_login(bob)
    assert 'data-type="audit"' not in client.get(f"/accounts/{moved.pk}/").content.decode()
