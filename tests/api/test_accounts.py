import pytest
from rest_framework.test import APIClient

from accounts.models import Account
from tests.factories import give_health, make_account

pytestmark = pytest.mark.django_db

NEW = {
    "external_id": "crm-001", "name": "Harbor Foods", "segment": "smb", "arr": "25000.00",
    "seats": 12, "contract_start": "2026-01-01", "renewal_date": "2027-01-01",
}  # fmt: skip


def test_unauthenticated_is_401():
    assert APIClient().get("/api/v1/accounts/").status_code == 401


def test_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert client.get("/api/v1/accounts/").status_code == 401


def test_session_auth_works_for_the_browser(client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/accounts/").status_code == 200


def test_csm_lists_only_their_accounts(as_alice, alice, bob):
    mine = make_account(csm=alice)
    make_account(csm=bob)
    ids = [row["id"] for row in as_alice.get("/api/v1/accounts/").json()["results"]]
    assert ids == [mine.pk]


def test_vp_lists_all_accounts(as_vera, alice, bob):
    make_account(csm=alice)
    make_account(csm=bob)
    assert as_vera.get("/api/v1/accounts/").json()["count"] == 2


def test_another_csms_account_is_404(as_alice, bob):
    theirs = make_account(csm=bob)
    assert as_alice.get(f"/api/v1/accounts/{theirs.pk}/").status_code == 404


def test_account_shows_contract_fields_and_latest_health(as_alice, alice):
    account = make_account(csm=alice)
    give_health(account, overall=42.0, rag="amber", flags=["custom_terms"])
    body = as_alice.get(f"/api/v1/accounts/{account.pk}/").json()
    assert body["csm"] == "alice"
    assert body["outcome"] == "active"
    assert body["health"]["score"] == 42.0
    assert body["health"]["rag"] == "amber"
    assert body["health"]["flags"] == ["custom_terms"]
    for name in ("external_id", "arr", "seats", "renewal_date", "last_renewed_on", "lifecycle_stage",
                 "crm_status", "handoff_why_bought", "deal_terms", "deviating_terms"):  # fmt: skip
        assert name in body


def test_unscored_account_has_null_health(as_alice, alice):
    account = make_account(csm=alice)
    assert as_alice.get(f"/api/v1/accounts/{account.pk}/").json()["health"] is None


def test_csm_creates_an_account_in_their_own_book(as_alice):
    response = as_alice.post("/api/v1/accounts/", NEW, format="json")
    assert response.status_code == 201, response.json()
    assert Account.objects.get(external_id="crm-001").csm.username == "alice"


def test_csm_cannot_create_for_another_csm(as_alice, bob):
    response = as_alice.post("/api/v1/accounts/", {**NEW, "csm": "bob"}, format="json")
    assert response.status_code == 400
    assert not Account.objects.exists()


def test_vp_must_name_an_existing_csm(as_vera, alice):
    assert (
        as_vera.post("/api/v1/accounts/", {**NEW, "csm": "nobody"}, format="json").status_code
        == 400
    )
    assert (
        as_vera.post("/api/v1/accounts/", {**NEW, "csm": "alice"}, format="json").status_code == 201
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"segment": "two words"}, "segment"),
        ({"segment": "a-segment-code-that-is-too-long"}, "segment"),
        ({"arr": "-1"}, "arr"),
        ({"seats": -3}, "seats"),
        ({"renewal_date": "2025-01-01"}, "renewal_date"),
        ({"outcome": "maybe"}, "outcome"),
        ({"deal_terms": ["not", "a", "dict"]}, "deal_terms"),
    ],
)
def test_invalid_account_is_400_and_nothing_stored(as_alice, change, field):
    response = as_alice.post("/api/v1/accounts/", {**NEW, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Account.objects.exists()


def test_segments_are_data_any_short_code_is_accepted(as_alice):
    response = as_alice.post(
        "/api/v1/accounts/", {**NEW, "segment": "public_sector"}, format="json"
    )
    assert response.status_code == 201
    assert Account.objects.get().segment == "public_sector"


def test_duplicate_external_id_is_400(as_alice, alice):
    make_account(csm=alice, external_id="crm-001")
    assert as_alice.post("/api/v1/accounts/", NEW, format="json").status_code == 400


def test_update_an_account(as_alice, alice):
    account = make_account(csm=alice)
    response = as_alice.patch(
        f"/api/v1/accounts/{account.pk}/", {"crm_status": "Live"}, format="json"
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.crm_status == "Live"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("csm=bob", ["B"]),
        ("rag=red", ["A"]),
        ("flag=stale_data", ["B"]),
        ("segment=smb", ["A"]),
        ("renewal_before=2027-01-31", ["A"]),
        ("renewal_after=2027-02-01", ["B"]),
        ("external_id=crm-b", ["B"]),
        ("ordering=-name", ["B", "A"]),
    ],
)
def test_account_filters(as_vera, alice, bob, query, expected):
    a = make_account(
        csm=alice, name="A", external_id="crm-a", segment="smb", renewal_date="2027-01-15"
    )
    b = make_account(csm=bob, name="B", external_id="crm-b", renewal_date="2027-03-01")
    give_health(a, overall=20, rag="red")
    give_health(b, overall=60, rag="amber", flags=["stale_data"])
    names = [row["name"] for row in as_vera.get(f"/api/v1/accounts/?{query}").json()["results"]]
    assert names == expected


def test_invalid_filter_value_is_a_json_400(as_vera):
    response = as_vera.get("/api/v1/accounts/?rag=purple")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_unknown_api_path_is_json_404(as_vera):
    response = as_vera.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No API endpoint")


def test_huge_id_is_not_a_server_error(as_vera):
    assert as_vera.get("/api/v1/accounts/99999999999999999999999/").status_code in (400, 404)
