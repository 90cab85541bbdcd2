"""Each rule the score and the pages share, pinned at its boundaries, and checked to give the
same answer to the scorer's features, to the account page and to the portfolio."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import rules
from accounts.models import Commitment, Decision, SharedObjective
from dashboard.selectors import account_page_data, handoff_missing
from health.features import build_features
from health.portfolio import commitment_debt
from health.services import score_accounts
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def account(alice):
    return make_account(csm=alice, contract_start=today() - timedelta(days=200))


def features(account):
    return build_features(today(), [account.pk]).loc[account.pk]


@pytest.mark.parametrize(
    ("decided_days_ago", "circulated_after", "late"),
    [
        (0, None, False),  # decided today: its 24 hours are not over
        (1, None, False),  # decided yesterday: may still go out today
        (2, None, True),
        (5, 0, False),
        (5, 1, False),  # circulated the next day: within 24 hours
        (5, 2, True),
        (1, 1, False),
    ],
)
def test_decision_is_late_when_not_circulated_by_the_end_of_the_next_day(
    account, decided_days_ago, circulated_after, late
):
    decided = today() - timedelta(days=decided_days_ago)
    circulated = None if circulated_after is None else decided + timedelta(days=circulated_after)
    Decision.objects.create(
        account=account, summary="x", decided_on=decided, circulated_on=circulated
    )
    (shown,) = account_page_data(account)["decisions"]
    assert shown.circulated_late is late, "the account page"
    assert features(account)["decisions_circulated_late"] == int(late), "the score"


@pytest.mark.parametrize(
    ("reopened_after", "counted"), [(3, True), (7, True), (8, False), (None, False)]
)
def test_decision_reopened_within_a_week(account, reopened_after, counted):
    decided = today() - timedelta(days=20)
    reopened = None if reopened_after is None else decided + timedelta(days=reopened_after)
    Decision.objects.create(account=account, summary="x", decided_on=decided, reopened_on=reopened)
    assert features(account)["decisions_reopened_7d"] == int(counted)


@pytest.mark.parametrize(
    ("reviewed_days_ago", "overdue"), [(30, False), (90, False), (91, True), (None, True)]
)
def test_objective_review_is_overdue_after_its_cadence(account, reviewed_days_ago, overdue):
    reviewed = None if reviewed_days_ago is None else today() - timedelta(days=reviewed_days_ago)
    objective = SharedObjective.objects.create(
        account=account, outcome="x", review_cadence_days=90, last_reviewed_on=reviewed
    )
    SharedObjective.objects.filter(pk=objective.pk).update(created_on=today() - timedelta(days=200))
    assert account_page_data(account)["objective"].review_overdue is overdue, "the account page"
    assert bool(features(account)["objective_review_overdue"]) is overdue, "the score"


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({}, ["why they bought", "real needs", "internal politics", "urgency"]),
        ({"handoff_why_bought": " \n\t ", "handoff_urgency": "high"},
         ["why they bought", "real needs", "internal politics"]),
        ({"handoff_why_bought": "Margin", "handoff_real_needs": "ROI",
          "handoff_politics": "Ops vs Finance", "handoff_urgency": "low"}, []),
    ],
)  # fmt: skip
def test_handoff_items_missing_are_the_same_on_the_page_and_in_the_score(alice, fields, missing):
    account = make_account(csm=alice, **fields)
    assert handoff_missing(account) == missing
    assert features(account)["handoff_missing"] == len(missing)


@pytest.mark.parametrize(
    ("fields", "uncommitted", "overdue"),
    [
        ({"told_customer": "Coming in Q3", "product_status": "under_consideration"}, True, False),
        ({"told_customer": "  \n", "product_status": "under_consideration"}, False, False),
        ({"told_customer": "Soon", "product_status": "declined"}, True, False),
        ({"told_customer": "Soon", "product_status": "planned"}, False, False),
        ({"product_status": "planned", "due_days": -1}, False, True),
        ({"product_status": "planned", "due_days": 0}, False, False),
        ({"product_status": "shipped", "due_days": -30}, False, False),
    ],
)
def test_a_commitment_gap_is_the_same_for_the_score_the_page_and_the_portfolio(
    account, vera, fields, uncommitted, overdue
):
    due_days = fields.pop("due_days", None)
    due = None if due_days is None else today() + timedelta(days=due_days)
    Commitment.objects.create(account=account, title="x", due_on=due, **fields)
    (shown,) = account_page_data(account)["commitments"]
    assert (shown.uncommitted, shown.overdue) == (uncommitted, overdue), "the account page"
    row = features(account)
    assert (row["commitments_gap"], row["commitments_overdue"]) == (uncommitted, overdue)
    score_accounts(account_ids=[account.pk])
    flagged = ",commitment_gap," in account.current_health.flag_codes
    assert flagged is (uncommitted or overdue), "the scorer's flag"
    debt = commitment_debt(type(account).objects.all())
    assert sum(bucket["accounts"] for bucket in debt) == int(flagged), "the portfolio"


def test_rules_judge_a_past_day_by_what_was_due_then(account):
    decided = today() - timedelta(days=10)
    Decision.objects.create(account=account, summary="x", decided_on=decided)
    late = Decision.objects.filter(rules.decision_circulated_late(decided + timedelta(days=1)))
    assert not late.exists()
    assert Decision.objects.filter(rules.decision_circulated_late(decided + timedelta(2))).exists()
