"""Bad input: the models refuse it in full_clean(), and the database refuses it too where a
constraint exists (forms and the API are not the only doors)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import (
    STANDARD_DEAL_TERMS,
    Account,
    Commitment,
    Decision,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
    deviating_terms,
)
from tests.factories import make_account

TODAY = date(2026, 6, 1)


def valid_account(csm, **overrides) -> Account:
    fields = {
        "external_id": "crm-1",
        "name": "Acme Logistics",
        "segment": "mid_market",
        "arr": Decimal("60000"),
        "seats": 40,
        "contract_start": date(2025, 1, 1),
        "renewal_date": date(2026, 1, 1),
        "csm": csm,
    }
    fields.update(overrides)
    return Account(**fields)


def child(model, account, **overrides):
    defaults = {
        Stakeholder: {"name": "Ana Ruiz", "role": "champion"},
        Commitment: {"title": "SSO for contractors"},
        OnboardingMilestone: {"name": "First ROI report", "kind": "outcome"},
    }[model]
    return model(account=account, **{**defaults, **overrides})


def assert_db_rejects(obj) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()
        connection.check_constraints()


ACCOUNT_BAD_INPUT = [
    pytest.param({"lifecycle_stage": "teenage"}, "lifecycle_stage", id="lifecycle_stage"),
    pytest.param({"outcome": "maybe"}, "outcome", id="outcome"),
    pytest.param({"handoff_urgency": "yesterday"}, "handoff_urgency", id="urgency"),
    pytest.param({"arr": Decimal("-1")}, "arr", id="negative_arr"),
    pytest.param({"seats": -5}, "seats", id="negative_seats"),
    pytest.param({"renewal_date": date(2024, 12, 31)}, "renewal_date", id="renewal_before_start"),
    pytest.param({"csm_id": 987654}, "csm", id="unknown_csm"),
]


@pytest.mark.django_db
def test_a_valid_account_passes_full_clean(alice):
    valid_account(alice).full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), ACCOUNT_BAD_INPUT)
def test_full_clean_rejects_bad_account_input(alice, overrides, field):
    account = valid_account(alice, **overrides)
    with pytest.raises(ValidationError) as caught:
        account.full_clean()
    assert field in caught.value.message_dict


@pytest.mark.parametrize("segment", ["two words", "a-segment-code-that-is-too-long", ""])
def test_a_segment_is_any_short_code_but_not_anything(alice, segment):
    with pytest.raises(ValidationError) as caught:
        valid_account(alice, segment=segment).full_clean()
    assert "segment" in caught.value.message_dict
    valid_account(alice, segment="public_sector").full_clean()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("overrides", "field"), ACCOUNT_BAD_INPUT)
def test_database_rejects_bad_account_input(alice, overrides, field):
    assert_db_rejects(valid_account(alice, **overrides))
    assert not Account.objects.exists()


CHILD_BAD_INPUT = [
    pytest.param(Stakeholder, {"role": "overlord"}, "role", True, id="stakeholder_role"),
    pytest.param(
        Commitment, {"product_status": "someday"}, "product_status", True, id="product_status"
    ),
    pytest.param(OnboardingMilestone, {"kind": "vibe"}, "kind", True, id="milestone_kind"),
    pytest.param(
        OnboardingMilestone, {"proof_signal": "telepathy"}, "proof_signal", False, id="proof_signal"
    ),
    pytest.param(
        OnboardingMilestone,
        {"kind": "task", "proof_signal": "login"},
        "proof_signal",
        False,
        id="task_with_proof_signal",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "overrides", "field", "_db"), CHILD_BAD_INPUT)
def test_full_clean_rejects_bad_child_input(alice, model, overrides, field, _db):
    account = make_account(csm=alice)
    child(model, account).full_clean()  # the baseline is valid
    with pytest.raises(ValidationError) as caught:
        child(model, account, **overrides).full_clean()
    assert field in caught.value.message_dict


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "overrides"),
    [pytest.param(*p.values[:2], id=p.id) for p in CHILD_BAD_INPUT if p.values[3]],
)
def test_database_rejects_bad_child_enum(alice, model, overrides):
    account = make_account(csm=alice)
    assert_db_rejects(child(model, account, **overrides))
    assert not model.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_rejects_zero_review_cadence(alice):
    objective = SharedObjective(account=make_account(csm=alice), outcome="x", review_cadence_days=0)
    assert_db_rejects(objective)


@pytest.mark.django_db
def test_decision_cannot_be_circulated_or_reopened_before_it_was_decided(alice):
    account = make_account(csm=alice)
    decided = date(2026, 3, 10)
    for field in ("circulated_on", "reopened_on"):
        decision = Decision(account=account, summary="Go live", decided_on=decided)
        setattr(decision, field, decided - timedelta(days=1))
        with pytest.raises(ValidationError) as caught:
            decision.full_clean()
        assert field in caught.value.message_dict


def test_deviating_terms_lists_changed_and_bespoke_terms_only():
    account = Account(
        deal_terms={**STANDARD_DEAL_TERMS, "payment_terms": "net_90", "bespoke_exit_clause": "x"}
    )
    assert deviating_terms(account.deal_terms) == ["bespoke_exit_clause", "payment_terms"]
    assert deviating_terms(dict(STANDARD_DEAL_TERMS)) == []


@pytest.mark.django_db
def test_saving_an_account_derives_its_deviating_terms(alice):
    account = make_account(csm=alice)
    account.deal_terms = {**STANDARD_DEAL_TERMS, "discount_pct": 35}
    account.save()
    account.refresh_from_db()
    assert account.deviating_terms == ["discount_pct"]
    account.deal_terms = dict(STANDARD_DEAL_TERMS)
    account.save()
    account.refresh_from_db()
    assert account.deviating_terms == []


def test_a_stakeholder_marked_gone_without_a_date_left_today(alice):
    """The admin, the pages and the API all save through the model."""
    from django.utils import timezone

    account = Account.objects.create(
        external_id="x-1", name="X", arr=1, contract_start=TODAY, renewal_date=TODAY, csm=alice
    )
    gone = Stakeholder.objects.create(account=account, name="Gina", role="champion", active=False)
    assert gone.left_on == timezone.localdate()
    earlier = Stakeholder.objects.create(
        account=account, name="Ed", role="user", active=False, left_on=TODAY - timedelta(days=9)
    )
    assert earlier.left_on == TODAY - timedelta(days=9)
