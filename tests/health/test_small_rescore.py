"""A small rescore (a few changed accounts) pays for little beyond its accounts: the scorecards'
records asked in one statement, the summaries checked once."""

from datetime import timedelta

import pandas as pd
import pytest
from django.utils import timezone

from accounts.models import Account, Stakeholder
from health.features import (
    build_features,
    exists_each,
    features_prepare,
    scorecard_records,
)
from health.models import Scorecard
from health.services import scorecards_by_segment
from signals.models import SignalKindDef, SignalSummary
from tests.factories import days_ago, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().date()


def test_exists_each_answers_every_question_in_one_statement(alice, django_assert_num_queries):
    make_account(csm=alice, segment="enterprise")
    questions = [
        Account.objects.filter(segment="enterprise"),
        Account.objects.filter(segment="smb"),
        Account.objects.filter(pk__in=[]),  # can match nothing: never sent to the database
        Stakeholder.objects.all(),
    ]
    with django_assert_num_queries(1):
        assert exists_each(questions) == [True, False, False, False]


def test_exists_each_of_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert exists_each([]) == []


@pytest.fixture
def invoice_paid(db):
    return SignalKindDef.objects.create(code="invoice_paid", label="Invoice paid", category="value")


def test_scorecard_records_answer_each_scorecard_for_its_own_accounts(alice, invoice_paid):
    Scorecard.objects.create(name="Enterprise", segment="enterprise", value_kinds=["invoice_paid"])
    big, small = make_account(csm=alice, segment="enterprise"), make_account(csm=alice)
    make_signal(account=big, kind="invoice_paid", occurred_at=timezone.now() - timedelta(days=3))
    make_signal(account=small, kind="roi_report_generated")
    make_stakeholder(account=big, role="exec_sponsor", last_engaged_on=days_ago(5))
    records = scorecard_records(today() - timedelta(days=1), scorecards_by_segment())
    assert records["value_kinds_seen"] == {"enterprise": True, "": False}, "today's is not yet"
    assert records["exec_touch_recorded"] == {"enterprise": True, "": False}
    assert records["objectives_recorded"] == {"enterprise": False, "": False}


@pytest.fixture
def signalled(alice):
    accounts = [make_account(csm=alice, contract_start=days_ago(400)) for _ in range(3)]
    for n, account in enumerate(accounts):
        for days in (1, 20, 45, 100):
            make_signal(
                account=account, kind="login", actor=f"p{n}",
                occurred_at=timezone.now() - timedelta(days=days + n),
            )  # fmt: skip
    return [account.pk for account in accounts]


def test_prepared_features_equal_the_checked_ones(signalled):
    features_prepare(today(), signalled)
    prepared = build_features(today(), signalled, prepared=True)
    pd.testing.assert_frame_equal(prepared, build_features(today(), signalled))


def test_a_summary_gone_after_the_prepare_is_computed_from_the_rollups(signalled):
    expected = build_features(today(), signalled, incremental=False)
    features_prepare(today(), signalled)
    SignalSummary.objects.filter(account_id=signalled[0]).delete()
    prepared = build_features(today(), signalled, prepared=True)
    columns = ["activity_30d", "activity_prev_30d", "active_users_30d", "has_any_signal"]
    pd.testing.assert_frame_equal(prepared[columns], expected[columns])
    assert prepared["last_signal_at"].notna().all()
