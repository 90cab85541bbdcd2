import pytest

from accounts.models import Decision, SharedObjective, Stakeholder
from tests.factories import make_account, make_stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    return make_account(csm=alice)


def test_create_and_list_stakeholders(as_alice, account):
    body = {"account": account.pk, "name": "Ines", "email": "ines@example.com", "role": "exec_sponsor",
            "function": "Finance", "success_definition": "ROI to the board", "active": True}  # fmt: skip
    assert as_alice.post("/api/v1/stakeholders/", body, format="json").status_code == 201
    rows = as_alice.get(f"/api/v1/stakeholders/?account={account.pk}").json()["results"]
    assert [row["role"] for row in rows] == ["exec_sponsor"]
    assert rows[0]["last_engaged_on"] is None


def test_invalid_role_is_400(as_alice, account):
    body = {"account": account.pk, "name": "X", "role": "overlord"}
    assert as_alice.post("/api/v1/stakeholders/", body, format="json").status_code == 400


def test_cannot_write_onto_another_csms_account(as_bob, account):
    body = {"account": account.pk, "name": "X", "role": "user"}
    assert as_bob.post("/api/v1/stakeholders/", body, format="json").status_code == 400
    assert not Stakeholder.objects.exists()


def test_cannot_read_another_csms_children(as_bob, account):
    stakeholder = make_stakeholder(account=account)
    assert as_bob.get(f"/api/v1/stakeholders/{stakeholder.pk}/").status_code == 404
    assert as_bob.get("/api/v1/stakeholders/").json()["count"] == 0


def test_commitment_statuses(as_alice, account):
    body = {"account": account.pk, "title": "SSO", "told_customer": "Next quarter",
            "product_status": "under_consideration", "scoped": False, "due_on": "2027-01-01"}  # fmt: skip
    assert as_alice.post("/api/v1/commitments/", body, format="json").status_code == 201
    body["product_status"] = "promised"
    assert as_alice.post("/api/v1/commitments/", body, format="json").status_code == 400


def test_milestone_proof_signal_must_be_a_signal_kind(as_alice, account):
    body = {"account": account.pk, "name": "First ROI report", "kind": "outcome",
            "proof_signal": "roi_report_generated", "target_on": "2026-02-01", "completed_on": None}  # fmt: skip
    assert as_alice.post("/api/v1/milestones/", body, format="json").status_code == 201
    body["proof_signal"] = "telepathy"
    assert as_alice.post("/api/v1/milestones/", body, format="json").status_code == 400


def test_decision_owner_must_be_the_accounts_stakeholder(as_alice, account, alice):
    stranger = make_stakeholder(account=make_account(csm=alice))
    body = {"account": account.pk, "summary": "x", "owner": stranger.pk, "decided_on": "2026-11-01"}
    assert as_alice.post("/api/v1/decisions/", body, format="json").status_code == 400
    body["owner"] = make_stakeholder(account=account).pk
    body["reopened_on"] = "2026-11-05"
    response = as_alice.post("/api/v1/decisions/", body, format="json")
    assert response.status_code == 201
    assert Decision.objects.get().reopened_on.isoformat() == "2026-11-05"


def test_objective_signed_by_the_accounts_stakeholders(as_alice, account):
    signers = [
        make_stakeholder(account=account, role=r).pk for r in ("exec_sponsor", "project_sponsor")
    ]
    body = {"account": account.pk, "outcome": "ROI monthly", "scope": "", "non_scope": "",
            "success_criteria": "3 reports", "review_cadence_days": 60, "signed_by": signers}  # fmt: skip
    response = as_alice.post("/api/v1/objectives/", body, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["signed_by"]) == sorted(signers)
    assert SharedObjective.objects.get().signed_by.count() == 2
    assert as_alice.post("/api/v1/objectives/", body, format="json").status_code == 400, (
        "one per account"
    )


@pytest.mark.parametrize("field", ["circulated_on", "reopened_on"])
def test_decision_cannot_be_circulated_or_reopened_before_it_was_decided(as_alice, account, field):
    body = {"account": account.pk, "summary": "x", "decided_on": "2026-11-02", field: "2026-11-01"}
    response = as_alice.post("/api/v1/decisions/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Decision.objects.exists()


def test_updating_a_decision_checks_the_model_rule_against_the_stored_date(as_alice, account):
    decision = Decision.objects.create(account=account, summary="x", decided_on="2026-11-02")
    body = {"circulated_on": "2026-11-01"}
    response = as_alice.patch(f"/api/v1/decisions/{decision.pk}/", body, format="json")
    assert response.status_code == 400
    decision.refresh_from_db()
    assert decision.circulated_on is None


def test_task_milestone_cannot_name_a_proof_signal(as_alice, account):
    body = {"account": account.pk, "name": "Training booked", "kind": "task",
            "proof_signal": "roi_report_generated", "target_on": "2026-02-01"}  # fmt: skip
    response = as_alice.post("/api/v1/milestones/", body, format="json")
    assert response.status_code == 400
    assert "proof_signal" in response.json()
