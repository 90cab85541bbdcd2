"""Alignment and commitment features, counted by the database, cut at as_of."""

from datetime import timedelta

import pandas as pd
import pytest
from django.utils import timezone

from accounts.models import (
    Account,
    Commitment,
    Decision,
    ObjectiveSignature,
    SharedObjective,
    Stakeholder,
)
from health import features, frames
from health.features import AccountRange, build_features
from signals.models import SignalLastSeen
from tests.factories import days_ago, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    return make_account(csm=alice, contract_start=days_ago(300))


def features_of(account, as_of=None, ids=None):
    return build_features(as_of or timezone.now().date(), ids).loc[account.pk]


def decide(account, decided, circulated=None, reopened=None):
    return Decision.objects.create(
        account=account, summary="Roll out to EMEA", decided_on=days_ago(decided),
        circulated_on=None if circulated is None else days_ago(circulated),
        reopened_on=None if reopened is None else days_ago(reopened),
    )  # fmt: skip


def test_decisions_reopened_within_seven_days_are_counted(account):
    decide(account, decided=30, circulated=30, reopened=23)
    decide(account, decided=30, circulated=30, reopened=22)
    row = features_of(account)
    assert (row["decisions"], row["decisions_reopened_7d"]) == (2, 1)


def test_decisions_not_circulated_within_a_day_are_late(account):
    decide(account, decided=20, circulated=19)
    decide(account, decided=20, circulated=18)
    decide(account, decided=20)
    decide(account, decided=1)
    row = features_of(account)
    assert row["decisions_circulated_late"] == 2, "one a day late, one never; a new one waits"


def test_decision_features_forget_what_happened_after_as_of(account):
    decide(account, decided=30, circulated=5, reopened=25)
    row = features_of(account, as_of=days_ago(26))
    assert (row["decisions_reopened_7d"], row["decisions_circulated_late"]) == (0, 1)


def test_decisions_older_than_180_days_are_not_counted(account):
    decide(account, decided=200, reopened=199)
    assert features_of(account)["decisions"] == 0


def objective_signed_by(account, roles, reviewed=10, cadence=90):
    objective = SharedObjective.objects.create(
        account=account, outcome="Cut month-end close to 3 days",
        review_cadence_days=cadence, last_reviewed_on=days_ago(reviewed),
    )  # fmt: skip
    SharedObjective.objects.filter(pk=objective.pk).update(created_on=days_ago(100))
    for role, signed in roles.items():
        person = make_stakeholder(account=account, role=role)
        ObjectiveSignature.objects.create(
            objective=objective, stakeholder=person, signed_on=days_ago(signed)
        )
    return objective


def test_objective_counts_key_roles_that_signed_by_as_of(account):
    objective_signed_by(account, {"exec_sponsor": 5, "project_sponsor": 50, "user": 50})
    row = features_of(account)
    assert (row["has_objective"], row["objective_key_signers"]) == (True, 1 + 1)
    assert features_of(account, as_of=days_ago(10))["objective_key_signers"] == 1


def test_objective_review_overdue_after_its_cadence(account):
    objective_signed_by(account, {}, reviewed=40, cadence=30)
    assert bool(features_of(account)["objective_review_overdue"])


def test_no_objective_means_none_signed_and_review_overdue(account):
    row = features_of(account)
    assert (row["has_objective"], row["objective_key_signers"]) == (False, 0)
    assert bool(row["objective_review_overdue"])


def test_alignment_features_of_a_range_shard_match_the_whole_portfolio(account, bob):
    other = make_account(csm=bob, contract_start=days_ago(300))
    objective_signed_by(account, {"exec_sponsor": 5, "operating_owner": 5})
    objective_signed_by(other, {"exec_sponsor": 5})
    decide(account, decided=20)
    shard = AccountRange(account.pk, account.pk)
    columns = ["objective_key_signers", "decisions", "decisions_circulated_late"]
    assert list(features_of(account, ids=shard)[columns]) == list(features_of(account)[columns])
    assert features_of(other)["objective_key_signers"] == 1


def promise(account, status, *, told="Coming in Q3", scoped=True, due=None, made=10):
    return Commitment.objects.create(
        account=account, title="SSO", told_customer=told, product_status=status,
        scoped=scoped, due_on=None if due is None else days_ago(due), made_on=days_ago(made),
    )  # fmt: skip


def test_commitments_told_but_not_committed_by_product_are_a_gap(account):
    promise(account, "under_consideration")
    promise(account, "declined")
    promise(account, "declined", told="")
    promise(account, "planned")
    assert features_of(account)["commitments_gap"] == 2


def test_open_unscoped_and_overdue_commitments_are_counted(account):
    promise(account, "planned", scoped=False, due=3)
    promise(account, "shipped", scoped=False, due=3)
    promise(account, "planned", due=-10)
    row = features_of(account)
    assert (row["commitments_unscoped_open"], row["commitments_overdue"]) == (1, 1)


def test_commitments_made_after_as_of_are_not_known_then(account):
    promise(account, "under_consideration", made=5)
    assert features_of(account, as_of=timezone.now().date() - timedelta(days=6))["commitments"] == 0


def test_handoff_gaps_count_blank_answers_and_unknown_urgency(alice):
    account = make_account(
        csm=alice, handoff_why_bought="  ", handoff_real_needs="Month-end close in 3 days",
        handoff_politics="", handoff_urgency="unknown",
    )  # fmt: skip
    assert features_of(account)["handoff_missing"] == 3


