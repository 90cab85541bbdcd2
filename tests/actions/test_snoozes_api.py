"""The snooze endpoints: a flag's alerts pause, the flag and its effect on the colour stay."""

import pytest
from django.utils import timezone

from accounts.models import OnboardingMilestone
from actions.models import Action, FlagSnooze
from actions.services import actions_raise
from health.services import score_accounts
from tests.factories import days_ago, give_health, make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices(alice):
    account = make_account(csm=alice, name="Harbor Foods")
    give_health(account, overall=85, rag="amber", flags=["checklist_illusion", "custom_terms"])
    return account


@pytest.fixture
def bobs(bob):
    account = make_account(csm=bob, name="Quay Metals")
    give_health(account, overall=85, rag="amber", flags=["checklist_illusion"])
    return account


def snoozes_url(account, snooze=None):
    tail = f"{snooze.pk}/" if snooze else ""
    return f"/api/v1/accounts/{account.pk}/snoozes/{tail}"


def snooze(client, account, **body):
    body = {"flag": "checklist_illusion", "reason": "Training booked for Monday", **body}
    return client.post(snoozes_url(account), body, format="json")


def test_a_csm_snoozes_a_flag_on_their_account(as_alice, alices):
    response = snooze(as_alice, alices)
    assert response.status_code == 201
    body = response.json()
    until = (timezone.now().date() + timezone.timedelta(days=30)).isoformat()
    assert (body["flag"], body["reason"], body["by"], body["active"]) == (
        "checklist_illusion", "Training booked for Monday", "alice", True)  # fmt: skip
    assert body["until"] == body["ends_on"] == until
    assert FlagSnooze.objects.get().account == alices


