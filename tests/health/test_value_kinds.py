"""Outcomes count the scorecard's value kinds; when none of its accounts ever sent one, Outcomes
is missing, not zero."""

from datetime import timedelta

import pytest
from django.utils import timezone

from health.features import build_features
from health.models import HealthScore, Scorecard
from health.scoring.reasons import NO_VALUE_EVENTS
from health.services import score_accounts, scorecard_update
from signals.models import SignalKindDef
from tests.factories import days_ago, make_account, make_signal

pytestmark = pytest.mark.django_db


def moment(days: int):
    return timezone.now() - timedelta(days=days)


def mature(csm, **fields):
    """A year in, in use every week: whatever happens to Outcomes decides the story."""
    account = make_account(csm=csm, contract_start=days_ago(365), **fields)
    for days in range(1, 60, 7):
        make_signal(account=account, kind="login", actor="ana", occurred_at=moment(days))
    return account


def scored(account) -> HealthScore:
    score_accounts(account_ids=[account.pk])
    return HealthScore.objects.filter(account=account).latest()


@pytest.fixture
def invoice_paid(db):
    return SignalKindDef.objects.create(code="invoice_paid", label="Invoice paid", category="value")


def default_scorecard(**changes) -> Scorecard:
    card, _ = Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})
    return scorecard_update(scorecard=card, **changes) if changes else card


def test_outcomes_are_missing_when_no_account_of_the_scorecard_ever_sent_a_value_kind(alice):
    account = mature(alice)
    score = scored(account)
    outcomes = score.components["outcomes"]
    assert (outcomes["score"], outcomes["weight"]) == (None, 0.0)
    assert outcomes["reasons"] == [NO_VALUE_EVENTS]
    assert NO_VALUE_EVENTS in score.reasons
    weights = [c["weight"] for name, c in score.components.items() if name != "outcomes"]
    assert sum(weights) == pytest.approx(1.0), "the weights re-normalise over the rest"


def test_an_account_without_value_events_in_a_portfolio_that_sends_them_scores_low(alice):
    sender, silent = mature(alice), mature(alice)
    make_signal(account=sender, kind="roi_report_generated", occurred_at=moment(300))
    score_accounts(account_ids=[sender.pk, silent.pk])
    outcomes = HealthScore.objects.get(account=silent).components["outcomes"]
    assert outcomes["score"] is not None and outcomes["score"] < 20
    assert outcomes["reasons"][0].startswith("No value event (ROI report generated) 365 days")


def test_a_custom_kind_counts_as_value_when_the_scorecard_says_so(alice, invoice_paid):
    account = mature(alice)
    make_signal(account=account, kind="invoice_paid", occurred_at=moment(350))
    make_signal(account=account, kind="invoice_paid", occurred_at=moment(20))
    assert scored(account).components["outcomes"]["score"] is None, "not a value kind yet"
    default_scorecard(value_kinds=["invoice_paid"])
    row = build_features(timezone.now().date(), [account.pk]).loc[account.pk]
    assert (row["value_events_90d"], bool(row["value_kinds_seen"])) == (1, True)
    outcomes = scored(account).components["outcomes"]
    assert outcomes["score"] is not None
    assert outcomes["reasons"][0] == "First value event (Invoice paid) after 15 days (target 30)."


def test_each_scorecard_asks_about_its_own_accounts_only(alice, invoice_paid):
    enterprise = Scorecard.objects.create(
        name="Enterprise", segment="enterprise", value_kinds=["invoice_paid"]
    )
    big, small = mature(alice, segment="enterprise"), mature(alice)
    make_signal(account=small, kind="invoice_paid", occurred_at=moment(10))
    make_signal(account=big, kind="roi_report_generated", occurred_at=moment(10))
    score_accounts(account_ids=[big.pk, small.pk])
    for account in (big, small):
        score = HealthScore.objects.get(account=account)
        assert score.components["outcomes"]["score"] is None, account.segment
    assert HealthScore.objects.get(account=big).scorecard_id == enterprise.pk


def test_value_kinds_must_be_registered_value_kinds():
    from django.core.exceptions import ValidationError

    card = default_scorecard()
    with pytest.raises(ValidationError, match="register them"):
        scorecard_update(scorecard=card, value_kinds=["invoice_paid"])
    with pytest.raises(ValidationError, match="Not of category value"):
        scorecard_update(scorecard=card, value_kinds=["login"])