def test_deal_terms_off_the_standard_are_counted(alice):
    account = make_account(csm=alice, deal_terms={"custom_sla": "99.99%", "exit_clause": True})
    plain = make_account(csm=alice)
    assert features_of(account)["deviating_terms"] == 2
    assert features_of(plain)["deviating_terms"] == 0


def test_a_quiet_account_still_knows_when_it_was_last_seen(account):
    last = timezone.now() - timedelta(days=120)
    make_signal(account=account, kind="login", actor="ana", occurred_at=last)
    make_signal(account=account, kind="login", actor="ana", occurred_at=last - timedelta(days=3))
    row = features_of(account)
    assert row["last_signal_at"] == pd.Timestamp(last)
    assert (row["activity_30d"], row["activity_prev_30d"]) == (0, 0)


def test_nothing_in_180_days_means_no_last_signal(account):
    make_signal(account=account, kind="login", occurred_at=timezone.now() - timedelta(days=200))
    assert pd.isna(features_of(account)["last_signal_at"])


def test_upsell_calls_and_exec_meetings_count_over_180_days(account):
    now = timezone.now()
    make_signal(account=account, kind="upsell_call_accepted", occurred_at=now - timedelta(days=150))
    make_signal(account=account, kind="upsell_call_declined", occurred_at=now - timedelta(days=20))
    make_signal(account=account, kind="upsell_call_declined", occurred_at=now - timedelta(days=200))
    make_signal(account=account, kind="exec_meeting", occurred_at=now - timedelta(days=170))
    make_signal(account=account, kind="login", occurred_at=now - timedelta(days=1))
    row = features_of(account)
    assert (row["upsell_accepted_180d"], row["upsell_declined_180d"]) == (1, 1)
    assert row["last_exec_meeting_at"] == pd.Timestamp(now - timedelta(days=170))
    assert row["last_signal_at"] == pd.Timestamp(now - timedelta(days=1))


def test_many_quiet_accounts_are_read_in_one_pass(account, monkeypatch):
    monkeypatch.setattr("health.features.QUIET_LOOKUP_LIMIT", 0)
    last = timezone.now() - timedelta(days=120)
    make_signal(account=account, kind="login", occurred_at=last)
    assert features_of(account)["last_signal_at"] == pd.Timestamp(last)


def survey(account, answer, days):
    make_signal(account=account, kind="confidence_survey", value=answer,
                occurred_at=timezone.now() - timedelta(days=days))  # fmt: skip


def test_confidence_is_the_mean_numeric_survey_answer_of_the_last_year(account):
    survey(account, "6", 10)
    survey(account, "9", 200)
    survey(account, "no idea", 20)
    survey(account, "1", 400)
    row = features_of(account)
    assert (row["survey_answers"], row["confidence_mean"]) == (2, 7.5)


def test_no_survey_answers_leave_confidence_missing(account):
    row = features_of(account)
    assert row["survey_answers"] == 0
    assert pd.isna(row["confidence_mean"])


def test_a_survey_answer_after_as_of_is_not_known_then(account):
    survey(account, "3", 5)
    survey(account, "8", 40)
    assert features_of(account, as_of=days_ago(30))["confidence_mean"] == 8


def test_a_past_date_counts_people_from_the_signals_not_their_latest_use(account, monkeypatch):
    make_signal(account=account, occurred_at=timezone.now() - timedelta(days=12), actor="ann")
    make_signal(account=account, occurred_at=timezone.now() - timedelta(days=2), actor="ann")
    read = []
    fetch_rows = frames.fetch_rows
    recording = lambda rows: read.append(rows.model) or fetch_rows(rows)  # noqa: E731
    for module in (frames, features):  # features' own reads, and those through fetch_frame
        monkeypatch.setattr(module, "fetch_rows", recording)
    row = features_of(account, as_of=days_ago(10))
    assert row["active_users_30d"] == 1
    assert read and SignalLastSeen not in read  # ann's latest use (2 days ago) hides the one


def test_rows_read_as_csv_keep_text_nulls_booleans_and_times_as_the_orm_reads_them(alice):
    awkward = ['Say "hi", then\nleave', "back\\slash", "", "plain"]
    for n, name in enumerate(awkward):
        make_account(csm=alice, name=name, external_id=f"crm-{n}", contract_start=days_ago(n))
    rows = (
        Account.objects.filter(external_id__startswith="crm-")
        .order_by("external_id")
        .values("id", "name", "contract_start", "created_at")
    )
    frame = frames.fetch_rows(rows)
    expected = list(rows)
    assert list(frame["name"]) == [row["name"] for row in expected]
    assert list(frame["id"]) == [row["id"] for row in expected]
    assert [ts.date() for ts in frame["contract_start"]] == [r["contract_start"] for r in expected]
    assert list(frame["created_at"]) == [pd.Timestamp(r["created_at"]) for r in expected]


def test_rows_read_as_csv_keep_booleans_and_missing_values(account):
    make_stakeholder(account=account, role="champion", active=True)
    make_stakeholder(account=account, role="exec_sponsor", active=False)
    rows = Stakeholder.objects.order_by("id").values("id", "active", "left_on")
    frame = frames.fetch_rows(rows)
    assert list(frame["active"]) == [True, False]
    assert list(frame["left_on"].isna()) == [row["left_on"] is None for row in rows]


def test_an_empty_result_reads_as_an_empty_frame_with_its_columns():
    frame = frames.fetch_rows(Account.objects.filter(pk=-1).values("id", "name"))
    assert list(frame.columns) == ["id", "name"] and frame.empty
