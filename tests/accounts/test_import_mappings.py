"""Remembered column mappings: which one a file gets, and the admin that lets one be dropped."""

import pytest
from django.urls import reverse

from accounts.imports import headers_key
from accounts.models import ImportMapping
from accounts.selectors import import_mapping_remembered

pytestmark = pytest.mark.django_db

HEADERS = ["Customer Ref", "Money"]


def remember(user, arr_header: str) -> None:
    ImportMapping.objects.create(
        kind="accounts", headers_key=headers_key(HEADERS), user=user, headers=HEADERS,
        mapping={"Customer Ref": "external_id", arr_header: "arr"},
    )  # fmt: skip


def test_the_key_of_a_header_set_ignores_order_case_and_spacing():
    assert headers_key(["Customer Ref", "Money"]) == headers_key(["money", " customer-ref"])


def test_a_persons_own_mapping_comes_before_the_one_kept_for_everyone(vera, alice):
    remember(None, "Money")
    remember(vera, "Money ")
    key = headers_key(HEADERS)
    assert import_mapping_remembered(kind="accounts", headers_key=key, user=vera).user == vera
    assert import_mapping_remembered(kind="accounts", headers_key=key, user=alice).user is None
    assert import_mapping_remembered(kind="stakeholders", headers_key=key, user=vera) is None


def test_staff_see_remembered_mappings_in_the_admin(admin_client, vera):
    remember(vera, "Money")
    response = admin_client.get(reverse("admin:accounts_importmapping_changelist"))
    assert response.status_code == 200 and "vera" in response.content.decode()
