"""Signal kinds are data: the built-in twelve, and a company's own registered through the API."""

import pytest
from django.utils import timezone

from signals.kinds import BUILTIN_KINDS
from signals.models import Signal, SignalKindDef
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def signal(account, kind, external_id="s-1"):
    return {"external_id": external_id, "account": account.pk, "kind": kind,
            "occurred_at": timezone.now().isoformat()}  # fmt: skip


def test_the_twelve_built_in_kinds_are_listed_with_their_categories(as_alice):
    rows = as_alice.get("/api/v1/signal-kinds/").json()
    listed = {row["code"]: (row["label"], row["category"]) for row in rows if row["builtin"]}
    assert listed == BUILTIN_KINDS


def test_a_vp_registers_the_companys_own_kind(as_vera):
    body = {"code": "invoice_paid", "label": "Invoice paid", "category": "value"}
    response = as_vera.post("/api/v1/signal-kinds/", body, format="json")
    assert response.status_code == 201
    assert response.json() | {"created_at": None} == {
        **body, "builtin": False, "retired": False, "retired_at": None, "created_at": None,
    }  # fmt: skip
    assert SignalKindDef.objects.get(code="invoice_paid").category == "value"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "Invoice Paid", "label": "x", "category": "value"}, "code"),
        ({"code": "login", "label": "Again", "category": "usage"}, "code"),
        ({"code": "invoice_paid", "label": "x", "category": "money"}, "category"),
        ({"code": "invoice_paid", "category": "value"}, "label"),
    ],
)
def test_a_bad_kind_is_refused_and_nothing_registered(as_vera, body, field):
    before = SignalKindDef.objects.count()
    response = as_vera.post("/api/v1/signal-kinds/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert SignalKindDef.objects.count() == before


def test_a_signal_of_an_unregistered_kind_is_refused_with_how_to_register_it(as_alice, alice):
    account = make_account(csm=alice)
    response = as_alice.post("/api/v1/signals/", [signal(account, "invoice_paid")], format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "kind"
    assert "register it first with POST /api/v1/signal-kinds/" in error["message"]
    assert not Signal.objects.exists()


def test_a_signal_of_a_registered_kind_is_accepted(as_alice, alice, as_vera):
    account = make_account(csm=alice)
    body = {"code": "invoice_paid", "label": "Invoice paid", "category": "value"}
    as_vera.post("/api/v1/signal-kinds/", body, format="json")
    response = as_alice.post("/api/v1/signals/", [signal(account, "invoice_paid")], format="json")
    assert response.status_code == 201
    assert Signal.objects.get().kind == "invoice_paid"


def test_an_outcome_milestone_may_be_proven_by_a_registered_kind(as_alice, alice):
    account = make_account(csm=alice)
    milestone = {"account": account.pk, "name": "First invoice", "kind": "outcome",
                 "proof_signal": "invoice_paid"}  # fmt: skip
    assert as_alice.post("/api/v1/milestones/", milestone, format="json").status_code == 400
    SignalKindDef.objects.create(code="invoice_paid", label="Invoice paid", category="value")
    assert as_alice.post("/api/v1/milestones/", milestone, format="json").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_built_in_kinds_come_back_after_a_flush():
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert set(SignalKindDef.objects.values_list("code", flat=True)) == set(BUILTIN_KINDS)
