"""The VP's API keys page: every key with its owner and last use, and a revoke button."""

import pytest

from integrations.models import ApiKey
from integrations.services import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_key(alice):
    api_key, _ = api_key_create(owner=alice, name="CRM sync", scopes=["read"], created_by=alice)
    return api_key


def test_a_vp_sees_every_key_with_its_owner(client, vera, alices_key):
    client.force_login(vera)
    page = client.get("/keys/").content.decode()
    assert "CRM sync" in page and "alice" in page and alices_key.prefix in page


def test_a_vp_revokes_a_key_from_the_page(client, vera, alices_key):
    client.force_login(vera)
    answer = client.post(f"/keys/{alices_key.pk}/revoke/")
    assert answer.status_code == 302
    assert ApiKey.objects.get(pk=alices_key.pk).revoked


def test_a_csm_is_refused_the_page(client, alice, alices_key):
    client.force_login(alice)
    assert client.get("/keys/").status_code == 403
    assert client.post(f"/keys/{alices_key.pk}/revoke/").status_code == 403
    assert not ApiKey.objects.get(pk=alices_key.pk).revoked


def test_the_page_needs_sign_in(client):
    assert client.get("/keys/").status_code == 302
