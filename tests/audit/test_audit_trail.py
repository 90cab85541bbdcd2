"""The audit trail: written by database triggers (so imports and COPY are covered), read by
VPs at /api/v1/audit/ with filters, never edited or deleted."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from accounts.services import user_set_role
from actions.models import Webhook
from health.models import Scorecard
from health.services import scorecard_update
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def audit(client, **filters) -> list[dict]:
    answer = client.get("/api/v1/audit/", filters)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


@pytest.fixture
def card(db):
    card = Scorecard.objects.create(name="Default")
    scorecard_update(scorecard=card, weights={"outcomes": 50})
    return card


def test_a_scorecard_edit_says_who_what_and_from_which_request(as_vera, card):
    answer = as_vera.patch(f"/api/v1/scorecards/{card.pk}/", {"capping_flags": ["stale_data"]},
                           format="json", HTTP_X_REQUEST_ID="req-edit-1")  # fmt: skip
    assert answer.status_code == 200
    [row] = audit(as_vera, object_type="health.scorecard", actor="vera")
    assert (row["action"], row["object_id"], row["request_id"]) == (
        "update",
        str(card.pk),
        "req-edit-1",
    )
    assert row["changes"]["capping_flags"][1] == ["stale_data"]
    assert row["changes"]["version"] == [2, 3]
    assert set(row) >= {
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "changes",
        "request_id",
    }


def test_a_copy_based_import_is_audited_with_no_actor(as_vera, alice, bob, tmp_path):
    account = make_account(csm=alice, external_id="crm-1")
    csv = tmp_path / "accounts.csv"
    csv.write_text("external_id,csm\ncrm-1,bob\n")
    call_command("import_csv", "accounts", str(csv), stdout=open(tmp_path / "out", "w"))
    row = audit(as_vera, object_type="accounts.account", object_id=account.pk)[0]
    assert row["action"] == "update" and row["actor"] is None
    assert row["changes"]["csm"] == [alice.pk, bob.pk]


def test_an_account_created_shows_its_values(as_vera, alice):
    account = make_account(csm=alice, external_id="crm-9", name="Harbor Foods")
    [row] = audit(as_vera, object_type="accounts.account", object_id=account.pk)
    assert row["action"] == "create"
    assert row["changes"]["name"] == [None, "Harbor Foods"]


def test_a_deleted_webhook_is_audited_without_its_secret(as_vera, vera):
    hook = Webhook.objects.create(url="https://example.com/h", secret="whsec_c2VjcmV0", events=[])
    pk = hook.pk
    hook.delete()
    rows = audit(as_vera, object_type="actions.webhook", object_id=pk)
    assert [r["action"] for r in rows] == ["delete", "create"]
    assert (
        "secret" not in rows[0]["changes"]
        and rows[0]["changes"]["url"][0] == "https://example.com/h"
    )


def test_a_role_change_is_audited(as_vera, alice):
    user_set_role(user=alice, role="vp")
    rows = audit(as_vera, object_type="auth.user_groups")
    assert {r["action"] for r in rows} >= {"create", "delete"}


def test_the_actor_filter_keeps_one_persons_changes(as_vera, as_alice, card, alice):
    as_alice.post(f"/api/v1/accounts/{make_account(csm=alice).pk}/sentiment/",
                  {"rating": "red", "reason": "Sponsor left."}, format="json")  # fmt: skip
    as_vera.patch(f"/api/v1/scorecards/{card.pk}/", {"capping_flags": []}, format="json")
    assert {r["actor"] for r in audit(as_vera, actor="alice")} == {"alice"}
    assert {r["object_type"] for r in audit(as_vera, actor="vera")} == {
        "health.scorecard",
        "health.scorecardversion",
    }
    assert audit(as_vera, actor="nobody") == []


def test_an_unknown_object_type_is_refused(as_vera):
    answer = as_vera.get("/api/v1/audit/", {"object_type": "auth.secret"})
    assert answer.status_code == 400 and "object_type" in answer.json()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_api_cannot_edit_or_delete(as_vera, method):
    assert getattr(as_vera, method)("/api/v1/audit/", {}, format="json").status_code == 405


def test_the_audit_api_is_for_vps(as_alice):
    assert as_alice.get("/api/v1/audit/").status_code == 403


def test_audit_rows_cannot_be_deleted_even_in_sql(card):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_scorecardevent")
