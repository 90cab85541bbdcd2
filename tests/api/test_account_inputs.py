"""Account-side writes: free text is capped, ids from another book are answered exactly like
ids that do not exist, and JSON that PostgreSQL cannot hold is a field error, not a 500."""

import pytest

from accounts.models import Account, Decision, SharedObjective
from tests.factories import make_account, make_stakeholder

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 10_001


@pytest.fixture
def account(alice):
    return make_account(csm=alice)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/stakeholders/", {"name": "N", "role": "user"}, "success_definition"),
        ("/api/v1/commitments/", {"title": "SSO", "product_status": "planned"}, "told_customer"),
        ("/api/v1/milestones/", {"name": "M", "kind": "task"}, "evidence"),
        ("/api/v1/decisions/", {"decided_on": "2026-01-05"}, "summary"),
        ("/api/v1/objectives/", {"review_cadence_days": 30}, "outcome"),
    ],
)
def test_text_over_10000_characters_is_a_field_error(as_alice, account, path, body, field):
    body = {"account": account.pk, "summary": "s", "outcome": "o", **body, field: TOO_LONG}
    response = as_alice.post(path, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_handoff_notes_over_10000_characters_are_refused(as_alice, account):
    response = as_alice.patch(
        f"/api/v1/accounts/{account.pk}/", {"handoff_politics": TOO_LONG}, format="json"
    )
    assert response.status_code == 400
    assert "handoff_politics" in response.json()
    assert Account.objects.get(pk=account.pk).handoff_politics == ""


@pytest.mark.parametrize(
    "terms",
    ['{"discount": 1e400}', '{"note": "a\\ud800"}', '{"note": "' + "x" * 20_000 + '"}'],
)
def test_deal_terms_postgresql_cannot_hold_are_a_field_error(as_alice, account, terms):
    body = '{"deal_terms": ' + terms + "}"
    response = as_alice.generic(
        "PATCH", f"/api/v1/accounts/{account.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "deal_terms" in response.json()


def test_a_signer_from_another_book_is_answered_like_an_unknown_id(as_bob, alice, bob):
    theirs = make_stakeholder(account=make_account(csm=alice))
    mine = make_account(csm=bob)
    body = {"account": mine.pk, "outcome": "o", "review_cadence_days": 30}
    other_book = as_bob.post(
        "/api/v1/objectives/", {**body, "signed_by": [theirs.pk]}, format="json"
    )
    nowhere = as_bob.post(
        "/api/v1/objectives/", {**body, "signed_by": [theirs.pk + 999]}, format="json"
    )
    assert other_book.status_code == nowhere.status_code == 400
    assert str(theirs.pk) in str(other_book.json())
    assert other_book.json() == {
        key: [m.replace(str(theirs.pk + 999), str(theirs.pk)) for m in messages]
        for key, messages in nowhere.json().items()
    }
    assert not SharedObjective.objects.exists()


def test_a_decision_owner_from_another_book_is_answered_like_an_unknown_id(as_bob, alice, bob):
    theirs = make_stakeholder(account=make_account(csm=alice))
    body = {"account": make_account(csm=bob).pk, "summary": "s", "decided_on": "2026-01-05"}
    other_book = as_bob.post("/api/v1/decisions/", {**body, "owner": theirs.pk}, format="json")
    nowhere = as_bob.post("/api/v1/decisions/", {**body, "owner": theirs.pk + 999}, format="json")
    assert other_book.json()["owner"] == [
        m.replace(str(theirs.pk + 999), str(theirs.pk)) for m in nowhere.json()["owner"]
    ]
    assert not Decision.objects.exists()
