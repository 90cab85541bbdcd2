"""The VP's "Connect your data" page: each step says what is done and what is missing, and the
backtest on the company's own history reads each of last year's churns."""

import pytest
from django.urls import reverse
from django.utils import timezone

from health.backtest import churn_warnings_run
from sources.ingest import messages_ingest
from sources.services import event_mappings_update, source_create
from tests.factories import days_ago, make_account
from tests.health.outcomes import churn_portfolio


def steps(client) -> dict:
    response = client.get(reverse("connect"))
    assert response.status_code == 200
    return {step.key: step for step in response.context["steps"]}


def test_a_csm_is_refused(client, alice):
    client.force_login(alice)
    assert client.get(reverse("connect")).status_code == 403
    assert client.post(reverse("connect_backtest")).status_code == 403
    assert client.post(reverse("connect_calibrate")).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("connect"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_empty_company_sees_every_step_missing(client, vera):
    client.force_login(vera)
    found = steps(client)
    assert not any(step.done for step in found.values())
    assert "No accounts yet" in found["import"].status


def test_accounts_without_outcomes_say_outcomes_are_missing(client, vera, alice):
    make_account(csm=alice)
    client.force_login(vera)
    found = steps(client)["import"]
    assert not found.done and "no outcome recorded" in found.status


def test_accounts_with_outcomes_complete_the_import_step(client, vera, alice):
    make_account(csm=alice, outcome="churned", outcome_on=days_ago(40))
    make_account(csm=alice, outcome="renewed", outcome_on=days_ago(10))
    client.force_login(vera)
    found = steps(client)["import"]
    assert found.done and "1 churned, 1 renewed" in found.status


@pytest.fixture
def history(alice):
    return churn_portfolio(csm=alice, churners=4, stayers=4)


def test_the_backtest_lists_each_churn_of_the_last_year_and_no_stayer(history):
    warnings = churn_warnings_run(today=timezone.now().date())
    churned = {a.pk for a in history if a.outcome == "churned"}
    assert {row["account_id"] for row in warnings["accounts"]} == churned
    assert warnings["churned"] == 4


def test_churners_that_went_quiet_before_churning_were_warned(history):
    warnings = churn_warnings_run(today=timezone.now().date())
    assert all(row["warned_days"] is not None for row in warnings["accounts"])
    assert warnings["never_warned"] == 0


def test_a_churn_older_than_a_year_is_not_listed(alice):
    old = make_account(csm=alice, contract_start=days_ago(900), outcome="churned",
                       outcome_on=days_ago(400))  # fmt: skip
    warnings = churn_warnings_run(today=timezone.now().date())
    assert old.pk not in {row["account_id"] for row in warnings["accounts"]}


def test_running_the_backtest_from_the_page_shows_the_churns(client, vera, history):
    client.force_login(vera)
    response = client.post(reverse("connect_backtest"), follow=True)
    page = response.content.decode()
    assert "of 4 churns since" in page
    for account in history:
        assert (account.name in page) == (account.outcome == "churned")


def test_too_few_churns_explain_why_calibration_waits(client, vera, history):
    client.force_login(vera)
    client.post(reverse("connect_backtest"))
    found = steps(client)["calibrate"]
    assert not found.extra["enough"] and "needs at least 30" in found.status


def test_with_no_source_the_first_step_asks_for_one(client, vera):
    client.force_login(vera)
    found = steps(client)
    assert not found["source"].done and found["source"].link == reverse("sources")
    assert not found["send"].done and not found["map"].done


def test_a_source_that_received_nothing_says_so(client, vera):
    source_create(name="Segment prod", created_by=vera)
    client.force_login(vera)
    found = steps(client)
    assert found["source"].done and "Segment prod" in found["source"].status
    assert not found["send"].done and "Nothing received yet" in found["send"].status


def test_an_unmapped_event_is_named_until_it_is_mapped(client, vera, alice):
    source, _ = source_create(name="Segment prod", created_by=vera, default_csm=alice)
    messages_ingest(source=source, received_at=timezone.now(), items=[
        {"type": "group", "groupId": "acme", "userId": "u1", "traits": {"name": "Acme"},
         "messageId": "m1"},
        {"type": "track", "event": "Report Exported", "userId": "u1", "messageId": "m2"},
    ])  # fmt: skip
    client.force_login(vera)
    found = steps(client)
    assert found["send"].done
    assert not found["map"].done and "Report Exported" in found["map"].status
    event_mappings_update(source=source, changes=[{"event": "Report Exported", "kind": "login"}])
    assert steps(client)["map"].done