def test_the_re_raise_period_can_be_chosen(as_alice, alices):
    body = snooze(as_alice, alices, days=7).json()
    assert body["until"] == (timezone.now().date() + timezone.timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"flag": "champion_left"}, "flag"),  # a real flag, but not on this account
        ({"flag": "no_such_flag"}, "flag"),
        ({"reason": "   "}, "reason"),
        ({"reason": None}, "reason"),
        ({"days": 0}, "days"),
        ({"days": 181}, "days"),
        ({"days": "soon"}, "days"),
    ],
)
def test_a_bad_snooze_is_refused_and_writes_nothing(as_alice, alices, body, field):
    response = snooze(as_alice, alices, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not FlagSnooze.objects.exists()


def test_a_snooze_without_a_reason_is_refused(as_alice, alices):
    response = as_alice.post(snoozes_url(alices), {"flag": "custom_terms"}, format="json")
    assert response.status_code == 400
    assert not FlagSnooze.objects.exists()


def test_the_list_shows_the_accounts_snoozes_newest_first(as_alice, alices):
    snooze(as_alice, alices, flag="custom_terms", reason="Legal reviews it")
    snooze(as_alice, alices)
    rows = as_alice.get(snoozes_url(alices)).json()
    assert [row["flag"] for row in rows] == ["checklist_illusion", "custom_terms"]
    assert set(rows[0]) >= {"id", "flag", "reason", "until", "ends_on", "by", "created_at",
                            "active"}  # fmt: skip


def test_ending_a_snooze_early_makes_it_inactive(as_alice, alices):
    created = snooze(as_alice, alices).json()
    row = FlagSnooze.objects.get(pk=created["id"])
    assert as_alice.delete(snoozes_url(alices, row)).status_code == 204
    [listed] = as_alice.get(snoozes_url(alices)).json()
    assert listed["active"] is False
    assert listed["until"] == timezone.now().date().isoformat()


def test_a_flag_whose_snooze_ended_early_is_raised_again(as_alice, alices):
    actions_raise(account_ids=[alices.pk], as_of=timezone.now().date())
    Action.objects.all().delete()
    snooze(as_alice, alices)
    as_alice.delete(snoozes_url(alices, FlagSnooze.objects.get()))
    actions_raise(account_ids=[alices.pk], as_of=timezone.now().date())
    assert Action.objects.filter(flag="checklist_illusion", status="open").exists()


def test_ending_a_snooze_that_already_ended_is_refused(as_alice, alices):
    snooze(as_alice, alices)
    row = FlagSnooze.objects.get()
    as_alice.delete(snoozes_url(alices, row))
    response = as_alice.delete(snoozes_url(alices, row))
    assert response.status_code == 400
    assert "already ended" in str(response.json())


def test_another_csm_cannot_see_snooze_or_end_snoozes_on_the_account(as_bob, as_alice, alices):
    snooze(as_alice, alices)
    row = FlagSnooze.objects.get()
    assert as_bob.get(snoozes_url(alices)).status_code == 404
    assert snooze(as_bob, alices, flag="custom_terms").status_code == 404
    assert as_bob.delete(snoozes_url(alices, row)).status_code == 404
    assert FlagSnooze.objects.get().is_active()
    assert FlagSnooze.objects.count() == 1


def test_a_snooze_of_another_account_is_not_found_under_this_one(as_alice, alices, alice):
    other = make_account(csm=alice)
    give_health(other, overall=85, rag="amber", flags=["checklist_illusion"])
    snooze(as_alice, other)
    row = FlagSnooze.objects.get()
    assert as_alice.delete(snoozes_url(alices, row)).status_code == 404
    assert FlagSnooze.objects.get().is_active()


def test_a_vp_snoozes_and_ends_snoozes_on_any_account(as_vera, bobs):
    assert snooze(as_vera, bobs).status_code == 201
    assert as_vera.get(snoozes_url(bobs)).json()[0]["by"] == "vera"
    assert as_vera.delete(snoozes_url(bobs, FlagSnooze.objects.get())).status_code == 204


def test_anonymous_callers_are_refused(client, alices):
    assert client.get(snoozes_url(alices)).status_code in (401, 403)
    assert client.post(snoozes_url(alices), {"flag": "custom_terms", "reason": "x"}).status_code in (
        401, 403)  # fmt: skip
    assert not FlagSnooze.objects.exists()


def test_the_health_payload_shows_a_snoozed_flag_still_capping_the_colour(as_alice, alices):
    snooze(as_alice, alices)
    body = as_alice.get(f"/api/v1/accounts/{alices.pk}/health/").json()
    flags = {flag["code"]: flag for flag in body["flags"]}
    assert body["rag"] == "amber" and body["score"] == 85.0
    assert flags["checklist_illusion"]["caps"] is True
    assert flags["checklist_illusion"]["snoozed"] == {
        "until": (timezone.now().date() + timezone.timedelta(days=30)).isoformat(),
        "by": "alice", "reason": "Training booked for Monday",
    }  # fmt: skip
    assert flags["custom_terms"]["snoozed"] is None
    assert any(reason.startswith("Capped at amber by checklist illusion") for reason in
               body["reasons"])  # fmt: skip


def test_a_snooze_ended_early_no_longer_shows_in_the_health_payload(as_alice, alices):
    snooze(as_alice, alices)
    as_alice.delete(snoozes_url(alices, FlagSnooze.objects.get()))
    body = as_alice.get(f"/api/v1/accounts/{alices.pk}/health/").json()
    assert all(flag["snoozed"] is None for flag in body["flags"])


def test_rescoring_a_snoozed_account_keeps_the_flag_and_its_colour(as_alice, alice):
    account = make_account(csm=alice)
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    OnboardingMilestone.objects.create(account=account, name="First ROI report", kind="outcome",
                                       target_on=days_ago(30))  # fmt: skip
    score_accounts()
    before = as_alice.get(f"/api/v1/accounts/{account.pk}/health/").json()
    assert snooze(as_alice, account).status_code == 201
    score_accounts()
    after = as_alice.get(f"/api/v1/accounts/{account.pk}/health/").json()
    flags = {flag["code"]: flag for flag in after["flags"]}
    assert after["rag"] == before["rag"]
    assert flags["checklist_illusion"]["snoozed"]["by"] == "alice"
    assert [f["code"] for f in after["flags"]] == [f["code"] for f in before["flags"]]
