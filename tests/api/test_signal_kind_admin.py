"""Only a VP registers, edits, retires or deletes signal kinds; a used kind is retired, not
deleted, and a retired kind is refused at ingest while its signals stay."""

import pytest
from django.utils import timezone

from health.services import default_scorecard
from signals.models import Signal, SignalKindDef
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db

KIND = {"code": "invoice_paid", "label": "Invoice paid", "category": "value"}


@pytest.fixture
def invoice_paid(db):
    return SignalKindDef.objects.create(**KIND)


def url(code="invoice_paid") -> str:
    return f"/api/v1/signal-kinds/{code}/"


def test_a_csm_cannot_register_a_kind_for_everyone(as_alice):
    response = as_alice.post("/api/v1/signal-kinds/", KIND, format="json")
    assert response.status_code == 403
    assert not SignalKindDef.objects.filter(code="invoice_paid").exists()


def test_a_csm_cannot_relabel_a_kind(as_alice, invoice_paid):
    response = as_alice.patch(url(), {"label": "Paid!"}, format="json")
    assert response.status_code == 403
    invoice_paid.refresh_from_db()
    assert invoice_paid.label == "Invoice paid"


def test_a_csm_cannot_retire_a_kind(as_alice, invoice_paid):
    assert as_alice.patch(url(), {"retired": True}, format="json").status_code == 403
    invoice_paid.refresh_from_db()
    assert invoice_paid.retired_at is None


def test_a_csm_cannot_delete_a_kind(as_bob, invoice_paid):
    assert as_bob.delete(url()).status_code == 403
    assert SignalKindDef.objects.filter(code="invoice_paid").exists()


def test_a_csm_still_reads_the_kinds(as_alice, invoice_paid):
    codes = [row["code"] for row in as_alice.get("/api/v1/signal-kinds/").json()]
    assert "invoice_paid" in codes


def test_a_vp_relabels_a_kind(as_vera, invoice_paid):
    response = as_vera.patch(url(), {"label": "Invoice settled"}, format="json")
    assert response.status_code == 200
    invoice_paid.refresh_from_db()
    assert invoice_paid.label == "Invoice settled"


def test_a_vp_recategorises_an_unused_kind(as_vera, invoice_paid):
    assert as_vera.patch(url(), {"category": "usage"}, format="json").status_code == 200
    invoice_paid.refresh_from_db()
    assert invoice_paid.category == "usage"


def test_a_used_kind_keeps_its_category(as_vera, alice, invoice_paid):
    make_signal(account=make_account(csm=alice), kind="invoice_paid")
    response = as_vera.patch(url(), {"category": "usage"}, format="json")
    assert response.status_code == 400
    assert "signals carry it" in response.json()["category"][0]
    invoice_paid.refresh_from_db()
    assert invoice_paid.category == "value"


def test_a_kinds_code_is_never_renamed(as_vera, invoice_paid):
    as_vera.patch(url(), {"code": "paid"}, format="json")
    assert SignalKindDef.objects.filter(code="invoice_paid").exists()
    assert not SignalKindDef.objects.filter(code="paid").exists()


def test_a_vp_deletes_an_unused_kind(as_vera, invoice_paid):
    assert as_vera.delete(url()).status_code == 204
    assert not SignalKindDef.objects.filter(code="invoice_paid").exists()


def test_a_kind_signals_carry_cannot_be_deleted_only_retired(as_vera, alice, invoice_paid):
    make_signal(account=make_account(csm=alice), kind="invoice_paid")
    response = as_vera.delete(url())
    assert response.status_code == 400
    assert "retire it instead" in str(response.json())
    assert SignalKindDef.objects.filter(code="invoice_paid").exists()


def test_a_kind_a_scorecard_names_cannot_be_deleted(as_vera, invoice_paid):
    scorecard = default_scorecard()
    scorecard.value_kinds = ["invoice_paid"]
    scorecard.save()
    response = as_vera.delete(url())
    assert response.status_code == 400
    assert "scorecard" in str(response.json())


def test_a_built_in_kind_cannot_be_retired(as_vera):
    assert as_vera.patch(url("login"), {"retired": True}, format="json").status_code == 400
    assert SignalKindDef.objects.get(code="login").retired_at is None


def test_a_vp_retires_a_used_kind_and_its_signals_stay(as_vera, alice, invoice_paid):
    signal = make_signal(account=make_account(csm=alice), kind="invoice_paid")
    response = as_vera.patch(url(), {"retired": True}, format="json")
    assert response.status_code == 200
    assert response.json()["retired"] is True
    assert Signal.objects.filter(pk=signal.pk).exists()


def _push(client, account, external_id="paid-1"):
    row = {"external_id": external_id, "account": account.pk, "kind": "invoice_paid",
           "occurred_at": timezone.now().isoformat()}  # fmt: skip
    return client.post("/api/v1/signals/", [row], format="json")


def test_a_retired_kind_is_refused_at_ingest_with_a_clear_message(as_alice, alice, invoice_paid):
    invoice_paid.retired_at = timezone.now()
    invoice_paid.save()
    response = _push(as_alice, make_account(csm=alice))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("kind", "retired")
    assert "'invoice_paid' is retired" in error["message"]
    assert not Signal.objects.exists()


def test_a_retired_kind_brought_back_is_accepted_again(as_vera, as_alice, alice, invoice_paid):
    as_vera.patch(url(), {"retired": True}, format="json")
    as_vera.patch(url(), {"retired": False}, format="json")
    assert _push(as_alice, make_account(csm=alice)).status_code == 201
