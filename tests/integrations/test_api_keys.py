"""API keys for integrations: issued once, hashed, scoped, expiring, revocable; a key acts as
its owner and never sees more than they may."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiKey
from signals.models import Signal
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def issue(client, **fields) -> dict:
    answer = client.post("/api/v1/keys/", {"name": "CRM sync", "scopes": ["read"], **fields},
                         format="json")  # fmt: skip
    assert answer.status_code == 201, answer.json()
    return answer.json()


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def signal_row(account):
    return {"external_id": "evt-1", "account": account.pk, "kind": "login",
            "occurred_at": timezone.now().isoformat(), "actor": "", "value": ""}  # fmt: skip


@pytest.fixture
def harbor(alice):
    return make_account(csm=alice, name="Harbor Foods")


def test_the_key_is_shown_once_and_only_its_hash_is_stored(as_alice):
    made = issue(as_alice)
    stored = ApiKey.objects.get(pk=made["id"])
    assert made["key"].startswith(stored.prefix + ".")
    assert made["key"] not in stored.hashed_key and stored.hashed_key.startswith("sha512$$")
    listed = as_alice.get("/api/v1/keys/").json()["results"]
    assert [k["id"] for k in listed] == [made["id"]] and "key" not in listed[0]


def test_a_read_key_reads_what_its_owner_sees(as_alice, harbor):
    key = issue(as_alice)["key"]
    answer = bearer(key).get("/api/v1/accounts/")
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()["results"]] == [harbor.pk]


def test_a_key_never_sees_more_than_its_owner(as_alice, bob):
    theirs = make_account(csm=bob, name="Quay Metals")
    key = issue(as_alice)["key"]
    assert bearer(key).get(f"/api/v1/accounts/{theirs.pk}/").status_code == 404


def test_a_read_key_cannot_write(as_alice, harbor):
    key = issue(as_alice)["key"]
    answer = bearer(key).post("/api/v1/signals/", [signal_row(harbor)], format="json")
    assert answer.status_code == 403
    assert "scopes" in answer.json()["detail"]
    assert not Signal.objects.exists()


def test_an_ingest_key_pushes_signals(as_alice, harbor):
    key = issue(as_alice, scopes=["ingest"])["key"]
    answer = bearer(key).post("/api/v1/signals/", [signal_row(harbor)], format="json")
    assert answer.status_code == 201
    assert Signal.objects.filter(account=harbor).count() == 1


def test_an_ingest_key_reads_nothing(as_alice, harbor):
    key = issue(as_alice, scopes=["ingest"])["key"]
    assert bearer(key).get("/api/v1/signals/").status_code == 403
    assert bearer(key).get("/api/v1/accounts/").status_code == 403


def test_an_ingest_key_changes_nothing_but_signals(as_alice, harbor):
    key = issue(as_alice, scopes=["ingest"])["key"]
    answer = bearer(key).patch(f"/api/v1/accounts/{harbor.pk}/", {"name": "X"}, format="json")
    assert answer.status_code == 403


def test_a_write_key_includes_read(as_alice, harbor):
    key = issue(as_alice, scopes=["write"])["key"]
    assert bearer(key).get("/api/v1/accounts/").status_code == 200
    assert (
        bearer(key).post("/api/v1/signals/", [signal_row(harbor)], format="json").status_code == 201
    )


def test_a_revoked_key_is_refused(as_alice):
    made = issue(as_alice)
    assert as_alice.post(f"/api/v1/keys/{made['id']}/revoke/").json()["status"] == "revoked"
    answer = bearer(made["key"]).get("/api/v1/accounts/")
    assert answer.status_code == 401


def test_an_expired_key_is_refused(as_alice):
    made = issue(as_alice, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    ApiKey.objects.filter(pk=made["id"]).update(expiry_date=timezone.now() - timedelta(seconds=1))
    answer = bearer(made["key"]).get("/api/v1/accounts/")
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_an_unknown_key_is_refused():
    assert (
        bearer("NoSuchPr.abcdefghijklmnopqrstuvwxyz012345").get("/api/v1/accounts/").status_code
        == 401
    )


def test_an_expiry_in_the_past_is_refused_when_issuing(as_alice):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    answer = as_alice.post("/api/v1/keys/", {"name": "x", "scopes": ["read"], "expires_at": past},
                           format="json")  # fmt: skip
    assert answer.status_code == 400 and "expires_at" in answer.json()
    assert not ApiKey.objects.exists()


def test_an_unknown_scope_is_refused(as_alice):
    answer = as_alice.post("/api/v1/keys/", {"name": "x", "scopes": ["admin"]}, format="json")
    assert answer.status_code == 400 and "scopes" in answer.json()


def test_last_used_at_is_recorded(as_alice):
    made = issue(as_alice)
    assert made["last_used_at"] is None
    bearer(made["key"]).get("/api/v1/accounts/")
    listed = as_alice.get("/api/v1/keys/").json()["results"][0]
    assert listed["last_used_at"] is not None


def test_a_vp_issues_a_key_for_another_user(as_vera, alice, harbor):
    made = issue(as_vera, user="alice")
    assert made["user"] == "alice"
    answer = bearer(made["key"]).get("/api/v1/accounts/")
    assert [a["id"] for a in answer.json()["results"]] == [harbor.pk]


def test_a_csm_cannot_issue_a_key_for_someone_else(as_alice, bob):
    answer = as_alice.post("/api/v1/keys/", {"name": "x", "scopes": ["read"], "user": "bob"},
                           format="json")  # fmt: skip
    assert answer.status_code == 403
    assert not ApiKey.objects.exists()


def test_a_csm_sees_and_revokes_only_their_own_keys(as_alice, as_bob):
    theirs = issue(as_bob)
    assert as_alice.get("/api/v1/keys/").json()["results"] == []
    assert as_alice.post(f"/api/v1/keys/{theirs['id']}/revoke/").status_code == 404
    assert not ApiKey.objects.get(pk=theirs["id"]).revoked


def test_a_vp_revokes_anyones_key(as_vera, as_alice):
    made = issue(as_alice)
    assert as_vera.post(f"/api/v1/keys/{made['id']}/revoke/").status_code == 200
    assert bearer(made["key"]).get("/api/v1/accounts/").status_code == 401


def test_keys_are_not_managed_with_an_api_key(as_alice):
    key = issue(as_alice, scopes=["write"])["key"]
    answer = bearer(key).post("/api/v1/keys/", {"name": "y", "scopes": ["write"]}, format="json")
    assert answer.status_code == 403
    assert ApiKey.objects.count() == 1


def test_a_key_of_an_inactive_owner_is_refused(as_alice, alice):
    key = issue(as_alice)["key"]
    alice.is_active = False
    alice.save()
    assert bearer(key).get("/api/v1/accounts/").status_code == 401


def test_existing_tokens_keep_working(as_alice, harbor):
    assert as_alice.get("/api/v1/accounts/").status_code == 200


def test_keys_cannot_be_edited_or_deleted_through_the_api(as_alice):
    made = issue(as_alice)
    assert as_alice.delete(f"/api/v1/keys/{made['id']}/").status_code == 405
    assert as_alice.patch(f"/api/v1/keys/{made['id']}/", {"scopes": ["write"]}).status_code == 405
