import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Decision, Note
from dashboard.selectors import account_health_for_page
from health.models import HealthScore
from health.services import score_accounts
from tests.factories import days_ago, give_health, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    account = make_account(csm=alice, name="Harbor Foods")
    make_stakeholder(account=account, role="exec_sponsor", name="Ines Exec")
    make_stakeholder(account=account, role="operating_owner", name="Omar Owner")
    make_signal(account=account, kind="roi_report_generated")
    score_accounts()
    return account


def url(account, name="account_detail"):
    return reverse(name, args=[account.pk])


def test_account_page_shows_score_components_and_capability(client, alice, account):
    client.force_login(alice)
    response = client.get(url(account))
    content = response.content.decode()
    assert response.status_code == 200
    for heading in ("Components", "Checklist vs capability", "Stakeholders", "Decision log",
                    "Commitments", "Handoff context", "Recent signals", "Shared objective"):  # fmt: skip
        assert heading in content
    assert "Missing: Project sponsor." in content
    assert 'data-figure="' in content


def test_another_csms_account_is_404(client, bob, account):
    client.force_login(bob)
    assert client.get(url(account)).status_code == 404


def test_vp_can_open_any_account(client, vera, account):
    client.force_login(vera)
    assert client.get(url(account)).status_code == 200


def test_logging_a_decision_records_it_and_rescores(
    client, alice, account, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(alice)
    before = HealthScore.objects.filter(account=account).count()
    owner = account.stakeholders.get(role="operating_owner")
    with_form = {"summary": "Ops owns the ROI summary", "owner": owner.pk,
                 "decided_on": days_ago(2).isoformat(), "circulated_on": days_ago(2).isoformat()}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(account, "decision_create"), with_form)
    assert response.status_code == 302
    assert Decision.objects.get(account=account).summary == "Ops owns the ROI summary"
    assert HealthScore.objects.filter(account=account).count() == before + 1


def test_invalid_decision_is_refused_and_nothing_saved(client, alice, account):
    client.force_login(alice)
    data = {"summary": "", "decided_on": "not-a-date"}
    response = client.post(url(account, "decision_create"), data)
    assert response.status_code == 400
    assert not Decision.objects.exists()


def test_decision_owner_must_belong_to_the_account(client, alice, bob, account):
    stranger = make_stakeholder(account=make_account(csm=bob), role="champion")
    client.force_login(alice)
    data = {"summary": "x", "owner": stranger.pk, "decided_on": days_ago(1).isoformat()}
    assert client.post(url(account, "decision_create"), data).status_code == 400
    assert not Decision.objects.exists()


def test_notes_need_a_csrf_token(alice, account):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    assert csrf_client.post(url(account, "note_create"), {"body": "hi"}).status_code == 403
    assert not Note.objects.exists()


def test_adding_a_note(client, alice, account):
    client.force_login(alice)
    client.post(url(account, "note_create"), {"body": "Called the exec sponsor."})
    assert Note.objects.get(account=account).author == alice
    assert "Called the exec sponsor." in client.get(url(account)).content.decode()


def test_marking_success_definitions_conflicting(client, alice, account):
    exec_sponsor = account.stakeholders.get(role="exec_sponsor")
    client.force_login(alice)
    client.post(url(account, "conflicts_update"), {"conflicting": [exec_sponsor.pk]})
    exec_sponsor.refresh_from_db()
    assert exec_sponsor.success_definition_conflicts


def test_cannot_post_to_another_csms_account(client, bob, account):
    client.force_login(bob)
    assert client.post(url(account, "note_create"), {"body": "x"}).status_code == 404
    assert not Note.objects.exists()


def test_account_page_query_count_is_bounded(client, alice, django_assert_max_num_queries):
    call_command("seed_demo", accounts=12, seed=3, stdout=open("/dev/null", "w"))
    score_accounts()
    from accounts.models import Account

    account = Account.objects.exclude(outcome="churned").first()
    client.force_login(alice if account.csm == alice else account.csm)
    # 21 for the page before issue 14, 7 for acting on it: actions, snoozes, sentiment, and the
    # timeline's scores, notes and daily signals.
    # Fixed, whatever the account holds: page data, actions, snoozes, sentiment, timeline, the
    # registered kinds and the scorecard cut-offs (35 since issues 12, 14 and 15 met on it; 32
    # once the role is asked once per request; 34 with the live churn model and the overrides, issue 25;
    # 36 with the navigation's count of one's open actions and the roadmap's changes on the
    # timeline, issue 24).
    with django_assert_max_num_queries(36):
        assert client.get(url(account)).status_code == 200


def test_the_chart_shows_the_last_year_before_the_latest_score(alice):
    account = make_account(csm=alice)
    for days, overall in [(500, 40), (300, 45), (0, 70)]:
        give_health(account, overall=overall, rag="amber", as_of=days_ago(days))
    page = account_health_for_page(account)
    overall = json.loads(page["chart"])["data"][0]
    assert overall["x"] == [days_ago(300).isoformat(), days_ago(0).isoformat()]
    assert page["score"].overall == 70


def scores_under_versions(account, versions_by_days: dict) -> None:
    for days, version in versions_by_days.items():
        score = give_health(account, overall=60, rag="amber", as_of=days_ago(days))
        HealthScore.objects.filter(pk=score.pk).update(scorecard_version=version)


def test_the_chart_marks_where_the_scorecard_version_changed(alice):
    account = make_account(csm=alice)
    scores_under_versions(account, {20: 1, 10: 1, 3: 2, 0: 2})
    layout = json.loads(account_health_for_page(account)["chart"])["layout"]
    marks = [a for a in layout["annotations"] if a["text"].startswith("Scorecard")]
    assert [(a["x"], a["text"]) for a in marks] == [(days_ago(3).isoformat(), "Scorecard v2")]
    assert any(shape["x0"] == days_ago(3).isoformat() for shape in layout["shapes"])


def test_what_changed_says_a_move_came_from_a_new_scorecard_not_the_customer(alice):
    account = make_account(csm=alice)
    scores_under_versions(account, {7: 1, 0: 2})
    (change, *_) = account_health_for_page(account)["what_changed"]
    assert (change["component"], change["scorecard_before"], change["scorecard_after"]) == (
        "scorecard", 1, 2,
    )  # fmt: skip
    assert change["customer_unchanged"] is True
    assert "comes from the scorecard alone" in change["note"]


def test_what_changed_says_nothing_of_the_scorecard_when_the_version_is_the_same(alice):
    account = make_account(csm=alice)
    scores_under_versions(account, {7: 2, 0: 2})
    changes = account_health_for_page(account)["what_changed"]
    assert all(change["component"] != "scorecard" for change in changes)


def test_recent_signals_and_key_events_name_kinds_by_their_registered_label(client, alice):
    from signals.models import SignalKindDef

    SignalKindDef.objects.create(code="invoice_paid", label="Invoice paid", category="value")
    account = make_account(csm=alice)
    make_signal(account=account, kind="invoice_paid")
    give_health(account, overall=60, rag="amber")
    client.force_login(alice)
    response = client.get(url(account))
    assert "Invoice paid" in response.content.decode()
    chart = json.loads(response.context["chart"])
    events = [trace for trace in chart["data"] if trace["name"] == "Key events"]
    assert events and events[0]["text"] == ["Invoice paid"]


def test_account_page_says_why_there_is_no_churn_probability(client, alice, account):
    client.force_login(alice)
    content = client.get(url(account)).content.decode()
    assert "No churn probability yet" in content
