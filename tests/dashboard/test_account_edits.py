"""Notes and decisions edited from the account page, a decision marked reopened, dates checked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Decision, Note
from tests.factories import days_ago, make_account, make_stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    account = make_account(csm=alice, name="Harbor Foods")
    make_stakeholder(account=account, role="operating_owner", name="Omar Owner")
    return account


@pytest.fixture
def decision(account):
    return Decision.objects.create(
        account=account, summary="EMEA first", decided_on=days_ago(10), circulated_on=days_ago(10)
    )


def url(name, *args):
    return reverse(name, args=args)


def test_a_decision_dated_in_the_future_is_refused(client, alice, account):
    client.force_login(alice)
    future = {"summary": "Go live", "decided_on": "2030-01-15"}
    response = client.post(url("decision_create", account.pk), future)
    assert response.status_code == 400
    assert "Cannot be in the future" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_api_refuses_a_decision_dated_in_the_future(client, alice, account):
    client.force_login(alice)
    body = {"account": account.pk, "summary": "x", "decided_on": "2030-01-15"}
    response = client.post("/api/v1/decisions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "decided_on" in response.json()


def test_the_date_pickers_offer_no_day_after_today(client, alice, account):
    client.force_login(alice)
    content = client.get(url("account_detail", account.pk)).content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in content


def test_a_refused_form_marks_its_first_wrong_field_to_be_focused(client, alice, account):
    client.force_login(alice)
    response = client.post(url("note_create", account.pk), {"body": ""})
    assert response.status_code == 400
    assert 'name="body"' in (field := _tag(response.content.decode(), 'name="body"'))
    assert "autofocus" in field and 'aria-invalid="true"' in field


def _tag(html: str, marker: str) -> str:
    at = html.index(marker)
    return html[html.rindex("<", 0, at) : html.index(">", at) + 1]


def test_a_confirmation_is_shown_in_the_section_the_page_comes_back_to(client, alice, account):
    client.force_login(alice)
    response = client.post(url("note_create", account.pk), {"body": "Called Omar."}, follow=True)
    assert response.redirect_chain[-1][0].endswith("#notes")
    content = response.content.decode()
    notes = content[content.index('id="notes"') :]
    assert "Note added." in notes
    assert "Note added." not in content[: content.index('id="notes"')]


def test_the_author_edits_a_note_and_the_page_says_it_was_edited(client, alice, account):
    note = Note.objects.create(account=account, author=alice, body="Called Omar.")
    client.force_login(alice)
    assert client.get(url("note_edit", account.pk, note.pk)).status_code == 200
    response = client.post(url("note_edit", account.pk, note.pk), {"body": "Called Omar twice."})
    assert response["Location"].endswith("#notes")
    note.refresh_from_db()
    assert note.body == "Called Omar twice." and note.edited_at is not None
    assert "(edited" in client.get(url("account_detail", account.pk)).content.decode()


def test_only_the_author_can_edit_a_note(client, alice, vera, account):
    note = Note.objects.create(account=account, author=alice, body="Mine.")
    client.force_login(vera)
    response = client.post(url("note_edit", account.pk, note.pk), {"body": "Theirs."})
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.body == "Mine."


def test_an_empty_edited_note_is_refused_and_the_note_kept(client, alice, account):
    note = Note.objects.create(account=account, author=alice, body="Mine.")
    client.force_login(alice)
    assert client.post(url("note_edit", account.pk, note.pk), {"body": ""}).status_code == 400
    note.refresh_from_db()
    assert note.body == "Mine."


def test_a_decision_is_edited_including_when_it_was_reopened(client, alice, account, decision):
    client.force_login(alice)
    data = {"summary": "EMEA first, then APAC", "decided_on": days_ago(10).isoformat(),
            "circulated_on": days_ago(9).isoformat(), "reopened_on": days_ago(5).isoformat()}  # fmt: skip
    response = client.post(url("decision_edit", account.pk, decision.pk), data)
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.summary == "EMEA first, then APAC"
    assert decision.reopened_on == days_ago(5)


def test_an_edit_that_reopens_before_the_decision_is_refused(client, alice, account, decision):
    client.force_login(alice)
    data = {"summary": "EMEA first", "decided_on": days_ago(10).isoformat(),
            "reopened_on": days_ago(11).isoformat()}  # fmt: skip
    assert client.post(url("decision_edit", account.pk, decision.pk), data).status_code == 400
    decision.refresh_from_db()
    assert decision.reopened_on is None


def test_a_decision_is_marked_reopened_today_from_the_page_and_rescored(
    client, alice, account, decision, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("decision_reopen", account.pk, decision.pk))
    assert response["Location"].endswith("#decisions")
    decision.refresh_from_db()
    assert decision.reopened_on == timezone.localdate()
    assert callbacks, "the account is rescored once the reopening is saved"


def test_a_decision_already_reopened_keeps_its_first_reopening(client, alice, account, decision):
    decision.reopened_on = days_ago(8)
    decision.save()
    client.force_login(alice)
    client.post(url("decision_reopen", account.pk, decision.pk))
    decision.refresh_from_db()
    assert decision.reopened_on == days_ago(8)


def test_another_csms_decision_cannot_be_edited_or_reopened(client, bob, account, decision):
    client.force_login(bob)
    assert client.get(url("decision_edit", account.pk, decision.pk)).status_code == 404
    assert client.post(url("decision_reopen", account.pk, decision.pk)).status_code == 404
    decision.refresh_from_db()
    assert decision.reopened_on is None


def test_reopening_needs_a_post(client, alice, account, decision):
    client.force_login(alice)
    assert client.get(url("decision_reopen", account.pk, decision.pk)).status_code == 405


def test_the_decision_log_offers_edit_and_reopen_for_each_decision(
    client, alice, account, decision
):
    client.force_login(alice)
    content = client.get(url("account_detail", account.pk)).content.decode()
    assert url("decision_edit", account.pk, decision.pk) in content
    assert url("decision_reopen", account.pk, decision.pk) in content
    decision.reopened_on = timezone.localdate() - timedelta(days=1)
    decision.save()
    content = client.get(url("account_detail", account.pk)).content.decode()
    assert url("decision_reopen", account.pk, decision.pk) not in content
    assert f"Reopened {decision.reopened_on:%-d %b %Y}" in content
